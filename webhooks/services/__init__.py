"""Webhook writes. The pipeline calls `event_emit`; the API the endpoint functions."""

from webhooks.services.delivery import delivery_attempt, webhook_test
from webhooks.services.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_update,
)
from webhooks.services.events import event_emit
from webhooks.services.sweep import deliveries_due

__all__ = [
    "deliveries_due",
    "delivery_attempt",
    "event_emit",
    "webhook_endpoint_create",
    "webhook_endpoint_delete",
    "webhook_endpoint_update",
    "webhook_test",
]
