from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from mollkom_social.api.errors import error_response
from mollkom_social.api.parsers import body_limit, body_too_large

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
    """Under /functions/v1/, a body whose Content-Length is over its view's limit is a 413
    before the view authenticates or reads anything. A body without a Content-Length is
    bounded by the parser, which never reads more than the limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], *args: Any
    ) -> HttpResponse | None:
        # After URL resolution, so the view's own limit applies (product bulk sync takes
        # more); still before any view code runs or the body is read.
        if not request.path.startswith(API_PREFIX):
            return None
        limit = body_limit(getattr(view_func, "view_class", None))
        if _content_length(request) <= limit:
            return None
        error = body_too_large(limit)
        return error_response(error.error_code, error.message, 413, error.details)


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads no body for a length it cannot parse
