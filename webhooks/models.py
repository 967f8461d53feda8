"""Signed webhooks to the storefront: endpoints, the events that happened, one delivery
per (event, endpoint), and one attempt row per HTTP call."""

from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from accounts import crypto
from accounts.models import Store


class EventType(models.TextChoices):
    POST_PUBLISHED = "post.published", "Post published"
    POST_PARTIALLY_PUBLISHED = "post.partially_published", "Post partially published"
    POST_FAILED = "post.failed", "Post failed"
    POST_CANCELLED = "post.cancelled", "Post cancelled"
    TARGET_PUBLISHED = "target.published", "Platform published"
    TARGET_FAILED = "target.failed", "Platform failed"
    TARGET_UNCONFIRMED = "target.unconfirmed", "Platform unconfirmed"
    ACCOUNT_NEEDS_RECONNECT = "account.needs_reconnect", "Account needs reconnect"
    ACCOUNT_DISCONNECTED = "account.disconnected", "Account disconnected"
    # Sent only by the "test" button/endpoint, never subscribed to.
    WEBHOOK_TEST = "webhook.test", "Test"


SUBSCRIBABLE_EVENTS: tuple[str, ...] = tuple(
    t.value for t in EventType if t is not EventType.WEBHOOK_TEST
)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookEndpoint(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.CharField(max_length=2048)
    events = models.JSONField(default=list)
    # Encrypted, not hashed: every delivery is signed with it, so it must be recoverable.
    secret_encrypted = models.TextField(editable=False)
    enabled = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = crypto.encrypt(value)


class WebhookEvent(models.Model):
    """Something that happened; its id is the event id every delivery of it carries."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="webhook_events")
    type = models.CharField(max_length=64, choices=EventType.choices)
    # DjangoJSONEncoder: the pipeline may hand over UUIDs and datetimes as they are.
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    # Not auto_now_add: a test event is sent before it is saved, with this time in its body.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["store", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class WebhookDelivery(models.Model):
    """One event to one endpoint. `pending` with a live lease means a worker is sending
    it now; with `next_attempt_at` in the future, a retry is waiting."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempt_count = models.PositiveIntegerField(default=0)
    # When a worker may send it (null: never by the sweep, e.g. a test delivery).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When its message was handed to the broker; the sweep re-sends it if that was long
    # ago and nobody claimed it (the message may be lost).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_endpoint")
        ]
        indexes = [
            # The sweep's scan: pending deliveries by due time.
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due_idx",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP call made for a delivery: how it went and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    created_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    request_bytes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} → {self.status_code or self.error[:40]}"
