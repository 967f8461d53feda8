"""Input and output shapes of the webhooks API: they validate and shape, nothing more."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from mollkom_social.api.fields import StrictBooleanField, StrictCharField, StrictUUIDField
from publishing.api.serializers import StrictSerializer
from webhooks.models import SUBSCRIBABLE_EVENTS


class EventsField(serializers.ListField):
    child = serializers.ChoiceField(choices=SUBSCRIBABLE_EVENTS)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_empty=False, **kwargs)

    def to_internal_value(self, data: Any) -> list[Any]:
        value = super().to_internal_value(data)
        repeated = sorted({e for e in value if value.count(e) > 1})
        if repeated:
            raise serializers.ValidationError(f"Repeated events: {', '.join(repeated)}.")
        return value


class WebhookCreateInputSerializer(StrictSerializer):
    store_id = StrictUUIDField(required=False)
    url = StrictCharField(max_length=2048)
    events = EventsField()


class WebhookUpdateInputSerializer(StrictSerializer):
    enabled = StrictBooleanField(required=False)
    events = EventsField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(
                {"non_field_errors": ["Send enabled, events, or both."]}
            )
        return attrs


class WebhookSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=SUBSCRIBABLE_EVENTS))
    enabled = serializers.BooleanField()
    disabled_reason = serializers.CharField(allow_null=True)
    consecutive_failures = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class WebhookCreateOutputSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    webhook = WebhookSerializer()
    secret = serializers.CharField(help_text="Shown only in this answer: keep it to verify.")


class WebhookOutputSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    webhook = WebhookSerializer()


class WebhookListOutputSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    webhooks = WebhookSerializer(many=True)


class WebhookDeleteOutputSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    message = serializers.CharField()


class WebhookTestOutputSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    delivered = serializers.BooleanField()
    status_code = serializers.IntegerField(allow_null=True)
    duration_ms = serializers.IntegerField()
    error = serializers.CharField(allow_null=True)
