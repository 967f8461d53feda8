"""The periodic dispatcher: hands due work to the workers.

One beat entry runs it every DISPATCH_INTERVAL_SECONDS. Each pass claims rows with
`SELECT … FOR UPDATE SKIP LOCKED` in batches, so several dispatchers (or a slow one and
a cancel) never take the same row, and its cost follows what is due, not what exists.
After beat was down, everything that fell due meanwhile goes out on the next tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from publishing.events import targets_settled
from publishing.models import Post, PostStatus, PostTarget, TargetStatus
from publishing.services.posts import post_sync_status

logger = logging.getLogger(__name__)

MAX_BATCHES_PER_TICK = 20


@dataclass
class DispatchReport:
    scheduled: int = 0
    requeued: int = 0
    recovered: int = 0
    unconfirmed: int = 0
    reconciling: int = 0


def _claim_batches(
    queryset: QuerySet[PostTarget],
    apply: Callable[[list[PostTarget]], set[Any]],
) -> int:
    """Claim due rows batch by batch; ``apply`` changes them and returns the posts whose
    status may have changed, which are re-derived last, in id order (the lock order)."""
    total = 0
    for _ in range(MAX_BATCHES_PER_TICK):
        with transaction.atomic():
            batch = list(
                queryset.select_for_update(skip_locked=True)
                .order_by("due_at", "pk")
                .only(
                    "pk",
                    "post_id",
                    "platform",
                    "create_started_at",
                    "first_create_at",
                    "attempt_count",
                    "retry_base",
                )[: settings.DISPATCH_BATCH_SIZE]
            )
            if not batch:
                break
            for post_id in sorted(apply(batch)):
                post_sync_status(post_id=post_id)
        total += len(batch)
        if len(batch) < settings.DISPATCH_BATCH_SIZE:
            break
    return total


def _send_on_commit(targets: list[PostTarget]) -> None:
    from publishing.tasks import enqueue_targets  # tasks import services

    sends = [(t.pk, t.platform) for t in targets]

    def send() -> None:
        enqueue_targets(sends)

    transaction.on_commit(send, robust=True)


def _mark_processing(post_ids: set[Any]) -> None:
    """A post with a target just queued is `processing`, whatever it was (post_status):
    one statement for the batch instead of a re-derivation per post. Rows are locked in
    id order first, as everywhere, so two dispatchers cannot deadlock on them."""
    ids = list(
        Post.objects.select_for_update()
        .filter(pk__in=post_ids)
        .exclude(status=PostStatus.PROCESSING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Post.objects.filter(pk__in=ids).update(status=PostStatus.PROCESSING, updated_at=timezone.now())


def _reconcile_on_commit(targets: list[PostTarget]) -> set[Any]:
    from publishing.tasks import reconcile_target_task

    ids = [t.pk for t in targets]
    # Not due again until the reconciler had its chance.
    PostTarget.objects.filter(pk__in=ids).update(
        due_at=timezone.now() + timedelta(seconds=settings.REQUEUE_AFTER_SECONDS)
    )

    def send() -> None:
        for pk in ids:
            reconcile_target_task.delay(pk)

    transaction.on_commit(send, robust=True)
    return set()


def dispatch_due() -> DispatchReport:
    now = timezone.now()
    report = DispatchReport()

    def queue(batch: list[PostTarget]) -> set[Any]:
        PostTarget.objects.filter(pk__in=[t.pk for t in batch]).update(
            status=TargetStatus.QUEUED, enqueued_at=now, updated_at=now
        )
        _send_on_commit(batch)
        _mark_processing({t.post_id for t in batch})
        return set()

    def resend(batch: list[PostTarget]) -> set[Any]:
        PostTarget.objects.filter(pk__in=[t.pk for t in batch]).update(enqueued_at=now)
        _send_on_commit(batch)
        return set()  # queued stays queued: no post changes status

    # 1. Scheduled posts that fell due.
    report.scheduled = _claim_batches(
        PostTarget.objects.filter(status=TargetStatus.SCHEDULED, due_at__lte=now), queue
    )
    # 2. Queued targets never sent (a retry fell due) or whose message may be lost.
    stale = now - timedelta(seconds=settings.REQUEUE_AFTER_SECONDS)
    report.requeued = _claim_batches(
        PostTarget.objects.filter(status=TargetStatus.QUEUED, due_at__lte=now).filter(
            Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale)
        ),
        resend,
    )
    # 3. Expired leases: the worker died. Before the create call it is safe to resume
    #    from the checkpoint; after it, the outcome is unknown.
    expired = PostTarget.objects.filter(status=TargetStatus.PROCESSING, lease_expires_at__lt=now)

    def recover(batch: list[PostTarget]) -> set[Any]:
        # A target whose worker dies on every try (out of memory on its media, say) is
        # ended after the usual number of tries instead of looping for ever: "not sent"
        # only if no try ever started a create call; else it may be live, and is settled
        # by asking the platform like any lost answer.
        spent = [
            t for t in batch
            if t.create_started_at is None
            and t.attempt_count - t.retry_base >= settings.PUBLISH_MAX_ATTEMPTS
        ]  # fmt: skip
        never_sent = [t for t in spent if t.first_create_at is None]
        resumable = [t for t in batch if t.create_started_at is None and t not in spent]
        unknown = [t for t in batch if t not in never_sent and t not in resumable]
        PostTarget.objects.filter(pk__in=[t.pk for t in never_sent]).update(
            status=TargetStatus.FAILED,
            due_at=None,
            lease_expires_at=None,
            updated_at=now,
            error_code="worker_lost",
            error_message=(
                "The worker stopped during every try; the post was not sent. Check its media."
            ),
        )
        targets_settled(target_ids=[t.pk for t in never_sent])
        PostTarget.objects.filter(pk__in=[t.pk for t in resumable]).update(
            status=TargetStatus.QUEUED,
            due_at=now,
            enqueued_at=now,
            lease_expires_at=None,
            updated_at=now,
        )
        _send_on_commit(resumable)
        PostTarget.objects.filter(pk__in=[t.pk for t in unknown]).update(
            status=TargetStatus.UNCONFIRMED,
            # Give the platform a moment to show a post made at the last instant.
            due_at=now + timedelta(seconds=settings.RECONCILE_DELAY_SECONDS),
            lease_expires_at=None,
            updated_at=now,
            error_code="outcome_unknown",
            error_message="The worker stopped after a create call was sent; checking the platform.",
        )
        report.unconfirmed += len(unknown)
        targets_settled(target_ids=[t.pk for t in unknown])
        # A resumed target leaves its post processing; the others may change it.
        return {t.post_id for t in [*unknown, *never_sent]}

    report.recovered = _claim_batches(expired, recover)
    # 4. Unconfirmed targets due for a look at the platform.
    report.reconciling = _claim_batches(
        PostTarget.objects.filter(status=TargetStatus.UNCONFIRMED, due_at__lte=now),
        _reconcile_on_commit,
    )
    if any(vars(report).values()):
        logger.info("dispatched %s", report, extra=vars(report))
    return report
