"""One view per endpoint. They parse, call one service, and shape the answer."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Store
from mollkom_social.api.auth import request_api_key
from mollkom_social.api.errors import ApiError
from webhooks.api.serializers import (
    WebhookCreateInputSerializer,
    WebhookCreateOutputSerializer,
    WebhookDeleteOutputSerializer,
    WebhookListOutputSerializer,
    WebhookOutputSerializer,
    WebhookTestOutputSerializer,
    WebhookUpdateInputSerializer,
)
from webhooks.models import WebhookEndpoint
from webhooks.selectors import webhook_endpoint_body, webhook_endpoint_get, webhook_endpoint_list
from webhooks.services import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_update,
    webhook_test,
)

TAGS = ["webhooks"]


class WebhooksApi(APIView):
    @extend_schema(
        request=WebhookCreateInputSerializer,
        responses={201: WebhookCreateOutputSerializer},
        summary="Create a webhook; its signing secret is in this answer only",
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        serializer = WebhookCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        store = request_api_key(request).store
        if "store_id" in data and str(data["store_id"]) != str(store.pk):
            raise ApiError("forbidden", "store_id is not the API key's store.", http_status=403)
        endpoint, secret = webhook_endpoint_create(
            store=store, url=data["url"], events=data["events"]
        )
        body = {"success": True, "webhook": webhook_endpoint_body(endpoint), "secret": secret}
        return Response(body, status=201)

    @extend_schema(
        operation_id="webhooks_list",
        responses={200: WebhookListOutputSerializer},
        summary="The store's webhooks",
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        endpoints = webhook_endpoint_list(store=request_api_key(request).store)
        return Response(
            {"success": True, "webhooks": [webhook_endpoint_body(e) for e in endpoints]}
        )


class WebhookDetailApi(APIView):
    @extend_schema(responses={200: WebhookOutputSerializer}, summary="A webhook", tags=TAGS)
    def get(self, request: Request, webhook_id: str) -> Response:
        endpoint = _endpoint(request_api_key(request).store, webhook_id)
        return Response({"success": True, "webhook": webhook_endpoint_body(endpoint)})

    @extend_schema(
        request=WebhookUpdateInputSerializer,
        responses={200: WebhookOutputSerializer},
        summary="Change a webhook's events, or disable and re-enable it",
        tags=TAGS,
    )
    def patch(self, request: Request, webhook_id: str) -> Response:
        endpoint = _endpoint(request_api_key(request).store, webhook_id)
        serializer = WebhookUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_update(
            endpoint=endpoint,
            enabled=serializer.validated_data.get("enabled"),
            events=serializer.validated_data.get("events"),
        )
        return Response({"success": True, "webhook": webhook_endpoint_body(endpoint)})

    @extend_schema(
        responses={200: WebhookDeleteOutputSerializer}, summary="Delete a webhook", tags=TAGS
    )
    def delete(self, request: Request, webhook_id: str) -> Response:
        endpoint = _endpoint(request_api_key(request).store, webhook_id)
        webhook_endpoint_delete(endpoint=endpoint)
        return Response({"success": True, "message": "Webhook deleted"})


class WebhookTestApi(APIView):
    @extend_schema(
        request=None,
        responses={200: WebhookTestOutputSerializer},
        summary="Send a signed webhook.test event to the webhook now",
        tags=TAGS,
    )
    def post(self, request: Request, webhook_id: str) -> Response:
        endpoint = _endpoint(request_api_key(request).store, webhook_id)
        return Response({"success": True, **webhook_test(endpoint=endpoint)})


def _endpoint(store: Store, webhook_id: str) -> WebhookEndpoint:
    try:
        endpoint_id = UUID(webhook_id)
    except ValueError:
        endpoint_id = None
    endpoint = webhook_endpoint_get(store=store, endpoint_id=endpoint_id) if endpoint_id else None
    if endpoint is None:
        raise ApiError("not_found", "No such webhook.", http_status=404)
    return endpoint
