"""A new store's first steps, as the overview lists them until the required ones are done:
connect accounts, bring in products, publish or schedule a first post, and (optional) invite
the team. Each step says whether it is done and where to do it, when this merchant's role
lets them."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from accounts.models import Membership, SocialAccount
from accounts.oauth.backends import supported_platforms
from content_ai.models import Product
from dashboard.access import StoreAccess
from dashboard.models import Invitation
from publishing.models import Post, PostStatus

# A post counts once it is on its way or out: failed and cancelled attempts do not.
STARTED = (
    PostStatus.SCHEDULED,
    PostStatus.PROCESSING,
    PostStatus.PUBLISHED,
    PostStatus.PARTIALLY_PUBLISHED,
    PostStatus.UNCONFIRMED,
    PostStatus.DELETED,  # published, then taken down
)


@dataclass(frozen=True)
class Step:
    key: str  # "accounts", "products", "first_post", "team"
    done: bool
    required: bool
    url: str  # empty when this merchant's role cannot do it


@dataclass(frozen=True)
class Checklist:
    connected: int
    platforms: int
    steps: list[Step]

    @property
    def complete(self) -> bool:
        return all(step.done for step in self.steps if step.required)

    @property
    def required_done(self) -> int:
        return sum(1 for step in self.steps if step.required and step.done)

    @property
    def required_total(self) -> int:
        return sum(1 for step in self.steps if step.required)


def _url(name: str, access: StoreAccess) -> str:
    return reverse(f"dashboard:{name}", args=[access.store.pk])


def first_run_checklist(*, access: StoreAccess) -> Checklist:
    store = access.store
    connected = SocialAccount.objects.filter(
        store=store, status=SocialAccount.Status.CONNECTED
    ).count()
    # Products come from the storefront, which sends them with an API key: the owner's page.
    has_products = Product.objects.filter(store=store).exists()
    posted = Post.objects.filter(store=store, status__in=STARTED).exists()
    team = (
        Membership.objects.filter(store=store).count() > 1
        or Invitation.objects.filter(store=store, accepted_at__isnull=True).exists()
    )
    owner, editor = access.is_owner, access.can_edit
    return Checklist(
        connected=connected,
        platforms=len(supported_platforms()),
        steps=[
            Step("accounts", connected > 0, True, _url("accounts", access)),
            Step("products", has_products, True, _url("keys", access) if owner else ""),
            Step("first_post", posted, True, _url("compose", access) if editor else ""),
            Step("team", team, False, _url("team", access) if owner else ""),
        ],
    )
