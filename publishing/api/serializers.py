"""Input and output shapes of the publish API: they validate and shape, nothing more."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Platform
from mollkom_social.api.fields import (
    NoUnknownFieldsMixin,
    StrictBooleanField,
    StrictCharField,
    StrictUUIDField,
)
from publishing.api.options import OptionsField
from publishing.media.addresses import media_schemes


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
        allowed = media_schemes()
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
            raise serializers.ValidationError(
                "Must be an absolute http(s) URL.", code="not_http_url"
            )
        return value


@extend_schema_field(OpenApiTypes.DATETIME)
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
    options = OptionsField(required=False, default=dict)

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
            raise serializers.ValidationError("Must be in the future.", code="in_the_past")
        horizon = settings.SCHEDULE_HORIZON_DAYS
        if value > now + timedelta(days=horizon):
            raise serializers.ValidationError(
                f"Must be within {horizon} days from now.", code="too_far_ahead"
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _check_options_platforms(attrs.get("options") or {}, attrs.get("platforms"))
        return attrs


def _check_options_platforms(options: dict[str, Any], platforms: list[str] | None) -> None:
    if platforms is None:
        return
    extra = sorted(set(options) - set(platforms))
    if extra:
        raise serializers.ValidationError(
            {"options": {p: ["Options for a platform the post is not sent to."] for p in extra}}
        )


class ResultSerializer(serializers.Serializer[Any]):
    platform = serializers.CharField()
    status = serializers.CharField()
    post_id = serializers.CharField(allow_null=True)
    url = serializers.CharField(allow_null=True)
    notices = serializers.ListField(
        child=serializers.CharField(),
        help_text="What was changed so the platform takes the post, in plain words (e.g. an "
        "image converted to JPEG); always present, empty when nothing was changed.",
    )
    error = serializers.DictField(required=False)


class PostSerializer(serializers.Serializer[Any]):
    post_id = serializers.UUIDField()
    status = serializers.CharField()
    schedule_at = serializers.DateTimeField(allow_null=True)
    results = ResultSerializer(many=True)


class PostOutputSerializer(PostSerializer):
    success = serializers.BooleanField()


class CancelOutputSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    message = serializers.CharField()


class PostUpdateInputSerializer(StrictSerializer):
    """Every field optional; what is sent replaces what the post had."""

    store_id = StrictUUIDField(required=False)
    platforms = serializers.ListField(
        child=serializers.ChoiceField(choices=Platform.values), allow_empty=False, required=False
    )
    content = ContentInputSerializer(required=False)
    schedule_at = StrictDateTimeField(required=False, allow_null=True)
    options = OptionsField(required=False)

    validate_platforms = PublishInputSerializer.validate_platforms
    validate_schedule_at = PublishInputSerializer.validate_schedule_at

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not set(attrs) - {"store_id"}:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        "Send at least one of content, platforms, schedule_at, options."
                    ]
                }
            )
        if "options" in attrs:
            _check_options_platforms(attrs["options"], attrs.get("platforms"))
        return attrs


class RetryInputSerializer(StrictSerializer):
    store_id = StrictUUIDField(required=False)
    platforms = serializers.ListField(
        child=serializers.ChoiceField(choices=Platform.values), allow_empty=False, required=False
    )


class QueryDateTimeField(StrictDateTimeField):
    """In a query string an unencoded "+03:00" arrives as " 03:00": read it as meant."""

    def to_internal_value(self, data: Any) -> datetime:
        return super().to_internal_value(data.replace(" ", "+") if isinstance(data, str) else data)


class PostListQuerySerializer(StrictSerializer):
    """Query parameters of the post list; unknown ones are refused like unknown fields."""

    store_id = serializers.UUIDField(required=False)
    status = serializers.CharField(required=False)
    platform = serializers.ChoiceField(choices=Platform.values, required=False)
    scheduled_from = QueryDateTimeField(required=False)
    scheduled_to = QueryDateTimeField(required=False)
    published_from = QueryDateTimeField(required=False)
    published_to = QueryDateTimeField(required=False)
    q = serializers.CharField(required=False, max_length=200)
    cursor = serializers.CharField(required=False, max_length=500)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)

    def validate_status(self, value: str) -> list[str]:
        from publishing.models import PostStatus

        statuses = [s.strip() for s in value.split(",") if s.strip()]
        unknown = sorted(set(statuses) - set(PostStatus.values))
        if unknown or not statuses:
            raise serializers.ValidationError(
                f"Unknown status {', '.join(unknown) or value!r}; "
                f"use one or more of {', '.join(PostStatus.values)}."
            )
        return statuses

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name in ("scheduled", "published"):
            start, end = attrs.get(f"{name}_from"), attrs.get(f"{name}_to")
            if start and end and start >= end:
                raise serializers.ValidationError({f"{name}_to": [f"Must be after {name}_from."]})
        return attrs


class PostListOutputSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    posts = PostSerializer(many=True)  # the list's items carry no "success" of their own
    next_cursor = serializers.CharField(allow_null=True)


class UnpublishResultSerializer(serializers.Serializer[Any]):
    platform = serializers.CharField()
    status = serializers.ChoiceField(choices=["deleted", "not_supported", "failed"])
    error = serializers.DictField(required=False)


class UnpublishOutputSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    post_id = serializers.UUIDField()
    status = serializers.CharField()
    results = UnpublishResultSerializer(many=True)
