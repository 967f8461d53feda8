"""What the composer's previews read from the store: whose post it is on each platform (the
connected account's handle) and the title of the product a post links to (its link card)."""

from __future__ import annotations

from accounts.models import SocialAccount, Store
from content_ai.models import Product


def preview_handles(*, store: Store) -> dict[str, str]:
    """Each platform's live account's handle (a Facebook Page's name)."""
    live = SocialAccount.objects.filter(store=store).exclude(
        status=SocialAccount.Status.DISCONNECTED
    )
    return dict(live.values_list("platform", "handle"))


def linked_product_title(*, store: Store, link: str) -> str:
    """The title of the store's product at ``link``, with or without a trailing slash; empty
    when the link is not one of the store's products."""
    link = link.strip()
    if not link:
        return ""
    bare = link.rstrip("/")
    product = (
        Product.objects.filter(store=store, url__in=[bare, f"{bare}/"])
        .order_by("-updated_at")
        .values_list("title", flat=True)
        .first()
    )
    return product or ""
