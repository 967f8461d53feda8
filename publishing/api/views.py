"""One view per contract endpoint. They parse, call one service, and shape the answer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mollkom_social.api.auth import request_api_key
from mollkom_social.api.errors import ApiError
from publishing.api.serializers import (
    CancelOutputSerializer,
    PostOutputSerializer,
    PublishInputSerializer,
)
from publishing.selectors import post_body, post_get
from publishing.services.posts import post_cancel
from publishing.services.publish import publish


class SocialPublishApi(APIView):
    @extend_schema(
        request=PublishInputSerializer,
        responses={200: PostOutputSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Same key and body replays the first answer; another body is 422.",
            )
        ],
        summary="Publish or schedule a post to one or more platforms",
    )
    def post(self, request: Request) -> Response:
        serializer = PublishInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = publish(
            store=request_api_key(request).store,
            data=serializer.validated_data,
            raw_body=request.data,
            idempotency_key=request.headers.get("Idempotency-Key") or None,
        )
        return Response(outcome.body, status=outcome.status)


class SocialPublishDetailApi(APIView):
    @extend_schema(responses={200: PostOutputSerializer}, summary="A post's current status")
    def get(self, request: Request, post_id: str) -> Response:
        post = post_get(store=request_api_key(request).store, post_id=_uuid(post_id))
        if post is None:
            raise ApiError("not_found", "No such post.", http_status=404)
        return Response(post_body(post=post))

    @extend_schema(responses={200: CancelOutputSerializer}, summary="Cancel a scheduled post")
    def delete(self, request: Request, post_id: str) -> Response:
        post_cancel(store=request_api_key(request).store, post_id=_uuid(post_id))
        return Response({"success": True, "message": "Scheduled post cancelled"})


def _uuid(value: str) -> Any:
    try:
        return UUID(value)
    except ValueError:
        raise ApiError("not_found", "No such post.", http_status=404) from None
