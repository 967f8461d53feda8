"""Creating, cancelling and reading back posts (the API's writes)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import SocialAccount, Store
from accounts.selectors import connected_accounts
from mollkom_social.api.errors import ApiError
from publishing.events import post_status_changed
from publishing.media.info import MediaInfo
from publishing.models import Post, PostTarget, TargetStatus
from publishing.platforms.base import Content, MediaItem
from publishing.platforms.registry import available_platforms, get_client
from publishing.services.media_checks import CHECKED, media_violations
from publishing.status import post_status


@dataclass(frozen=True)
class PublishRequest:
    platforms: list[str]
    content: Content
    schedule_at: datetime | None
    # Per platform: {"format": …, "text": …, and that platform's own options}.
    options: dict[str, dict[str, Any]] = field(default_factory=dict)

    def content_for(self, platform: str) -> Content:
        return platform_content(self.content, self.options.get(platform))


def platform_content(content: Content, options: Mapping[str, Any] | None) -> Content:
    """The content as one platform gets it: its own text when the request gave one, the
    format asked for, and the rest of its options."""
    if not options:
        return content
    return replace(
        content,
        text=options.get("text", content.text),
        format=options.get("format", ""),
        extra={k: v for k, v in options.items() if k not in ("text", "format")},
    )


def content_from_post(post: Post, platform: str | None = None) -> Content:
    """The post's content; with ``platform``, as that platform gets it (its options)."""
    content = Content(
        text=post.text,
        media=tuple(MediaItem(type=m["type"], url=m["url"]) for m in post.media),
        link=post.link,
    )
    return platform_content(content, post.options.get(platform)) if platform else content


def publish_request_check(
    *, store: Store, request: PublishRequest, probed: Mapping[str, MediaInfo] | None = None
) -> dict[str, SocialAccount]:
    """Every platform's rules and the store's connections, before anything is written.

    ``probed``: the request's videos measured so far (URL → info), checked against each
    platform's video rules. Raises ApiError(400) listing every problem on every platform at
    once.
    """
    problems: dict[str, list[dict[str, str]]] = {}
    accounts = connected_accounts(store=store)
    for platform in request.platforms:
        found: list[dict[str, str]] = []
        account = accounts.get(platform)
        if platform not in available_platforms():
            found.append(
                {
                    "code": "platform_unavailable",
                    "field": "platforms",
                    "message": f"Publishing to {platform} is not available yet.",
                }
            )
        elif account is None:
            found.append(
                {
                    "code": "account_not_connected",
                    "field": "platforms",
                    "message": f"The store has no connected {platform} account.",
                }
            )
        elif account.status != SocialAccount.Status.CONNECTED:
            found.append(
                {
                    "code": "account_needs_reconnect",
                    "field": "platforms",
                    "message": f"The store's {platform} account must be reconnected.",
                }
            )
        if platform in available_platforms():
            content = request.content_for(platform)
            violations = get_client(platform).validate(content)
            violations += media_violations(platform, content, probed or {})
            for violation in violations:
                found.append(
                    {"code": violation.code, "field": violation.field, "message": violation.message}
                )
        if found:
            problems[platform] = found
    if problems:
        raise ApiError(
            "platform_rules",
            "The post does not meet the rules of: " + ", ".join(sorted(problems)) + ".",
            details={"platforms": problems},
        )
    return accounts


def post_create(
    *,
    store: Store,
    request: PublishRequest,
    accounts: dict[str, SocialAccount],
    media_checked: Collection[str] = (),
) -> Post:
    """Write the post and one target per platform. Immediate targets are sent to the
    workers after commit; scheduled ones wait for the dispatcher.

    ``media_checked``: platforms whose every video passed its rules at request time; their
    targets are marked so the worker does not probe them again.
    """
    from publishing.tasks import publish_post_task  # tasks import services

    now = timezone.now()
    scheduled = request.schedule_at is not None
    status = TargetStatus.SCHEDULED if scheduled else TargetStatus.QUEUED
    # No savepoint: the caller's transaction (if any) fails as a whole anyway.
    with transaction.atomic(savepoint=False):
        post = Post.objects.create(
            store=store,
            text=request.content.text,
            media=[{"type": m.type, "url": m.url} for m in request.content.media],
            link=request.content.link,
            options=request.options,
            schedule_at=request.schedule_at,
            status=post_status([status]),
        )
        PostTarget.objects.bulk_create(
            PostTarget(
                post=post,
                platform=platform,
                account=accounts[platform],
                status=status,
                due_at=request.schedule_at if scheduled else now,
                enqueued_at=None if scheduled else now,
                checkpoint={CHECKED: True} if platform in media_checked else {},
            )
            for platform in request.platforms
        )
        if not scheduled:
            post_id = str(post.pk)
            # robust: with the broker down the post is still saved and the answer still
            # sent; the dispatcher re-sends queued targets whose message never arrived.
            transaction.on_commit(lambda: publish_post_task.delay(post_id), robust=True)
    return post


def post_cancel(*, store: Store, post_id: Any) -> Post:
    """Cancel every target of a scheduled post, all or none.

    The targets are locked first, so a dispatcher claiming the same rows either finished
    before (we see `queued` and refuse) or skips them (SKIP LOCKED) and finds them
    cancelled on its next tick. Exactly one of the two wins.
    """
    with transaction.atomic():
        post = Post.objects.filter(store=store, pk=post_id).first()
        if post is None:
            raise ApiError("not_found", "No such post.", http_status=404)
        targets = list(
            PostTarget.objects.select_for_update().filter(post=post).order_by("platform")
        )
        # A platform already cancelled (its account was disconnected) does not stand in the
        # way of cancelling the rest; at least one must still be scheduled.
        scheduled = [t for t in targets if t.status == TargetStatus.SCHEDULED]
        started = [
            t for t in targets if t.status not in (TargetStatus.SCHEDULED, TargetStatus.CANCELLED)
        ]
        if started or not scheduled:
            raise ApiError(
                "not_cancellable",
                "Only a post whose every platform is still scheduled can be cancelled.",
                http_status=409,
                details={"platforms": {t.platform: t.status for t in targets}},
            )
        PostTarget.objects.filter(pk__in=[t.pk for t in scheduled]).update(
            status=TargetStatus.CANCELLED, due_at=None
        )
        post_sync_status(post_id=post.pk)
    post.refresh_from_db()
    return post


def post_sync_status(*, post_id: Any) -> None:
    """Recompute the post's status from its targets, under the post's row lock so two
    workers finishing two targets at once cannot leave a stale status behind.
    Call inside the transaction that changed the targets."""
    post = Post.objects.select_for_update().get(pk=post_id)
    statuses = PostTarget.objects.filter(post_id=post_id).values_list("status", flat=True)
    derived = post_status(statuses)
    if post.status != derived:
        Post.objects.filter(pk=post_id).update(status=derived, updated_at=timezone.now())
        post.status = derived
        post_status_changed(post=post, status=derived)
