"""Reads of webhooks, always scoped by store."""

from __future__ import annotations

from typing import Any

from accounts.models import Store
from webhooks.models import WebhookEndpoint


def webhook_endpoint_list(*, store: Store) -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(store=store).order_by("created_at", "pk"))


def webhook_endpoint_get(*, store: Store, endpoint_id: Any) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(store=store, pk=endpoint_id).first()


def webhook_endpoint_body(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """The API's shape of an endpoint. Never the secret."""
    return {
        "id": str(endpoint.pk),
        "url": endpoint.url,
        "events": list(endpoint.events),
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason or None,
        "consecutive_failures": endpoint.consecutive_failures,
        "created_at": endpoint.created_at.isoformat(),
    }
