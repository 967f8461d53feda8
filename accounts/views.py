"""The OAuth callback the platforms send the merchant's browser to (not under the API:
a browser, not the storefront's server, hits it)."""

from __future__ import annotations

import html

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET

from accounts.oauth.flow import connect_finish

_REFUSED_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Connection failed</title></head>
<body><h1>This connection link is not valid</h1>
<p>It may have been used already or changed on the way ({code}). Start connecting the
account again from your store.</p></body></html>
"""


class _Redirect(HttpResponseRedirect):
    # The store's own pages may be http on a developer's machine; origins are checked.
    allowed_schemes = ["http", "https"]


@require_GET
def connect_callback(request: HttpRequest, platform: str) -> HttpResponse:
    outcome = connect_finish(platform=platform, query=request.GET.dict())
    if outcome.redirect_to is None:
        page = _REFUSED_PAGE.format(code=html.escape(outcome.error))
        return HttpResponse(page, status=400, content_type="text/html; charset=utf-8")
    response = _Redirect(outcome.redirect_to)
    # The callback URL carries a one-time code: keep it out of the next page's Referer.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response
