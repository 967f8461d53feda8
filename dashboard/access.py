"""Which stores a merchant may see, and what their role lets them do there.

Every dashboard page names its store in the URL and resolves it through the merchant's own
memberships: a store they do not belong to is a 404, never a 403, so its existence is not
revealed either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate, ParamSpec
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from accounts.models import Membership, Store

P = ParamSpec("P")
RANKS = {Membership.Role.VIEWER: 0, Membership.Role.EDITOR: 1, Membership.Role.OWNER: 2}


@dataclass(frozen=True)
class StoreAccess:
    store: Store
    role: str

    def allows(self, role: str) -> bool:
        return RANKS[Membership.Role(self.role)] >= RANKS[Membership.Role(role)]

    @property
    def can_edit(self) -> bool:
        """Compose, publish, retry and cancel."""
        return self.allows(Membership.Role.EDITOR)

    @property
    def is_owner(self) -> bool:
        return self.allows(Membership.Role.OWNER)


def memberships_of(user: Any) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user).select_related("store").order_by("store__name")
    )


def store_access(*, user: Any, store_id: Any) -> StoreAccess:
    membership = (
        Membership.objects.filter(user=user, store_id=store_id).select_related("store").first()
    )
    if membership is None:
        raise Http404("No such store.")
    return StoreAccess(store=membership.store, role=membership.role)


def store_page(
    role: str = Membership.Role.VIEWER,
) -> Callable[
    [Callable[Concatenate[HttpRequest, StoreAccess, P], HttpResponse]],
    Callable[..., HttpResponse],
]:
    """A page of one store: logged in, a member, at least ``role``; times in its timezone."""

    def decorate(
        view: Callable[Concatenate[HttpRequest, StoreAccess, P], HttpResponse],
    ) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(
            request: HttpRequest, store_id: Any, *args: P.args, **kwargs: P.kwargs
        ) -> HttpResponse:
            access = store_access(user=request.user, store_id=store_id)
            if not access.allows(role):
                raise PermissionDenied
            request.session["store_id"] = str(access.store.pk)
            request.store_access = access  # type: ignore[attr-defined]
            with timezone.override(ZoneInfo(access.store.timezone)):
                return view(request, access, *args, **kwargs)

        return wrapper

    return decorate
