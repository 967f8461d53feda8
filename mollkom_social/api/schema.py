"""The OpenAPI document's shared parts: the API key scheme, the one error envelope, and the
error statuses every operation can answer.

Loaded as DRF's DEFAULT_SCHEMA_CLASS, so the authentication extension below is registered
before drf-spectacular looks for it.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "mollkom_social.api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The store's API key: `Authorization: Bearer <api key>`. A key "
            "belongs to one store; it is shown once, when it is created in the dashboard.",
        }


class ErrorSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Stable, machine-readable: branch on this.")
    message = serializers.CharField(help_text="For people; may change.")
    details = serializers.DictField(
        help_text="More about the error, by code: for `validation_error`, each field's "
        "messages (nested as the request is); `{}` when there is nothing more."
    )


class ErrorEnvelopeSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField(help_text="Always false.")
    error = ErrorSerializer()


# Per status: what it means in this API, and the codes it carries.
ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "`validation_error` (`details` names each field and its messages), "
    "`malformed_json`, or another code naming what is wrong with the request.",
    401: "`unauthenticated`: no API key, a malformed Authorization header, or a key that "
    "is unknown or revoked.",
    402: "`insufficient_credits`: the store has too few AI credits "
    "(`details.balance`, `details.required`).",
    403: "`forbidden`: `store_id` names a store other than the API key's.",
    404: "`not_found`: no such resource in the API key's store.",
    409: "The resource is not in a state that allows this; `error.code` says which and "
    "`details.platforms` (where present) gives each platform's status.",
    413: "`body_too_large`: the request body is over `API_MAX_BODY_BYTES` (1 MB; a product "
    "bulk sync, `API_MAX_BULK_BODY_BYTES`: 16 MB).",
    415: "`unsupported_media_type`: send the body as JSON with `Content-Type: application/json`.",
    422: "`idempotency_key_reused`: this Idempotency-Key was used with another body.",
    429: "`rate_limited`: too many requests for this API key; retry after "
    "`details.retry_after_seconds` (also the Retry-After header).",
    502: "The AI provider failed or answered something unusable; no credits were used.",
    503: "A dependency is unavailable; retry later.",
    504: "The AI provider did not answer in time; no credits were used.",
}

_EXAMPLE_CODES: dict[int, tuple[str, str, dict[str, Any]]] = {
    400: (
        "validation_error",
        "The request is not valid.",
        {"platforms": ["This field is required."]},
    ),
    401: ("unauthenticated", "The API key is unknown or was revoked.", {}),
    402: (
        "insufficient_credits",
        "This needs 1 AI credit(s); the store has 0.",
        {"balance": 0, "required": 1},
    ),
    403: ("forbidden", "store_id is not the API key's store.", {}),
    404: ("not_found", "Not found.", {}),
    409: (
        "not_cancellable",
        "Only a post whose every platform is still scheduled can be cancelled.",
        {"platforms": {"x": "published"}},
    ),
    413: (
        "body_too_large",
        "The request body is larger than 1048576 bytes.",
        {"max_bytes": 1048576},
    ),
    415: (
        "unsupported_media_type",
        "Send the request body as JSON with 'Content-Type: application/json'.",
        {},
    ),
    422: (
        "idempotency_key_reused",
        "This Idempotency-Key was already used with a different request body.",
        {},
    ),
    429: (
        "rate_limited",
        "Request was throttled. Expected available in 12 seconds.",
        {"retry_after_seconds": 12},
    ),
    502: ("provider_error", "The AI provider failed. No credits were used.", {}),
    503: ("provider_unavailable", "The AI provider is unavailable. No credits were used.", {}),
    504: ("provider_timeout", "The AI provider timed out. No credits were used.", {}),
}


def error_response(status: int, description: str | None = None) -> OpenApiResponse:
    """The error envelope for one status, with its meaning and an example."""
    code, message, details = _EXAMPLE_CODES.get(status, ("error", "Something went wrong.", {}))
    return OpenApiResponse(
        response=ErrorEnvelopeSerializer,
        description=description or ERROR_DESCRIPTIONS[status],
        examples=[
            OpenApiExample(
                code,
                value={
                    "success": False,
                    "error": {"code": code, "message": message, "details": details},
                },
                response_only=True,
                status_codes=[str(status)],
            )
        ],
    )


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """An operation's own error statuses, for `extend_schema(responses=…)`; those every
    operation shares are added by `ApiAutoSchema`."""
    return {status: error_response(status) for status in statuses}


BODY_METHODS = {"POST", "PUT", "PATCH"}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus what holds for every operation of this API: the
    error statuses that its plumbing (authentication, throttling, parsing) answers, and
    `additionalProperties: false` on request objects that refuse unknown keys."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        # Not get_response_serializers: @extend_schema replaces that method outright.
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        shared: list[int] = []
        if self.view.get_authenticators():
            shared += [401, 429]
        if self.method in BODY_METHODS and self.get_request_serializer() is not None:
            # The JSON parser: a malformed or oversized body, or one that is not JSON.
            shared += [400, 413, 415]
        for status in shared:
            responses.setdefault(
                str(status),
                self._get_response_for_code(
                    error_response(status), str(status), direction=direction
                ),
            )
        return dict(sorted(responses.items()))

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and getattr(serializer, "refuses_unknown_fields", False):
            schema["additionalProperties"] = False
        if type(serializer).__doc__ is None:
            # Not a docstring inherited from a base class or mixin: it says nothing of this one.
            schema.pop("description", None)
        return schema
