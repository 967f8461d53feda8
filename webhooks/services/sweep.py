"""The periodic sweep: hands deliveries that are due to the workers.

One beat entry runs it every WEBHOOK_SWEEP_INTERVAL_SECONDS. It picks pending deliveries
whose time came and that nobody holds: a retry that fell due, a message that may have been
lost (enqueued long ago, never claimed), a worker that died mid-send (lease expired). It
claims them with `SELECT … FOR UPDATE SKIP LOCKED` in batches, so two sweeps never take the
same row, and enqueues after commit. Its cost follows what is due, not what exists.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from webhooks.models import DeliveryStatus, WebhookDelivery

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
MAX_BATCHES_PER_TICK = 20


def deliveries_due() -> int:
    """Enqueue every delivery that is due and unclaimed; how many were enqueued."""
    from webhooks.tasks import deliver_webhook_task  # tasks import services

    now = timezone.now()
    # A message handed to the broker this recently is probably still on its way.
    stale = now - timedelta(seconds=settings.REQUEUE_AFTER_SECONDS)
    due = (
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
    )
    total = 0
    for _ in range(MAX_BATCHES_PER_TICK):
        with transaction.atomic():
            ids = list(
                due.select_for_update(skip_locked=True)
                .order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)[:BATCH_SIZE]
            )
            if not ids:
                break
            WebhookDelivery.objects.filter(pk__in=ids).update(enqueued_at=now)

            def send(ids: list[int] = ids) -> None:
                for pk in ids:
                    deliver_webhook_task.delay(pk)

            transaction.on_commit(send, robust=True)
        total += len(ids)
        if len(ids) < BATCH_SIZE:
            break
    if total:
        logger.info("webhook deliveries enqueued: %d", total, extra={"enqueued": total})
    return total
