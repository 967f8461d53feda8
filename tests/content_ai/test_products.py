from __future__ import annotations

import uuid
from typing import Any

from rest_framework.test import APIClient

from accounts.models import Store
from content_ai.models import Product
from tests.content_ai.factories import ProductFactory
from tests.factories import StoreFactory

BASE = "/functions/v1/products"


def _product(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "عباية سوداء كلاسيكية",
        "description": "قماش كريب ناعم.",
        "price": "450.00",
        "sale_price": "399.50",
        "currency": "SAR",
        "url": "https://shop.mollkom.com/p/abaya",
        "image_urls": ["https://cdn.mollkom.com/abaya.jpg"],
        "category": "عبايات",
        "tags": ["عباية", "كلاسيك"],
        "in_stock": True,
        "language": "ar",
    }
    body.update(overrides)
    return body


def test_put_creates_then_replaces_a_product(api: APIClient, store: Store) -> None:
    product_id = str(uuid.uuid4())
    created = api.put(f"{BASE}/{product_id}", _product(store_id=str(store.pk)), format="json")
    assert created.status_code == 201, created.json()
    product = created.json()["product"]
    assert {k: product[k] for k in ("product_id", "price", "sale_price", "currency")} == {
        "product_id": product_id, "price": "450.00", "sale_price": "399.50", "currency": "SAR",
    }  # fmt: skip

    # A PUT replaces: the sale price it leaves out is gone, not kept from before.
    updated = api.put(f"{BASE}/{product_id}", {"title": "عباية", "in_stock": False}, format="json")
    assert updated.status_code == 200
    body = updated.json()["product"]
    assert (body["title"], body["price"], body["sale_price"], body["in_stock"]) == (
        "عباية", None, None, False,
    )  # fmt: skip
    assert api.get(f"{BASE}/{product_id}").json()["product"]["title"] == "عباية"
    assert Product.objects.filter(store=store).count() == 1


def test_another_stores_product_is_a_404_and_its_id_cannot_be_overwritten(
    api: APIClient, store: Store
) -> None:
    theirs = ProductFactory.create(store=StoreFactory.create(), title="Theirs")
    path = f"{BASE}/{theirs.product_id}"
    assert api.get(path).status_code == 404
    assert api.delete(path).json()["error"]["code"] == "not_found"
    generate = api.post(
        "/functions/v1/social-generate-content",
        {"product_id": str(theirs.product_id), "platform": "x", "tone": "casual", "language": "ar"},
        format="json",
    )
    assert generate.status_code == 404
    # The same storefront id under this store is this store's own record.
    assert api.put(path, _product(), format="json").status_code == 201
    theirs.refresh_from_db()
    assert theirs.title == "Theirs"


def test_delete_removes_one(api: APIClient, store: Store) -> None:
    product = ProductFactory.create(store=store)
    response = api.delete(f"{BASE}/{product.product_id}")
    assert response.json() == {"success": True, "message": "Product deleted"}
    assert api.delete(f"{BASE}/{product.product_id}").status_code == 404
    assert api.get(f"{BASE}/not-a-uuid").status_code == 404


def test_invalid_fields_are_400_with_every_problem(api: APIClient) -> None:
    response = api.put(
        f"{BASE}/{uuid.uuid4()}",
        _product(price=450, currency="XYZ", url="ftp://x", in_stock="yes"),
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"price", "currency", "url", "in_stock"}
    unknown = api.put(f"{BASE}/{uuid.uuid4()}", _product(color="red"), format="json")
    assert unknown.json()["error"]["details"] == {"color": ["Unknown field."]}
    no_title = api.put(f"{BASE}/{uuid.uuid4()}", {"description": "x"}, format="json")
    assert no_title.json()["error"]["details"] == {"title": ["This field is required."]}
    fake_sale = api.put(f"{BASE}/{uuid.uuid4()}", _product(sale_price="500.00"), format="json")
    assert "sale_price" in fake_sale.json()["error"]["details"]


def test_store_id_of_another_store_is_403(api: APIClient) -> None:
    other = StoreFactory.create()
    response = api.put(f"{BASE}/{uuid.uuid4()}", _product(store_id=str(other.pk)), format="json")
    assert response.status_code == 403
    assert not Product.objects.exists()


def test_bulk_upserts_many(api: APIClient, store: Store) -> None:
    existing = ProductFactory.create(store=store)
    new_id = str(uuid.uuid4())
    response = api.post(
        f"{BASE}/bulk",
        {
            "products": [
                {**_product(title="Updated"), "product_id": str(existing.product_id)},
                {**_product(), "product_id": new_id},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["updated"]) == (1, 1)
    assert [p["product_id"] for p in body["products"]] == [str(existing.product_id), new_id]
    existing.refresh_from_db()
    assert existing.title == "Updated"


def test_bulk_with_one_invalid_item_writes_nothing(api: APIClient, store: Store) -> None:
    response = api.post(
        f"{BASE}/bulk",
        {
            "products": [
                {**_product(), "product_id": str(uuid.uuid4())},
                {**_product(price="abc"), "product_id": str(uuid.uuid4())},
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"]["products"][1] == {
        "price": ['Must be a decimal string with up to 3 decimals, e.g. "129.00".']
    }
    assert not Product.objects.exists()
