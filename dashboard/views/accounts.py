"""The store's accounts: one card per platform, connect (the OAuth flow), reconnect, disconnect."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Membership, Platform, SocialAccount
from accounts.oauth.backends import ConnectError, supported_platforms
from accounts.oauth.browser import browser_key
from accounts.oauth.flow import connect_start
from accounts.services import social_account_remove
from dashboard.access import StoreAccess, store_page
from dashboard.confirm import confirm_page, confirmed
from dashboard.prerequisites import platform_prerequisites
from dashboard.templatetags.dashboard import PLATFORM_LABELS
from dashboard.wording import connect_error_sentence

OWNER = Membership.Role.OWNER


@dataclass(frozen=True)
class Card:
    platform: str
    account: SocialAccount | None
    needs: list[str]  # what the platform asks of the account, in the page's language


def _cards(access: StoreAccess) -> list[Card]:
    live = {
        a.platform: a
        for a in SocialAccount.objects.filter(store=access.store).exclude(
            status=SocialAccount.Status.DISCONNECTED
        )
    }
    supported = supported_platforms()
    return [
        Card(p, live.get(p), platform_prerequisites(p))
        for p, _label in Platform.choices
        if p in supported
    ]


def _outcome(request: HttpRequest) -> None:
    """The connect flow's outcome, which the callback put in this page's query string."""
    status, platform = request.GET.get("status"), request.GET.get("platform", "")
    name = str(PLATFORM_LABELS.get(platform, platform))
    if status == "connected":
        messages.success(request, _("%(platform)s is connected.") % {"platform": name})
    elif status == "error":
        if request.GET.get("error") == "access_denied":
            messages.info(request, _("Connecting %(platform)s was cancelled.") % {"platform": name})
        else:
            # By the flow's code: the code itself is no sentence, nor in the page's language.
            messages.error(request, connect_error_sentence(request.GET.get("error", ""), platform))


@store_page()
def accounts(request: HttpRequest, access: StoreAccess) -> HttpResponse:
    if "status" in request.GET:
        _outcome(request)
        return redirect("dashboard:accounts", store_id=access.store.pk)
    return render(request, "dashboard/accounts.html", {"cards": _cards(access)})


@require_POST
@store_page(OWNER)
def account_connect(request: HttpRequest, access: StoreAccess, platform: str) -> HttpResponse:
    """Start the same OAuth flow as the API's social-connect, back to this page; only this
    browser can finish it (accounts/oauth/browser.py)."""
    if platform not in supported_platforms():
        raise Http404("No such platform.")
    back = settings.PUBLIC_BASE_URL + reverse("dashboard:accounts", args=[access.store.pk])
    try:
        started = connect_start(
            store=access.store,
            platform=platform,
            redirect_url=back,
            user_id=request.user.pk,
            browser_key=browser_key(request.session),
        )
    except ConnectError as exc:
        messages.error(request, connect_error_sentence(exc.code, platform))
        return redirect("dashboard:accounts", store_id=access.store.pk)
    return redirect(started.auth_url)


@require_POST
@store_page(OWNER)
def account_disconnect(request: HttpRequest, access: StoreAccess, account_id: int) -> HttpResponse:
    account = SocialAccount.objects.filter(store=access.store, pk=account_id).first()
    if account is None:
        raise Http404("No such account.")
    name = str(PLATFORM_LABELS.get(account.platform, account.platform))
    if not confirmed(request):
        return confirm_page(
            request,
            question=_("Disconnect %(platform)s?") % {"platform": name},
            consequence=_(
                "Its scheduled posts are cancelled, and nothing can be published to it until "
                "it is connected again."
            ),
            action=_("Yes, disconnect"),
            back=reverse("dashboard:accounts", args=[access.store.pk]),
        )
    removal = social_account_remove(account=account)
    if removal is not None:
        messages.success(request, _("%(platform)s is disconnected.") % {"platform": name})
        if removal.cancelled_targets:
            messages.info(
                request,
                _("%(count)s scheduled post(s) on it were cancelled.")
                % {"count": removal.cancelled_targets},
            )
    return redirect("dashboard:accounts", store_id=access.store.pk)
