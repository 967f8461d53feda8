"""Team and keys, the owner's pages: invite and remove members, create and revoke API keys."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import ApiKey, Membership
from accounts.services import api_key_create, api_key_revoke
from dashboard.access import StoreAccess, store_page
from dashboard.confirm import confirm_page, confirmed
from dashboard.models import Invitation
from dashboard.services.team import (
    TeamError,
    invitation_accept,
    invitation_cancel,
    invitation_create,
    invitation_find,
    invitation_send,
    membership_remove,
)

OWNER = Membership.Role.OWNER


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"))
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=[
            ("editor", gettext_lazy("Editor: composes, publishes and cancels")),
            ("viewer", gettext_lazy("Viewer: reads only")),
            ("owner", gettext_lazy("Owner: also manages the team and keys")),
        ],
    )


class KeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)


def _team_page(request: HttpRequest, access: StoreAccess, **extra: Any) -> HttpResponse:
    context = {
        "members": Membership.objects.filter(store=access.store).select_related("user"),
        "invitations": Invitation.objects.filter(store=access.store, accepted_at__isnull=True),
        "invite_form": extra.pop("invite_form", InviteForm()),
        **extra,
    }
    return render(request, "dashboard/team.html", context)


@store_page(OWNER)
def team(request: HttpRequest, access: StoreAccess) -> HttpResponse:
    if request.method != "POST":
        return _team_page(request, access)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _team_page(request, access, invite_form=form)
    invitation, token = invitation_create(
        store=access.store,
        email=form.cleaned_data["email"],
        role=form.cleaned_data["role"],
        invited_by=request.user,
    )
    link = request.build_absolute_uri(reverse("invitation", args=[token]))
    invitation_send(invitation=invitation, link=link)
    # Shown once as well, for an owner whose mail has not arrived.
    return _team_page(request, access, invite_link=link, invited=invitation)


@require_POST
@store_page(OWNER)
def member_remove(request: HttpRequest, access: StoreAccess, membership_id: int) -> HttpResponse:
    member = get_object_or_404(
        Membership.objects.select_related("user"), store=access.store, pk=membership_id
    )
    if not confirmed(request):
        return confirm_page(
            request,
            question=_("Remove %(name)s from the team?") % {"name": member.user.get_username()},
            consequence=_("They lose access to this store at once."),
            action=_("Yes, remove"),
            back=reverse("dashboard:team", args=[access.store.pk]),
        )
    try:
        membership_remove(store=access.store, membership_id=membership_id)
    except TeamError as exc:
        messages.error(request, str(exc))
    return redirect("dashboard:team", store_id=access.store.pk)


@require_POST
@store_page(OWNER)
def invitation_revoke(
    request: HttpRequest, access: StoreAccess, invitation_id: int
) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation, store=access.store, pk=invitation_id, accepted_at__isnull=True
    )
    if not confirmed(request):
        return confirm_page(
            request,
            question=_("Withdraw the invitation to %(email)s?") % {"email": invitation.email},
            consequence=_("Its link stops working."),
            action=_("Yes, withdraw it"),
            back=reverse("dashboard:team", args=[access.store.pk]),
        )
    invitation_cancel(store=access.store, invitation_id=invitation_id)
    return redirect("dashboard:team", store_id=access.store.pk)


@store_page(OWNER)
def keys(request: HttpRequest, access: StoreAccess) -> HttpResponse:
    form = KeyForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        _key, created = api_key_create(store=access.store, name=form.cleaned_data["name"])
        form = KeyForm()
    context = {
        "keys": ApiKey.objects.filter(store=access.store).order_by("-created_at"),
        "form": form,
        # The raw key is in this one answer and nowhere else: it is stored hashed.
        "created": created,
    }
    return render(request, "dashboard/keys.html", context)


@require_POST
@store_page(OWNER)
def key_revoke(request: HttpRequest, access: StoreAccess, key_id: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, store=access.store, pk=key_id)
    if not confirmed(request):
        return confirm_page(
            request,
            question=_("Revoke the key “%(name)s”?") % {"name": key.name},
            consequence=_("Anything that uses this key stops working at once."),
            action=_("Yes, revoke it"),
            back=reverse("dashboard:keys", args=[access.store.pk]),
        )
    api_key_revoke(api_key=key)
    messages.success(request, _("The key was revoked."))
    return redirect("dashboard:keys", store_id=access.store.pk)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: accept it logged in, or make an account and accept at once."""
    found = invitation_find(token=token)
    if found is None:
        return render(request, "dashboard/invitation.html", {"invalid": True}, status=404)
    signup: UserCreationForm[Any] | None = None
    if not request.user.is_authenticated:
        signup = UserCreationForm(request.POST or None)
    if request.method == "POST":
        if signup is not None:
            if not signup.is_valid():
                return render(
                    request, "dashboard/invitation.html", {"invitation": found, "signup": signup}
                )
            user = signup.save()
            user.email = found.email
            user.save(update_fields=["email"])
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        try:
            membership = invitation_accept(token=token, user=request.user)
        except TeamError as exc:
            return render(
                request,
                "dashboard/invitation.html",
                {"invalid": True, "error": str(exc)},
                status=409,
            )
        return redirect("dashboard:overview", store_id=membership.store_id)
    return render(request, "dashboard/invitation.html", {"invitation": found, "signup": signup})
