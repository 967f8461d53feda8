"""What the pipeline tells the store's webhooks, written in the transaction that made
the change (the webhooks app keeps them as an outbox until commit)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from publishing.models import Post, PostStatus, PostTarget, TargetStatus
from publishing.selectors import post_item

POST_EVENTS = {
    PostStatus.PUBLISHED: "post.published",
    PostStatus.PARTIALLY_PUBLISHED: "post.partially_published",
    PostStatus.FAILED: "post.failed",
    PostStatus.CANCELLED: "post.cancelled",
}
TARGET_EVENTS = {
    TargetStatus.PUBLISHED: "target.published",
    TargetStatus.FAILED: "target.failed",
    TargetStatus.UNCONFIRMED: "target.unconfirmed",
}


def _emit(store_id: Any, type: str, data: dict[str, Any]) -> None:
    from webhooks.services.events import event_emit

    event_emit(store=store_id, type=type, data=data)


def post_status_changed(*, post: Post, status: str) -> None:
    """The post's overall status became ``status``."""
    event = POST_EVENTS.get(PostStatus(status))
    if event:
        _emit(post.store_id, event, post_item(post=post))


def targets_settled(*, target_ids: Iterable[int]) -> None:
    """These targets just changed status; tell the store about the ones that matter."""
    targets = PostTarget.objects.select_related("post").filter(pk__in=list(target_ids))
    for target in targets:
        event = TARGET_EVENTS.get(TargetStatus(target.status))
        if event:
            # The post's shape, naming the platform the event is about.
            _emit(
                target.post.store_id,
                event,
                {"platform": target.platform, **post_item(post=target.post)},
            )
