from __future__ import annotations

import uuid
from decimal import Decimal

import factory

from content_ai.models import Product


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    class Meta:
        model = Product

    product_id = factory.LazyFunction(uuid.uuid4)
    title = "فستان صيفي مطرز"
    description = "فستان قطني خفيف بتطريز يدوي، مناسب للصيف."
    price = Decimal("349.00")
    sale_price = Decimal("279.00")
    currency = "SAR"
    url = "https://shop.mollkom.com/product/summer-dress"
    category = "فساتين"
    tags = factory.LazyFunction(lambda: ["فساتين صيفية", "تطريز"])
    in_stock = True
    language = "ar"
