"""Celery tasks: thin; ids in, one service call. The database rows, not the broker,
hold the truth, so a lost or duplicated message never loses or doubles a post."""

from __future__ import annotations

from celery import shared_task

from publishing.media.relay import relay_clean
from publishing.models import PostTarget, TargetStatus
from publishing.services.dispatcher import dispatch_due
from publishing.services.fairness import target_publish_within_limits
from publishing.services.pipeline import target_reconcile


def publish_queue(platform: str) -> str:
    return f"publish.{platform}"


def enqueue_target(target_id: int, platform: str) -> None:
    publish_target_task.apply_async(args=(target_id,), queue=publish_queue(platform))


@shared_task(name="publishing.publish_post")
def publish_post_task(post_id: str) -> None:
    """Fan a post out into one task per target, each on its platform's queue."""
    targets = PostTarget.objects.filter(post_id=post_id, status=TargetStatus.QUEUED)
    for target_id, platform in targets.values_list("pk", "platform"):
        enqueue_target(target_id, platform)


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
