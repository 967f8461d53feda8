"""The language of each request: the dashboard's follows the merchant, the API's never does.

The API's messages are a contract read by the storefront's code, so they stay English even
when the caller's Accept-Language says otherwise (DRF's own messages are translatable, and
would otherwise follow it).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

ENGLISH_ONLY = ("/functions/", "/docs/", "/healthz")


class SiteLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith(ENGLISH_ONLY):
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
            return
        super().process_request(request)
