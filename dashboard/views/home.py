"""The way in: `/` leads to the login page or to the merchant's store."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.models import SocialAccount
from dashboard.access import StoreAccess, memberships_of, store_page
from dashboard.first_run import first_run_checklist
from publishing.models import Post


def root(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    memberships = memberships_of(request.user)
    if not memberships:
        return render(request, "dashboard/no_store.html", status=403)
    last = request.session.get("store_id")
    chosen = next((m for m in memberships if str(m.store_id) == last), memberships[0])
    return redirect("dashboard:overview", store_id=chosen.store_id)


@store_page()
def overview(request: HttpRequest, access: StoreAccess) -> HttpResponse:
    accounts = SocialAccount.objects.filter(store=access.store).exclude(
        status=SocialAccount.Status.DISCONNECTED
    )
    recent = Post.objects.filter(store=access.store).prefetch_related("targets")
    return render(
        request,
        "dashboard/overview.html",
        {
            "accounts": accounts.order_by("platform"),
            "posts": recent.order_by("-created_at")[:10],
            "checklist": first_run_checklist(access=access),
        },
    )
