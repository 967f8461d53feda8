from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from mollkom_social.api.errors import error_response
from mollkom_social.api.parsers import body_too_large

logger = logging.getLogger(__name__)

API_PREFIX = "/functions/v1/"


class ApiErrorMiddleware:
    """Under /functions/v1/, an unexpected exception is a JSON 500 in the API's error shape,
    never Django's HTML page or a stack trace."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        logger.exception("unhandled API error", extra={"path": request.path})
        return error_response("internal_error", "Something went wrong on our side.", 500)


class ApiBodyLimitMiddleware:
    """Under /functions/v1/, a body whose Content-Length is over API_MAX_BODY_BYTES is a 413
    before anything reads it, or spends a database query on the request. A body without a
    Content-Length is bounded by the parser, which never reads more than the limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            limit: int = settings.API_MAX_BODY_BYTES
            if _content_length(request) > limit:
                error = body_too_large(limit)
                return error_response(error.error_code, error.message, 413, error.details)
        return self.get_response(request)


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads no body for a length it cannot parse
