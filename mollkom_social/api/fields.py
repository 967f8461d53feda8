"""Strict JSON fields: a number where text belongs is a 400, never silently coerced."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return str(super().to_internal_value(data))


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"not_a_boolean": "Must be true or false."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("not_a_boolean")
        return data


class StrictUUIDField(serializers.UUIDField):
    default_error_messages = {"not_a_string": "Must be a UUID string."}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class NoUnknownFieldsMixin:
    """Reject keys the contract does not define, so a typo ("schedule" for
    "schedule_at") is an error instead of a post published at the wrong time."""

    initial_data: Any
    fields: Any
    # Read by the OpenAPI schema (`additionalProperties: false`).
    refuses_unknown_fields = True

    def validate_unknown(self, data: Any) -> None:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
