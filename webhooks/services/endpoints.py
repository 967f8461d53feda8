"""Creating, changing and removing a store's webhook endpoints."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Store
from mollkom_social.api.errors import ApiError
from webhooks.http import WebhookUrlError, webhook_url_check
from webhooks.models import (
    SUBSCRIBABLE_EVENTS,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from webhooks.signing import secret_generate

# Every event fans out to every endpoint: a bound keeps one store from multiplying work.
MAX_ENDPOINTS_PER_STORE = 10


def _events_clean(events: Iterable[str]) -> list[str]:
    cleaned = list(dict.fromkeys(events))
    unknown = [e for e in cleaned if e not in SUBSCRIBABLE_EVENTS]
    if not cleaned or unknown:
        raise ValueError(f"events must be a non-empty list of {SUBSCRIBABLE_EVENTS}")
    return cleaned


def webhook_endpoint_create(
    *, store: Store, url: str, events: Iterable[str]
) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint; also returns its signing secret, which is shown only this once.

    Raises ApiError(400) for a URL the SSRF guard refuses or past the per-store limit.
    """
    try:
        webhook_url_check(url)
    except WebhookUrlError as exc:
        raise ApiError("invalid_url", str(exc), details={"url": [str(exc)]}) from exc
    if WebhookEndpoint.objects.filter(store=store).count() >= MAX_ENDPOINTS_PER_STORE:
        raise ApiError(
            "too_many_webhooks",
            f"A store can have at most {MAX_ENDPOINTS_PER_STORE} webhooks.",
        )
    raw_secret = secret_generate()
    endpoint = WebhookEndpoint(store=store, url=url, events=_events_clean(events))
    endpoint.secret = raw_secret
    endpoint.save()
    return endpoint, raw_secret


def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    enabled: bool | None = None,
    events: Iterable[str] | None = None,
    disabled_reason: str = "Disabled by the store.",
) -> WebhookEndpoint:
    """Change what an endpoint receives, or switch it off and on.

    Re-enabling starts the failure count afresh; disabling fails its pending deliveries,
    as an automatic disable does.
    """
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if events is not None:
            locked.events = _events_clean(events)
        if enabled and not locked.enabled:
            locked.enabled = True
            locked.consecutive_failures = 0
            locked.disabled_reason = ""
        locked.save(update_fields=["events", "enabled", "consecutive_failures", "disabled_reason"])
        if enabled is False and locked.enabled:
            endpoint_disable(endpoint_id=locked.pk, reason=disabled_reason)
            locked.refresh_from_db()
    return locked


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    with transaction.atomic():
        # The endpoint row first, then its deliveries (by the cascade), in the same order
        # as endpoint_disable, so the two never deadlock.
        WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
        endpoint.delete()


def endpoint_disable(*, endpoint_id: UUID, reason: str) -> bool:
    """Switch the endpoint off and fail its pending deliveries; False if it already was.

    Locks the endpoint row before its deliveries: everything that holds both takes them
    in this order.
    """
    with transaction.atomic():
        disabled = WebhookEndpoint.objects.filter(pk=endpoint_id, enabled=True).update(
            enabled=False, disabled_reason=reason[:500]
        )
        if disabled:
            WebhookDelivery.objects.filter(
                endpoint_id=endpoint_id, status=DeliveryStatus.PENDING
            ).update(
                status=DeliveryStatus.FAILED,
                next_attempt_at=None,
                enqueued_at=None,
                lease_expires_at=None,
                last_error=f"Not sent: the endpoint was disabled ({reason})"[:1000],
            )
    return bool(disabled)


def endpoint_record_outcome(*, endpoint_id: UUID, delivered: bool, error: str) -> None:
    """Count consecutive failures; disable the endpoint when they reach the limit.

    Runs after the delivery's own transaction committed, so no one holds a delivery row
    while waiting for the endpoint's (see endpoint_disable).
    """
    if delivered:
        WebhookEndpoint.objects.filter(pk=endpoint_id, consecutive_failures__gt=0).update(
            consecutive_failures=0
        )
        return
    WebhookEndpoint.objects.filter(pk=endpoint_id).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    row = WebhookEndpoint.objects.filter(pk=endpoint_id).values("consecutive_failures").first()
    limit = settings.WEBHOOK_DISABLE_AFTER_FAILURES
    if row is not None and row["consecutive_failures"] >= limit:
        endpoint_disable(
            endpoint_id=endpoint_id,
            reason=(
                f"Disabled after {row['consecutive_failures']} failed deliveries in a row "
                f"on {timezone.now():%Y-%m-%d %H:%M} UTC (last: {error})"
            ),
        )
