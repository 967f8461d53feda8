"""Input and output shapes of the publish API: they validate and shape, nothing more."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from accounts.models import Platform
from mollkom_social.api.fields import (
    NoUnknownFieldsMixin,
    StrictBooleanField,
    StrictCharField,
    StrictUUIDField,
)


class StrictSerializer(NoUnknownFieldsMixin, serializers.Serializer[Any]):
    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Must be a JSON object."]})
        self.validate_unknown(data)
        return super().to_internal_value(data)


class MediaInputSerializer(StrictSerializer):
    type = serializers.ChoiceField(choices=["image", "video"])
    url = StrictCharField(max_length=2048)

    def validate_url(self, value: str) -> str:
        scheme = value.split(":", 1)[0].lower() if ":" in value else ""
        allowed = {"https", "http"} if settings.MEDIA_ALLOW_HTTP else {"https"}
        if scheme not in allowed or "://" not in value:
            raise serializers.ValidationError(
                f"Must be an absolute {' or '.join(sorted(allowed))} URL."
            )
        return value


class ContentInputSerializer(StrictSerializer):
    text = StrictCharField(
        required=False, allow_blank=True, default="", trim_whitespace=False, max_length=10000
    )
    media = MediaInputSerializer(many=True, required=False, default=list)
    link = StrictCharField(
        required=False, allow_blank=True, allow_null=True, default="", max_length=2048
    )

    def validate_link(self, value: str | None) -> str:
        if not value:
            return ""
        if not value.lower().startswith(("https://", "http://")):
            raise serializers.ValidationError("Must be an absolute http(s) URL.")
        return value


class StrictDateTimeField(serializers.Field[datetime, str, str, Any]):
    """ISO 8601 with an explicit offset; a naive time is ambiguous across time zones."""

    def to_internal_value(self, data: Any) -> datetime:
        if not isinstance(data, str):
            raise serializers.ValidationError("Must be an ISO 8601 string.")
        try:
            parsed = parse_datetime(data)
        except ValueError:
            parsed = None
        if parsed is None:
            raise serializers.ValidationError(
                "Must be an ISO 8601 date and time, e.g. 2026-04-20T14:00:00Z."
            )
        if parsed.tzinfo is None:
            raise serializers.ValidationError(
                "Must include a UTC offset or Z, e.g. 2026-04-20T14:00:00+03:00."
            )
        return parsed

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


class PublishInputSerializer(StrictSerializer):
    store_id = StrictUUIDField()
    platforms = serializers.ListField(
        child=serializers.ChoiceField(choices=Platform.values), allow_empty=False
    )
    content = ContentInputSerializer()
    schedule_at = StrictDateTimeField(required=False, allow_null=True, default=None)
    wait = StrictBooleanField(required=False, default=True)

    def validate_platforms(self, value: list[str]) -> list[str]:
        repeated = sorted({p for p in value if value.count(p) > 1})
        if repeated:
            raise serializers.ValidationError(f"Repeated platforms: {', '.join(repeated)}.")
        return value

    def validate_schedule_at(self, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        now = timezone.now()
        if value <= now:
            raise serializers.ValidationError("Must be in the future.")
        horizon = settings.SCHEDULE_HORIZON_DAYS
        if value > now + timedelta(days=horizon):
            raise serializers.ValidationError(f"Must be within {horizon} days from now.")
        return value


class ResultSerializer(serializers.Serializer[Any]):
    platform = serializers.CharField()
    status = serializers.CharField()
    post_id = serializers.CharField(allow_null=True)
    url = serializers.CharField(allow_null=True)
    error = serializers.DictField(required=False)


class PostOutputSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    post_id = serializers.UUIDField()
    status = serializers.CharField()
    schedule_at = serializers.DateTimeField(allow_null=True)
    results = ResultSerializer(many=True)


class CancelOutputSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    message = serializers.CharField()
