"""Reads of posts, always scoped by store."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q

from accounts.models import Store
from publishing.models import Post, PostTarget, TargetStatus
from publishing.status import ACTIVE, post_status


def post_get(*, store: Store, post_id: Any) -> Post | None:
    return Post.objects.filter(store=store, pk=post_id).first()


def post_targets(*, post: Post) -> list[PostTarget]:
    return list(PostTarget.objects.filter(post=post).order_by("pk"))


def post_is_settled(*, post: Post) -> bool:
    return not PostTarget.objects.filter(post=post, status__in=ACTIVE).exists()


def target_error(target: PostTarget) -> dict[str, Any]:
    return {
        "code": target.error_code,
        "message": target.error_message,
        "platform_message": target.platform_error or None,
    }


def target_result(target: PostTarget) -> dict[str, Any]:
    result: dict[str, Any] = {
        "platform": target.platform,
        "status": target.status,
        "post_id": target.platform_post_id or None,
        "url": target.url or None,
        # Always a list (empty when nothing was changed to fit the platform).
        "notices": list(target.notices or []),
    }
    if target.status in (TargetStatus.FAILED, TargetStatus.UNCONFIRMED) or (
        # A retry waiting, or a target cancelled for a reason (its account disconnected).
        target.status in (TargetStatus.QUEUED, TargetStatus.CANCELLED) and target.error_code
    ):
        result["error"] = target_error(target)
    return result


def post_item(*, post: Post, targets: Sequence[PostTarget] | None = None) -> dict[str, Any]:
    """One post as the API shows it: post_id, status, schedule_at, results."""
    if targets is None:
        targets = post_targets(post=post)
    return {
        "post_id": str(post.pk),
        # Derived from the very rows below, so the two never disagree in one answer.
        "status": post_status(t.status for t in targets).value,
        "schedule_at": post.schedule_at.isoformat() if post.schedule_at else None,
        "results": [target_result(t) for t in targets],
    }


def post_body(*, post: Post) -> dict[str, Any]:
    """The publish answer's shape, current: success, post_id, status, results."""
    return {"success": True, **post_item(post=post)}


# --- Listing --------------------------------------------------------------------------


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class PostFilters:
    statuses: tuple[str, ...] = ()
    platform: str | None = None
    scheduled_from: datetime | None = None
    scheduled_to: datetime | None = None
    published_from: datetime | None = None
    published_to: datetime | None = None
    text: str | None = None


@dataclass(frozen=True)
class PostPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


def _encode_cursor(post: Post) -> str:
    raw = json.dumps([post.created_at.isoformat(), str(post.pk)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, post_id = json.loads(raw)
        return datetime.fromisoformat(created_at), str(post_id)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidCursor("The cursor is not one this API gave out.") from exc


def posts_list(*, store: Store, filters: PostFilters, cursor: str | None, limit: int) -> PostPage:
    """Newest first, keyset-paginated on (created_at, id): stable while posts are added."""
    posts = Post.objects.filter(store=store)
    if filters.statuses:
        posts = posts.filter(status__in=filters.statuses)
    targets = PostTarget.objects.filter(post__store=store)
    if filters.platform:
        targets = targets.filter(platform=filters.platform)
    if filters.published_from:
        targets = targets.filter(published_at__gte=filters.published_from)
    if filters.published_to:
        targets = targets.filter(published_at__lt=filters.published_to)
    if filters.platform or filters.published_from or filters.published_to:
        posts = posts.filter(pk__in=targets.values("post_id"))
    if filters.scheduled_from:
        posts = posts.filter(schedule_at__gte=filters.scheduled_from)
    if filters.scheduled_to:
        posts = posts.filter(schedule_at__lt=filters.scheduled_to)
    if filters.text:
        posts = posts.filter(text__icontains=filters.text)
    if cursor:
        created_at, post_id = _decode_cursor(cursor)
        posts = posts.filter(
            Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=post_id)
        )
    page = list(
        posts.order_by("-created_at", "-pk").prefetch_related(
            Prefetch("targets", queryset=PostTarget.objects.order_by("pk"))
        )[: limit + 1]
    )
    more = len(page) > limit
    page = page[:limit]
    return PostPage(
        items=[post_item(post=p, targets=list(p.targets.all())) for p in page],
        next_cursor=_encode_cursor(page[-1]) if more and page else None,
    )
