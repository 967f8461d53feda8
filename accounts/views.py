"""The OAuth callback the platforms send the merchant's browser to, and the chooser page's
answer (not under the API: a browser, not the storefront's server, hits them)."""

from __future__ import annotations

import html

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.oauth.flow import ConnectOutcome, connect_chosen, connect_finish

_REFUSED_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Connection failed</title></head>
<body><h1>This connection link is not valid</h1>
<p>It may have been used already or changed on the way ({code}). Start connecting the
account again from your store.</p></body></html>
"""


class _Redirect(HttpResponseRedirect):
    # The store's own pages may be http on a developer's machine; origins are checked.
    allowed_schemes = ["http", "https"]


def _private(response: HttpResponse) -> HttpResponse:
    # These URLs carry one-time codes or secrets: keep them out of Referer and caches.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


def _answer(request: HttpRequest, outcome: ConnectOutcome) -> HttpResponse:
    if outcome.chooser is not None:
        chooser = outcome.chooser
        context = {
            "platform": chooser.platform,
            "secret": chooser.secret,
            "identities": chooser.identities,
            "action": reverse("connect-choose", args=[chooser.platform]),
        }
        return _private(render(request, "accounts/connect_choose.html", context))
    if outcome.redirect_to is None:
        page = _REFUSED_PAGE.format(code=html.escape(outcome.error))
        return HttpResponse(page, status=400, content_type="text/html; charset=utf-8")
    return _private(_Redirect(outcome.redirect_to))


@require_GET
def connect_callback(request: HttpRequest, platform: str) -> HttpResponse:
    return _answer(request, connect_finish(platform=platform, query=request.GET.dict()))


# No CSRF cookie: the form's one-time secret, known only to the page we served, is what
# proves the answer comes from the browser that finished the authorization.
@csrf_exempt
@require_POST
def connect_choose(request: HttpRequest, platform: str) -> HttpResponse:
    outcome = connect_chosen(
        platform=platform,
        secret=request.POST.get("choice", ""),
        account_id=request.POST.get("account", ""),
        cancel=request.POST.get("decision") == "cancel",
    )
    return _answer(request, outcome)
