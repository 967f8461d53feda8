"""Reads of posts, always scoped by store."""

from __future__ import annotations

from typing import Any

from accounts.models import Store
from publishing.models import Post, PostTarget, TargetStatus
from publishing.status import ACTIVE


def post_get(*, store: Store, post_id: Any) -> Post | None:
    return Post.objects.filter(store=store, pk=post_id).first()


def post_targets(*, post: Post) -> list[PostTarget]:
    return list(PostTarget.objects.filter(post=post).order_by("pk"))


def post_is_settled(*, post: Post) -> bool:
    return not PostTarget.objects.filter(post=post, status__in=ACTIVE).exists()


def target_result(target: PostTarget) -> dict[str, Any]:
    result: dict[str, Any] = {
        "platform": target.platform,
        "status": target.status,
        "post_id": target.platform_post_id or None,
        "url": target.url or None,
    }
    if target.status in (TargetStatus.FAILED, TargetStatus.UNCONFIRMED) or (
        target.status == TargetStatus.QUEUED and target.error_code
    ):
        result["error"] = {
            "code": target.error_code,
            "message": target.error_message,
            "platform_message": target.platform_error or None,
        }
    return result


def post_body(*, post: Post) -> dict[str, Any]:
    """The publish answer's shape, current: success, post_id, status, results."""
    targets = post_targets(post=post)
    from publishing.status import post_status

    return {
        "success": True,
        "post_id": str(post.pk),
        # Derived from the very rows below, so the two never disagree in one answer.
        "status": post_status(t.status for t in targets).value,
        "schedule_at": post.schedule_at.isoformat() if post.schedule_at else None,
        "results": [target_result(t) for t in targets],
    }
