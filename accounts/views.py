"""The OAuth callback the platforms send the merchant's browser to, and the chooser page's
answer (not under the API: a browser, not the storefront's server, hits them)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.oauth.browser import session_browser_key
from accounts.oauth.flow import ConnectOutcome, connect_chosen, connect_finish


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
        # Nowhere safe to send the browser (an unknown state, or another browser's flow).
        page = render(request, "accounts/connect_refused.html", {"code": outcome.error}, status=400)
        return _private(page)
    return _private(_Redirect(outcome.redirect_to))


@require_GET
def connect_callback(request: HttpRequest, platform: str) -> HttpResponse:
    outcome = connect_finish(
        platform=platform,
        query=request.GET.dict(),
        browser_key=session_browser_key(request.session),
    )
    return _answer(request, outcome)


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
        browser_key=session_browser_key(request.session),
    )
    return _answer(request, outcome)
