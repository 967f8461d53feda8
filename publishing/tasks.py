"""Celery tasks: thin; ids in, one service call. The database rows, not the broker,
hold the truth, so a lost or duplicated message never loses or doubles a post."""

from __future__ import annotations

from collections.abc import Iterable

from celery import shared_task

from publishing.library.uploads import uploads_clean
from publishing.media.relay import relay_clean
from publishing.models import PostTarget, TargetStatus
from publishing.routing import publish_queue
from publishing.services.dispatcher import dispatch_due
from publishing.services.fairness import target_publish_within_limits
from publishing.services.reconcile import target_reconcile


def _with_media(target_ids: Iterable[int]) -> set[int]:
    return set(
        PostTarget.objects.filter(pk__in=list(target_ids))
        .exclude(post__media=[])
        .values_list("pk", flat=True)
    )


def enqueue_target(target_id: int, platform: str, *, media: bool | None = None) -> None:
    """Send a target to its platform's queue, or its media queue if the post has media
    (looked up when the caller does not say)."""
    if media is None:
        media = bool(_with_media([target_id]))
    queue = publish_queue(platform, media=media)
    publish_target_task.apply_async(args=(target_id,), queue=queue)


def enqueue_targets(sends: list[tuple[int, str]]) -> None:
    """``enqueue_target`` for a batch of (target id, platform), with one lookup for all."""
    with_media = _with_media(pk for pk, _ in sends)
    for target_id, platform in sends:
        enqueue_target(target_id, platform, media=target_id in with_media)


@shared_task(name="publishing.publish_post")
def publish_post_task(post_id: str) -> None:
    """Fan a post out into one task per target, each on its platform's queue."""
    targets = PostTarget.objects.filter(post_id=post_id, status=TargetStatus.QUEUED)
    enqueue_targets(list(targets.values_list("pk", "platform")))


@shared_task(name="publishing.publish_target", acks_late=True, reject_on_worker_lost=True)
def publish_target_task(target_id: int) -> None:
    target_publish_within_limits(target_id=target_id)


@shared_task(name="publishing.reconcile_target", acks_late=True)
def reconcile_target_task(target_id: int) -> None:
    target_reconcile(target_id=target_id)


@shared_task(name="publishing.dispatch_due", ignore_result=True)
def dispatch_due_task() -> None:
    dispatch_due()


@shared_task(name="publishing.relay_clean", ignore_result=True)
def relay_clean_task() -> None:
    relay_clean()


@shared_task(name="publishing.uploads_clean", ignore_result=True)
def uploads_clean_task() -> None:
    uploads_clean()
