"""The API's one error shape: {"success": false, "error": {"code", "message", "details"}}.

Every error under /functions/v1/ goes through here: DRF's exceptions via
`api_exception_handler`, our own via `ApiError`, and anything else via the middleware.
"""

from __future__ import annotations

import math
from typing import Any

from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

# Defined apart so the parser can raise it: importing rest_framework.views loads the
# parser classes from settings, which would import this module half-initialized.
from mollkom_social.api.exceptions import ApiError as ApiError


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {
        "success": False,
        "error": {"code": code, "message": message, "details": details if details else {}},
    }


def error_response(code: str, message: str, http_status: int, details: Any = None) -> JsonResponse:
    return JsonResponse(error_body(code, message, details), status=http_status)


_DRF_CODES: dict[type[exceptions.APIException], tuple[str, str]] = {
    exceptions.ParseError: ("malformed_json", "The request body is not valid JSON."),
    exceptions.UnsupportedMediaType: (
        "unsupported_media_type",
        "Send the request body as JSON with 'Content-Type: application/json'.",
    ),
    exceptions.NotAuthenticated: ("unauthenticated", ""),
    exceptions.AuthenticationFailed: ("unauthenticated", ""),
    exceptions.PermissionDenied: ("forbidden", ""),
    exceptions.NotFound: ("not_found", "Not found."),
    exceptions.MethodNotAllowed: ("method_not_allowed", ""),
    exceptions.NotAcceptable: ("not_acceptable", ""),
    exceptions.Throttled: ("rate_limited", ""),
    exceptions.ValidationError: ("validation_error", "The request is not valid."),
}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: the middleware answers 500 in our shape
    if isinstance(exc, ApiError):
        response.data = error_body(exc.error_code, exc.message, exc.details)
        return response
    code, message = "error", ""
    for exc_type, (known_code, known_message) in _DRF_CODES.items():
        if isinstance(exc, exc_type):
            code, message = known_code, known_message
            break
    details: Any = {}
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail
    elif not message:
        message = str(exc.detail) if isinstance(exc, exceptions.APIException) else str(exc)
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        # Rounded as DRF rounds the Retry-After header, so the two always agree.
        details = {"retry_after_seconds": math.ceil(wait)}
    response.data = error_body(code, message, details)
    return response
