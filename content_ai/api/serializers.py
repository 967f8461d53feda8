"""Input and output shapes of the catalog and generate APIs: they validate and shape only."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Platform
from content_ai.currencies import ISO_4217
from content_ai.models import Product
from content_ai.providers.base import DIALECTS, LANGUAGES, TONES
from content_ai.text import money
from mollkom_social.api.fields import StrictBooleanField, StrictCharField, StrictUUIDField
from publishing.api.serializers import StrictSerializer

_MONEY_RE = re.compile(r"^\d{1,11}(\.\d{1,3})?$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
MAX_BULK = 500


@extend_schema_field(OpenApiTypes.STR)
class DecimalStringField(serializers.Field[Decimal, str, str, Any]):
    """Money as a decimal string ("129.00"); a JSON number is refused, since a float can
    already have lost the cents."""

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str) or not _MONEY_RE.match(data):
            raise serializers.ValidationError(
                'Must be a decimal string with up to 3 decimals, e.g. "129.00".'
            )
        try:
            return Decimal(data)
        except InvalidOperation:  # pragma: no cover - the regex already guarantees it
            raise serializers.ValidationError("Must be a decimal string.") from None

    def to_representation(self, value: Decimal) -> str:
        return money(value)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise serializers.ValidationError("Must be an integer.")
        return int(super().to_internal_value(data))


def _http_url(value: str) -> None:
    if value and not value.lower().startswith(("https://", "http://")):
        raise serializers.ValidationError("Must be an absolute http(s) URL.")


class ProductInputSerializer(StrictSerializer):
    store_id = StrictUUIDField(required=False)
    title = StrictCharField(max_length=500)
    description = StrictCharField(required=False, allow_blank=True, max_length=20000)
    price = DecimalStringField(required=False, allow_null=True)
    sale_price = DecimalStringField(required=False, allow_null=True)
    currency = StrictCharField(required=False, allow_blank=True, max_length=3)
    url = StrictCharField(required=False, allow_blank=True, max_length=2048)
    image_urls = serializers.ListField(
        child=StrictCharField(max_length=2048, validators=[_http_url]),
        required=False,
        max_length=20,
    )
    category = StrictCharField(required=False, allow_blank=True, max_length=200)
    tags = serializers.ListField(
        child=StrictCharField(max_length=100), required=False, max_length=50
    )
    in_stock = StrictBooleanField(required=False, default=True)
    language = StrictCharField(required=False, allow_blank=True, max_length=16)

    def validate_url(self, value: str) -> str:
        _http_url(value)
        return value

    def validate_currency(self, value: str) -> str:
        if value and value not in ISO_4217:
            raise serializers.ValidationError("Must be an ISO 4217 code, e.g. SAR, AED, USD.")
        return value

    def validate_language(self, value: str) -> str:
        if value and not _LANGUAGE_RE.match(value):
            raise serializers.ValidationError("Must be a language code, e.g. ar or en.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        price, sale = attrs.get("price"), attrs.get("sale_price")
        if (price is not None or sale is not None) and not attrs.get("currency"):
            raise serializers.ValidationError({"currency": ["Required with a price."]})
        # A sale price that is not below the price would be written up as a discount that
        # does not exist.
        if sale is not None and (price is None or sale >= price):
            raise serializers.ValidationError(
                {"sale_price": ["Must be below price (and price must be given)."]}
            )
        return attrs


class ProductBulkItemSerializer(ProductInputSerializer):
    product_id = StrictUUIDField()


class ProductBulkInputSerializer(StrictSerializer):
    store_id = StrictUUIDField(required=False)
    products = ProductBulkItemSerializer(many=True, allow_empty=False)

    def validate_products(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(value) > MAX_BULK:
            raise serializers.ValidationError(f"At most {MAX_BULK} products per request.")
        ids = [str(item["product_id"]) for item in value]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise serializers.ValidationError(f"Repeated product_id: {', '.join(repeated)}.")
        return value


class ProductOutputSerializer(serializers.ModelSerializer[Product]):
    price = DecimalStringField(allow_null=True)
    sale_price = DecimalStringField(allow_null=True)

    class Meta:
        model = Product
        fields = [
            "product_id",
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
            "created_at",
            "updated_at",
        ]


class ProductAnswerSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    product = ProductOutputSerializer()


class ProductBulkAnswerSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    products = ProductOutputSerializer(many=True)


class MessageAnswerSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    message = serializers.CharField()


class GenerateInputSerializer(StrictSerializer):
    store_id = StrictUUIDField(required=False)
    product_id = StrictUUIDField()
    platform = serializers.ChoiceField(choices=Platform.values)
    tone = serializers.ChoiceField(choices=TONES)
    language = serializers.ChoiceField(choices=LANGUAGES)
    dialect = serializers.ChoiceField(choices=DIALECTS, required=False)
    variants = StrictIntegerField(required=False, min_value=1, max_value=5)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("dialect") and attrs["language"] != "ar":
            raise serializers.ValidationError({"dialect": ["Only for language 'ar'."]})
        return attrs


class GeneratedPostSerializer(serializers.Serializer[Any]):
    text = serializers.CharField()
    hashtags = serializers.ListField(child=serializers.CharField())


class GeneratedContentSerializer(GeneratedPostSerializer):
    suggested_time = serializers.DateTimeField()
    suggested_time_reason = serializers.CharField()


class GenerateOutputSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    content = GeneratedContentSerializer()
    variants = GeneratedPostSerializer(many=True, required=False)
    ai_credits_used = serializers.IntegerField()
    provider = serializers.CharField()
