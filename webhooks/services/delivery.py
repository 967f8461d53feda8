"""Sending one delivery: claim, sign, POST, record, and schedule the retry.

The rules, as in the publish pipeline:
- claim with a conditional UPDATE before the call; zero rows means another worker has it
  (or it is not due, or it is settled), and it stops;
- every later write is fenced by the attempt number the claim took, so a worker whose
  lease expired cannot overwrite the next attempt's outcome;
- the database, not a countdown in the broker, holds the retry: the sweep sends it again
  when `next_attempt_at` comes.

Delivery is at least once: a worker that dies after the receiver answered sends the
same event (same id) again. Receivers deduplicate on the event id.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from mollkom_social.db import release_connection
from webhooks.http import SendOutcome, webhook_send
from webhooks.models import (
    DeliveryStatus,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from webhooks.services.endpoints import endpoint_record_outcome
from webhooks.signing import SignedRequest, event_body, event_request_sign

logger = logging.getLogger(__name__)

# Seconds after the 1st, 2nd, … failed attempt; then every RETRY_DELAY_AFTER_SCHEDULE.
RETRY_SCHEDULE: tuple[int, ...] = (10, 30, 120, 600, 1800, 3600)
RETRY_DELAY_AFTER_SCHEDULE = 7200


def retry_delay(attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based), with ±10 %
    jitter so a receiver coming back is not hit by every retry in the same second."""
    index = max(1, attempt) - 1
    base = RETRY_SCHEDULE[index] if index < len(RETRY_SCHEDULE) else RETRY_DELAY_AFTER_SCHEDULE
    return base * random.uniform(0.9, 1.1)


def lease_seconds() -> float:
    # Longer than one attempt can take (connect and read timeouts) with room to spare, so
    # a lease expires only when its worker is gone.
    return 2 * settings.WEBHOOK_TIMEOUT_SECONDS + 30


def delivery_claim(*, delivery_id: int) -> int | None:
    """Take a pending, due delivery whose lease is free; the attempt number, or None."""
    now = timezone.now()
    with transaction.atomic():
        claimed = (
            WebhookDelivery.objects.filter(
                pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
            )
            .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
            .update(
                lease_expires_at=now + timedelta(seconds=lease_seconds()),
                attempt_count=F("attempt_count") + 1,
                enqueued_at=None,
            )
        )
        if not claimed:
            return None
        # Read under the row lock the UPDATE took, so this is our attempt number.
        attempt: int = WebhookDelivery.objects.values_list("attempt_count", flat=True).get(
            pk=delivery_id
        )
    return attempt


def _finish(delivery_id: int, attempt: int, **fields: Any) -> bool:
    """Write the outcome if this attempt still owns the delivery."""
    updated = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, attempt_count=attempt
    ).update(lease_expires_at=None, **fields)
    if not updated:
        logger.warning("webhook delivery lost its claim", extra={"delivery": delivery_id})
    return bool(updated)


def _signed(event: WebhookEvent, secret: str) -> SignedRequest:
    body = event_body(
        event_id=event.pk, type=event.type, created_at=event.created_at, data=event.data
    )
    # A fresh timestamp on every attempt: receivers refuse old ones as replays.
    return event_request_sign(
        secret=secret, event_id=event.pk, type=event.type, body=body, timestamp=int(time.time())
    )


def _record(
    delivery: WebhookDelivery, attempt: int, outcome: SendOutcome, request_bytes: int
) -> None:
    now = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery_id=delivery.pk,
            created_at=now,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
            request_bytes=request_bytes,
        )
        if outcome.delivered:
            _finish(
                delivery.pk,
                attempt,
                status=DeliveryStatus.DELIVERED,
                delivered_at=now,
                next_attempt_at=None,
                last_status_code=outcome.status_code,
                last_error="",
            )
        else:
            next_at = now + timedelta(seconds=retry_delay(attempt))
            deadline = delivery.event.created_at + timedelta(
                seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS
            )
            gave_up = next_at > deadline
            _finish(
                delivery.pk,
                attempt,
                status=DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING,
                next_attempt_at=None if gave_up else next_at,
                last_status_code=outcome.status_code,
                last_error=f"{outcome.error} Gave up after {attempt} attempts."
                if gave_up
                else outcome.error,
            )
    # Outside the delivery's transaction: see endpoint_record_outcome.
    endpoint_record_outcome(
        endpoint_id=delivery.endpoint_id, delivered=outcome.delivered, error=outcome.error
    )


def delivery_attempt(*, delivery_id: int) -> None:
    """Claim the delivery and POST its event once; record the outcome, schedule a retry."""
    attempt = delivery_claim(delivery_id=delivery_id)
    if attempt is None:
        return
    delivery = (
        WebhookDelivery.objects.select_related("event", "endpoint").filter(pk=delivery_id).first()
    )
    if delivery is None:
        return  # its endpoint was deleted meanwhile
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        _finish(
            delivery_id,
            attempt,
            status=DeliveryStatus.FAILED,
            next_attempt_at=None,
            last_error=f"Not sent: the endpoint is disabled ({endpoint.disabled_reason}).",
        )
        return
    request = _signed(delivery.event, endpoint.secret)
    release_connection()  # the receiver may take up to WEBHOOK_TIMEOUT_SECONDS
    outcome = webhook_send(url=endpoint.url, request=request)
    _record(delivery, attempt, outcome, len(request.body))
    logger.info(
        "webhook %s",
        "delivered" if outcome.delivered else "failed",
        extra={
            "delivery": delivery_id,
            "attempt": attempt,
            "status_code": outcome.status_code,
            "duration_ms": outcome.duration_ms,
        },
    )


def webhook_test(*, endpoint: WebhookEndpoint) -> dict[str, Any]:
    """Send a `webhook.test` event to the endpoint now, signed as any other, and say how
    it went. Recorded like any delivery, but never retried, and it leaves the endpoint's
    failure count alone (a test of a disabled endpoint is how a fix is checked)."""
    now = timezone.now()
    event = WebhookEvent(
        store_id=endpoint.store_id,
        type=EventType.WEBHOOK_TEST,
        data={"webhook_id": str(endpoint.pk), "message": "A test event from Mollkom Social."},
        created_at=now,
    )
    request = _signed(event, endpoint.secret)
    release_connection()
    outcome = webhook_send(url=endpoint.url, request=request)
    with transaction.atomic():
        event.save(force_insert=True)
        delivery = WebhookDelivery.objects.create(
            event=event,
            endpoint=endpoint,
            status=DeliveryStatus.DELIVERED if outcome.delivered else DeliveryStatus.FAILED,
            attempt_count=1,
            delivered_at=timezone.now() if outcome.delivered else None,
            last_status_code=outcome.status_code,
            last_error=outcome.error,
            created_at=now,
        )
        WebhookAttempt.objects.create(
            delivery=delivery,
            created_at=now,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
            request_bytes=len(request.body),
        )
    return {
        "delivered": outcome.delivered,
        "status_code": outcome.status_code,
        "duration_ms": outcome.duration_ms,
        "error": outcome.error or None,
    }
