"""Support's view of webhooks: what each store receives and how every delivery went.
Never the signing secret."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import webhook_endpoint_update

ATTEMPT_FIELDS: tuple[str, ...] = (
    "created_at",
    "status_code",
    "error",
    "duration_ms",
    "request_bytes",
)


class WebhookAttemptInline(admin.TabularInline[WebhookAttempt, WebhookDelivery]):
    model = WebhookAttempt
    fields = ATTEMPT_FIELDS
    readonly_fields = ATTEMPT_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    list_display = ["url", "store", "enabled", "consecutive_failures", "created_at"]
    list_filter = ["enabled", ("store", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["url", "store__name", "store__id", "id"]
    list_select_related = ["store"]
    # The secret is excluded from every form and list: support never sees it.
    fields = [
        "id",
        "store",
        "url",
        "events",
        "enabled",
        "disabled_reason",
        "consecutive_failures",
        "created_at",
    ]
    readonly_fields = [
        "id",
        "store",
        "url",
        "disabled_reason",
        "consecutive_failures",
        "created_at",
    ]

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool
    ) -> None:
        # Through the service, so switching off fails pending deliveries and switching
        # back on resets the failure count, as over the API.
        webhook_endpoint_update(
            endpoint=obj,
            enabled=form.cleaned_data["enabled"],
            events=form.cleaned_data["events"],
            disabled_reason=f"Disabled by support ({request.user}).",
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # An endpoint is created where its secret can be shown once: the API.
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin[WebhookEvent]):
    list_display = ["id", "type", "store", "created_at"]
    list_filter = ["type", ("store", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["id", "store__name", "store__id"]
    list_select_related = ["store"]
    readonly_fields = ["id", "store", "type", "data", "created_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    list_display = [
        "event",
        "endpoint",
        "status",
        "attempt_count",
        "next_attempt_at",
        "last_status_code",
        "created_at",
    ]
    list_filter = [
        "status",
        "event__type",
        ("endpoint__store", admin.RelatedOnlyFieldListFilter),
        "created_at",
    ]
    search_fields = ["event__id", "endpoint__url", "endpoint__store__name", "endpoint__store__id"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [WebhookAttemptInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
