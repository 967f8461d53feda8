"""Without ANTHROPIC_API_KEY the offline template writer answers, in the documented shape."""

from __future__ import annotations

import re
from typing import Any

from rest_framework.test import APIClient

from accounts.models import Store
from content_ai.models import Product
from content_ai.services.credits import credit_balance
from tests.content_ai.factories import ProductFactory

URL = "/functions/v1/social-generate-content"
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$")


def _generate(api: APIClient, product: Product, **fields: Any) -> Any:
    body = {"product_id": str(product.product_id), "platform": "instagram", "tone": "casual"}
    body.update(fields)
    return api.post(URL, body, format="json")


def test_arabic_post_in_the_documented_shape(
    api: APIClient, store: Store, product: Product
) -> None:
    response = _generate(api, product, language="ar", dialect="gulf")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"success", "content", "ai_credits_used", "provider"}
    assert set(body["content"]) == {"text", "hashtags", "suggested_time", "suggested_time_reason"}
    assert (body["success"], body["ai_credits_used"], body["provider"]) == (True, 1, "offline")
    content = body["content"]
    lines = content["text"].split("\n")
    assert lines[:2] == ["✨ فستان صيفي مطرز", "فستان قطني خفيف بتطريز يدوي، مناسب للصيف."]
    assert "بدلًا من 349.00 SAR، الآن 279.00 SAR" in content["text"]
    assert "اطلبه الحين من متجرنا · الرابط في البايو" in content["text"]  # Gulf, no link
    assert "https://" not in content["text"]  # Instagram captions have no clickable links
    assert content["hashtags"][:2] == ["#فساتين_صيفية", "#تطريز"]
    assert ISO_UTC.match(content["suggested_time"])
    assert "Instagram" in content["suggested_time_reason"]
    assert credit_balance(store=store) == 99
    # Deterministic: the same request writes the same post.
    assert (
        _generate(api, product, language="ar", dialect="gulf").json()["content"]["text"]
        == (content["text"])
    )


def test_english_post_with_link_on_x_and_variants(api: APIClient, store: Store) -> None:
    product = ProductFactory.create(
        store=store, title="Linen shirt", description="Breathable linen. Made in Portugal.",
        price=None, sale_price=None, currency="", category="Shirts", tags=["linen"],
        url="https://shop.example/p/1", language="en",
    )  # fmt: skip
    response = _generate(api, product, platform="x", language="en", tone="playful", variants=2)

    body = response.json()
    assert response.status_code == 200, body
    assert body["ai_credits_used"] == 2
    assert [v["text"] for v in body["variants"]] == [
        "🎉 Linen shirt is here!\nBreathable linen.\nOrder now from our store"
        "\n\nhttps://shop.example/p/1\n#linen #Shirts",
        "Guess what's here? Linen shirt 😍\nBreathable linen.\nOrder now from our store"
        "\n\nhttps://shop.example/p/1\n#linen #Shirts",
    ]
    assert body["content"]["text"] == body["variants"][0]["text"]
    assert body["content"]["suggested_time_reason"].startswith(("Your store", "2", "1", "0"))


def test_out_of_stock_never_urges_to_buy(api: APIClient, store: Store) -> None:
    product = ProductFactory.create(store=store, in_stock=False)
    text = _generate(api, product, language="ar").json()["content"]["text"]
    assert "نفد حاليًا" in text
    assert "اطلبه" not in text


def test_tone_language_dialect_and_variants_are_validated(api: APIClient, product: Product) -> None:
    response = _generate(api, product, tone="angry", language="fr", variants=6)
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"tone", "language", "variants"}
    english_dialect = _generate(api, product, language="en", dialect="gulf")
    assert english_dialect.json()["error"]["details"] == {"dialect": ["Only for language 'ar'."]}
    assert _generate(api, product, language="ar", variants="2").status_code == 400
    missing = api.post(URL, {"product_id": str(product.product_id)}, format="json")
    assert set(missing.json()["error"]["details"]) == {"platform", "tone", "language"}
