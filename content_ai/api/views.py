"""One view per endpoint. They parse, call one service, and shape the answer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Store
from content_ai.api.serializers import (
    GenerateInputSerializer,
    GenerateOutputSerializer,
    MessageAnswerSerializer,
    ProductAnswerSerializer,
    ProductBulkAnswerSerializer,
    ProductBulkInputSerializer,
    ProductInputSerializer,
    ProductOutputSerializer,
)
from content_ai.providers.base import ProviderError
from content_ai.selectors import product_get
from content_ai.services.credits import InsufficientCredits
from content_ai.services.generate import content_generate
from content_ai.services.products import product_delete, product_upsert, products_bulk_upsert
from mollkom_social.api.auth import request_api_key
from mollkom_social.api.errors import ApiError
from mollkom_social.api.schema import error_response, errors


def _store(request: Request, *store_ids: Any) -> Store:
    """The API key's store; a store_id that names another store is a 403."""
    store = request_api_key(request).store
    for store_id in store_ids:
        if store_id is not None and str(store_id) != str(store.pk):
            raise ApiError("forbidden", "store_id is not the API key's store.", http_status=403)
    return store


def _product_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise ApiError("not_found", "No such product.", http_status=404) from None


def _not_found() -> ApiError:
    return ApiError("not_found", "No such product.", http_status=404)


class ProductDetailApi(APIView):
    @extend_schema(
        request=ProductInputSerializer,
        responses={
            200: ProductAnswerSerializer,
            201: ProductAnswerSerializer,
            **errors(403),
            404: error_response(404, "`not_found`: the product id is not a UUID."),
        },
        summary="Create or replace a product of the store's catalog",
    )
    def put(self, request: Request, product_id: str) -> Response:
        serializer = ProductInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        store = _store(request, data.get("store_id"))
        product, created = product_upsert(
            store=store, product_id=_product_id(product_id), data=data
        )
        body = {"success": True, "product": ProductOutputSerializer(product).data}
        return Response(body, status=201 if created else 200)

    @extend_schema(
        responses={200: ProductAnswerSerializer, **errors(404)}, summary="A product of the catalog"
    )
    def get(self, request: Request, product_id: str) -> Response:
        product = product_get(store=_store(request), product_id=_product_id(product_id))
        if product is None:
            raise _not_found()
        return Response({"success": True, "product": ProductOutputSerializer(product).data})

    @extend_schema(
        responses={200: MessageAnswerSerializer, **errors(404)}, summary="Remove a product"
    )
    def delete(self, request: Request, product_id: str) -> Response:
        if not product_delete(store=_store(request), product_id=_product_id(product_id)):
            raise _not_found()
        return Response({"success": True, "message": "Product deleted"})


class ProductBulkApi(APIView):
    # 500 products with long descriptions outgrow API_MAX_BODY_BYTES.
    body_limit_setting = "API_MAX_BULK_BODY_BYTES"

    @extend_schema(
        request=ProductBulkInputSerializer,
        responses={200: ProductBulkAnswerSerializer, **errors(403)},
        summary="Create or replace many products at once (all or nothing)",
    )
    def post(self, request: Request) -> Response:
        serializer = ProductBulkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        items = data["products"]
        store = _store(request, data.get("store_id"), *(item.get("store_id") for item in items))
        results = products_bulk_upsert(store=store, items=items)
        created = sum(1 for _, was_created in results if was_created)
        return Response(
            {
                "success": True,
                "created": created,
                "updated": len(results) - created,
                "products": ProductOutputSerializer([p for p, _ in results], many=True).data,
            }
        )


class SocialGenerateContentApi(APIView):
    @extend_schema(
        request=GenerateInputSerializer,
        responses={
            200: GenerateOutputSerializer,
            **errors(402, 403, 502, 503, 504),
            404: error_response(404, "`not_found`: no such product in the store's catalog."),
        },
        summary="Write a post for a product with AI (one credit per variant)",
    )
    def post(self, request: Request) -> Response:
        serializer = GenerateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        store = _store(request, data.get("store_id"))
        product = product_get(store=store, product_id=data["product_id"])
        if product is None:
            raise _not_found()
        variants = data.get("variants", 1)
        try:
            outcome = content_generate(
                store=store,
                product=product,
                platform=data["platform"],
                tone=data["tone"],
                language=data["language"],
                dialect=data.get("dialect", ""),
                variants=variants,
                actor_label=f"api_key:{request_api_key(request).prefix}",
            )
        except InsufficientCredits as exc:
            raise ApiError(
                "insufficient_credits",
                f"This needs {exc.required} AI credit(s); the store has {exc.balance}.",
                http_status=402,
                details={"balance": exc.balance, "required": exc.required},
            ) from None
        except ProviderError as exc:
            error = ApiError(
                exc.code,
                f"{exc.message} No credits were used.",
                http_status=exc.http_status,
                details={"credits_refunded": variants},
            )
            if exc.retry_after:
                error.wait = exc.retry_after  # type: ignore[attr-defined]  # DRF's Retry-After
            raise error from None
        first = outcome.posts[0]
        body: dict[str, Any] = {
            "success": True,
            "content": {
                "text": first.text,
                "hashtags": first.hashtags,
                "suggested_time": outcome.suggestion.when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "suggested_time_reason": outcome.suggestion.reason,
            },
            "ai_credits_used": outcome.credits_used,
            "provider": outcome.provider,
        }
        if "variants" in data:
            body["variants"] = [{"text": p.text, "hashtags": p.hashtags} for p in outcome.posts]
        return Response(body)
