"""Recording what happened, as an outbox: the event and its deliveries are written in the
caller's transaction, and nothing is sent before it commits."""

from __future__ import annotations

from functools import partial
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from accounts.models import Store
from webhooks.models import SUBSCRIBABLE_EVENTS, WebhookDelivery, WebhookEndpoint, WebhookEvent


def endpoints_wanting(*, store: Store | UUID | str, type: str) -> list[Any]:
    """The store's enabled endpoints subscribed to ``type`` (one query).

    Callers whose event data costs queries to build ask this first."""
    if type not in SUBSCRIBABLE_EVENTS:
        raise ValueError(f"unknown webhook event type {type!r}")
    store_id = store.pk if isinstance(store, Store) else store
    # Filtered here rather than with a JSON `contains` lookup, which SQLite (the embedded
    # default) lacks; a store has a handful of endpoints at most.
    return [
        pk
        for pk, events in WebhookEndpoint.objects.filter(
            store_id=store_id, enabled=True
        ).values_list("pk", "events")
        if type in events
    ]


def event_emit(
    *, store: Store | UUID | str, type: str, data: dict[str, Any]
) -> WebhookEvent | None:
    """Record an event for the store's webhooks; None when no endpoint wants it.

    Call it inside the transaction that made the change: the event and one delivery per
    enabled endpoint subscribed to ``type`` commit or roll back with it, and each delivery
    is handed to a worker only after commit. With no interested endpoint it costs one
    query and writes nothing. ``store`` is a Store or its id; ``data`` must be JSON, with
    UUIDs and datetimes allowed.
    """
    from webhooks.tasks import deliver_webhook_task  # tasks import services

    store_id = store.pk if isinstance(store, Store) else store
    endpoint_ids = endpoints_wanting(store=store_id, type=type)
    if not endpoint_ids:
        return None
    now = timezone.now()
    with transaction.atomic():
        event = WebhookEvent.objects.create(store_id=store_id, type=type, data=data, created_at=now)
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                event=event, endpoint_id=pk, next_attempt_at=now, enqueued_at=now, created_at=now
            )
            for pk in endpoint_ids
        )
        for delivery in deliveries:
            # robust: a broker that is down must not fail the caller's commit; the sweep
            # re-sends deliveries whose message never arrived.
            transaction.on_commit(partial(deliver_webhook_task.delay, delivery.pk), robust=True)
    return event
