"""Writes to the store's product catalog (synced by the storefront)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db import transaction

from accounts.models import Store
from content_ai.models import Product

PRODUCT_FIELDS = (
    "title",
    "description",
    "price",
    "sale_price",
    "currency",
    "url",
    "image_urls",
    "category",
    "tags",
    "in_stock",
    "language",
)


def _defaults(data: dict[str, Any]) -> dict[str, Any]:
    # A PUT replaces the record: a field left out goes back to its default, so a sale
    # price the storefront dropped can never linger and be written into a post.
    blank: dict[str, Any] = {
        "description": "",
        "price": None,
        "sale_price": None,
        "currency": "",
        "url": "",
        "image_urls": [],
        "category": "",
        "tags": [],
        "in_stock": True,
        "language": "",
    }
    return {name: data.get(name, blank.get(name)) for name in PRODUCT_FIELDS}


def product_upsert(*, store: Store, product_id: UUID, data: dict[str, Any]) -> tuple[Product, bool]:
    """Create or replace one product; returns it and whether it was created."""
    return Product.objects.update_or_create(
        store=store, product_id=product_id, defaults=_defaults(data)
    )


@transaction.atomic
def products_bulk_upsert(
    *, store: Store, items: list[dict[str, Any]]
) -> list[tuple[Product, bool]]:
    """All or nothing: the items were validated together, and are written together."""
    return [product_upsert(store=store, product_id=item["product_id"], data=item) for item in items]


def product_delete(*, store: Store, product_id: UUID) -> bool:
    deleted, _ = Product.objects.filter(store=store, product_id=product_id).delete()
    return deleted > 0
