from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from mollkom_social.api.errors import error_response

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
