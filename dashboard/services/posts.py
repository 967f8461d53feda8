"""The dashboard's actions on an existing post, over the publishing services.

Edit, reschedule and move go through ``post_update``, the service behind the API's PATCH,
so they share its race safety: the post's targets are locked and the change is refused
unless every platform is still scheduled. What the API's serializer checks before that
service (a time in the future, within the horizon) is checked here on typed values.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.models import Store
from mollkom_social.api.errors import ApiError
from publishing.models import Post, TargetStatus
from publishing.services.lifecycle import PostChanges, post_update

# The hour a post composed for a chosen day starts at: evenings are every platform's peak in
# the engagement table that suggested times use (content_ai/timing.py).
DEFAULT_HOUR = 20
# The per-platform options the composer shows; the others are kept as they were.
COMPOSER_OPTIONS = ("text", "format")


class ScheduleProblem(Exception):
    """A time to publish that the API would refuse; ``code`` is the API's own check code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def schedule_check(when: datetime, *, now: datetime | None = None) -> None:
    """The API's checks on ``schedule_at``: in the future, within the horizon."""
    now = now or timezone.now()
    if when <= now:
        raise ScheduleProblem("in_the_past")
    if when > now + timedelta(days=settings.SCHEDULE_HORIZON_DAYS):
        raise ScheduleProblem("too_far_ahead")


def is_editable(post: Post) -> bool:
    """Every platform still scheduled: the only state ``post_update`` accepts."""
    statuses = [t.status for t in post.targets.all()]
    return bool(statuses) and all(s == TargetStatus.SCHEDULED for s in statuses)


def is_live(post: Post) -> bool:
    """Published on at least one platform: something to unpublish."""
    return any(t.status == TargetStatus.PUBLISHED for t in post.targets.all())


def post_edit(
    *,
    store: Store,
    post: Post,
    changes: PostChanges,
) -> Post:
    """Save the composer's edit of a scheduled post.

    Options the composer does not show (a YouTube title, a privacy setting given through
    the API) are kept for the platforms that stay: the form's text and format replace only
    their own keys.
    """
    if changes.options is not None:
        options = {}
        for platform in changes.platforms or [t.platform for t in post.targets.all()]:
            hidden = {
                k: v
                for k, v in (post.options.get(platform) or {}).items()
                if k not in COMPOSER_OPTIONS
            }
            own = {**hidden, **changes.options.get(platform, {})}
            if own:
                options[platform] = own
        changes = replace(changes, options=options)
    if isinstance(changes.schedule_at, datetime):
        schedule_check(changes.schedule_at)
    return post_update(store=store, post_id=post.pk, changes=changes)


def moved_time(when: datetime, day: date) -> datetime:
    """``when`` on another day at the same local time (the active timezone, the store's)."""
    zone = timezone.get_current_timezone()
    local = timezone.localtime(when, zone)
    moved = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone)
    # Through UTC and back, so a wall time that a DST change skips becomes a real instant.
    return moved.astimezone(zone)


def post_move_to_day(*, store: Store, post_id: Any, day: date) -> Post:
    """Reschedule a scheduled post to another day, keeping its time of day."""
    post = Post.objects.filter(store=store, pk=post_id).first()
    if post is None:
        raise ApiError("not_found", "No such post.", http_status=404)
    if post.schedule_at is None:
        raise ApiError("not_editable", "The post is not scheduled.", http_status=409)
    when = moved_time(post.schedule_at, day)
    schedule_check(when)
    return post_update(store=store, post_id=post.pk, changes=PostChanges(schedule_at=when))


def day_start(day: date, *, now: datetime | None = None) -> datetime | None:
    """When a post composed for ``day`` starts out scheduled: the default hour, or the next
    whole hour when that has passed today; None for a day already over."""
    zone = timezone.get_current_timezone()
    now = timezone.localtime(now or timezone.now(), zone)
    if day < now.date():
        return None
    start = datetime.combine(day, time(DEFAULT_HOUR), tzinfo=zone)
    if start <= now:
        start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        if start.date() != day:
            return None
    return start
