"""One view per contract endpoint. They parse, call one service, and shape the answer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Store
from mollkom_social.api.auth import request_api_key
from mollkom_social.api.errors import ApiError
from mollkom_social.api.schema import error_response, errors
from publishing.api.serializers import (
    CancelOutputSerializer,
    PostListOutputSerializer,
    PostListQuerySerializer,
    PostOutputSerializer,
    PostUpdateInputSerializer,
    PublishInputSerializer,
    RetryInputSerializer,
    UnpublishOutputSerializer,
)
from publishing.platforms.base import Content, MediaItem
from publishing.selectors import InvalidCursor, PostFilters, post_body, post_get, posts_list
from publishing.services.idempotency import idempotency_key_check
from publishing.services.lifecycle import (
    UNCHANGED,
    PostChanges,
    post_retry,
    post_unpublish,
    post_update,
)
from publishing.services.posts import post_cancel
from publishing.services.publish import publish, publish_replay


def _store(request: Request, store_id: Any = None) -> Store:
    """The API key's store; a store_id that names another store is a 403."""
    store = request_api_key(request).store
    if store_id is not None and str(store_id) != str(store.pk):
        raise ApiError("forbidden", "store_id is not the API key's store.", http_status=403)
    return store


def _uuid(value: str) -> Any:
    try:
        return UUID(value)
    except ValueError:
        raise ApiError("not_found", "No such post.", http_status=404) from None


def _content(data: dict[str, Any]) -> Content:
    return Content(
        text=data["text"],
        media=tuple(MediaItem(type=m["type"], url=m["url"]) for m in data["media"]),
        link=data["link"] or "",
    )


PUBLISH_DESCRIPTION = """Checks the post against every platform's rules, saves it, and
answers once its platforms settled or `PUBLISH_WAIT_SECONDS` passed (`"wait": false`: at
once); a platform still working answers `queued` or `processing`, and
`GET /functions/v1/social-publish/{post_id}` tells the rest.

**Always send an `Idempotency-Key`** (a new one per post, e.g. a UUID or the storefront's own
id for it), and retry a timeout, a dropped connection or a 5xx with the same key and body: a
retry of a post that was saved answers that post instead of publishing it again. Without a
key, a retry after an answer that never arrived publishes the post twice.

Once the post is saved the answer is a 200 with its `post_id`, even when the service then
fails to read it back (its platforms show as `queued` or `scheduled`; look the post up later).
A 503 `outcome_unknown` carries `error.details.post_id`: the database failed while saving and
the service could not tell whether the post was saved. Look it up by that id (a 404 means it
was not saved) or retry with the same key; never resend it without the key. Any other 5xx,
or a timeout, may also have followed a saved post (a proxy that gave up waiting, say): the
same key makes the retry safe."""


PUBLISH_EXAMPLES = [
    OpenApiExample(
        "Publish now",
        request_only=True,
        value={
            "store_id": "5b0c4f8e-3c1a-4f43-9d5e-0a4c8f2b7e11",
            "platforms": ["instagram", "x", "threads"],
            "content": {
                "text": "Post text with #hashtags",
                "media": [
                    {"type": "image", "url": "https://storage.mollkom.com/media/product.jpg"}
                ],
                "link": "https://yourstore.mollkom.com/product/123",
            },
            "schedule_at": None,
        },
    ),
    OpenApiExample(
        "Schedule, with per-platform options",
        request_only=True,
        value={
            "store_id": "5b0c4f8e-3c1a-4f43-9d5e-0a4c8f2b7e11",
            "platforms": ["instagram", "tiktok"],
            "content": {
                "text": "New summer dress",
                "media": [{"type": "video", "url": "https://storage.mollkom.com/media/dress.mp4"}],
            },
            "schedule_at": "2026-04-20T14:00:00Z",
            "options": {
                "instagram": {"format": "reel", "share_to_feed": True},
                "tiktok": {"privacy_level": "PUBLIC_TO_EVERYONE", "text": "Summer drop"},
            },
        },
    ),
    OpenApiExample(
        "Published",
        response_only=True,
        status_codes=["200"],
        value={
            "success": True,
            "post_id": "0f9a7c3e-8b1d-4e2a-9c55-7d6e2b1a4f30",
            "status": "published",
            "schedule_at": None,
            "results": [
                {
                    "platform": "x",
                    "status": "published",
                    "post_id": "1869012345678901234",
                    "url": "https://x.com/store/status/1869012345678901234",
                    "notices": [],
                }
            ],
        },
    ),
]


class SocialPublishApi(APIView):
    @extend_schema(
        request=PublishInputSerializer,
        responses={
            200: PostOutputSerializer,
            **errors(403, 422),
            400: error_response(
                400, "Invalid input, nothing written: `validation_error`, `platform_rules`, "
                "`malformed_json`, `json_too_deep` (nested over 32 levels) or "
                "`invalid_idempotency_key` (not 1 to 255 visible ASCII characters)."
            ),
            409: error_response(
                409, "`idempotency_in_progress`: a request with this Idempotency-Key is still "
                "being answered; retry it shortly with the same key and body."
            ),
            503: error_response(
                503, "`outcome_unknown`: the post may have been saved; "
                "`error.details.post_id` is the post to look up."
            ),
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                description=(
                    "Send one on every publish: a new key (a UUID, or the storefront's own "
                    "id for the post) per post, the same key on every retry of it. The same "
                    "key and body replay the first answer; another body is a 422. 1 to 255 "
                    "visible ASCII characters."
                ),
            )
        ],
        examples=PUBLISH_EXAMPLES,
        summary="Publish or schedule a post to one or more platforms",
        description=PUBLISH_DESCRIPTION,
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        store = request_api_key(request).store
        key = request.headers.get("Idempotency-Key") or None
        if key is not None:
            idempotency_key_check(key=key)
        outcome = publish_replay(store=store, raw_body=request.data, idempotency_key=key)
        if outcome is None:
            serializer = PublishInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            outcome = publish(
                store=store,
                data=serializer.validated_data,
                raw_body=request.data,
                idempotency_key=key,
            )
        return Response(outcome.body, status=outcome.status)

    @extend_schema(
        operation_id="social_publish_list",
        parameters=[PostListQuerySerializer],
        responses={200: PostListOutputSerializer, **errors(400, 403)},
        summary="The store's posts, newest first, with filters and cursor pagination",
    )
    def get(self, request: Request) -> Response:
        query = PostListQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        store = _store(request, params.get("store_id"))
        filters = PostFilters(
            statuses=tuple(params.get("status", ())),
            platform=params.get("platform"),
            scheduled_from=params.get("scheduled_from"),
            scheduled_to=params.get("scheduled_to"),
            published_from=params.get("published_from"),
            published_to=params.get("published_to"),
            text=params.get("q"),
        )
        try:
            page = posts_list(
                store=store, filters=filters, cursor=params.get("cursor"), limit=params["limit"]
            )
        except InvalidCursor as exc:
            raise ApiError("validation_error", str(exc), details={"cursor": [str(exc)]}) from None
        return Response({"success": True, "posts": page.items, "next_cursor": page.next_cursor})


class SocialPublishDetailApi(APIView):
    @extend_schema(
        responses={200: PostOutputSerializer, **errors(404)}, summary="A post's current status"
    )
    def get(self, request: Request, post_id: str) -> Response:
        post = post_get(store=_store(request), post_id=_uuid(post_id))
        if post is None:
            raise ApiError("not_found", "No such post.", http_status=404)
        return Response(post_body(post=post))

    @extend_schema(
        request=PostUpdateInputSerializer,
        responses={
            200: PostOutputSerializer,
            **errors(403, 404),
            409: error_response(
                409,
                "`not_editable`: a platform of the post is no longer scheduled "
                "(`details.platforms` gives each one's status).",
            ),
        },
        summary="Edit or reschedule a post while it is still scheduled everywhere",
    )
    def patch(self, request: Request, post_id: str) -> Response:
        serializer = PostUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        store = _store(request, data.get("store_id"))
        changes = PostChanges(
            content=_content(data["content"]) if "content" in data else None,
            platforms=data.get("platforms"),
            schedule_at=data.get("schedule_at", UNCHANGED),
            options=data.get("options"),
        )
        post = post_update(store=store, post_id=_uuid(post_id), changes=changes)
        return Response(post_body(post=post))

    @extend_schema(
        responses={
            200: CancelOutputSerializer,
            **errors(404),
            409: error_response(
                409,
                "`not_cancellable`: a platform of the post is no longer scheduled "
                "(`details.platforms` gives each one's status).",
            ),
        },
        summary="Cancel a scheduled post",
    )
    def delete(self, request: Request, post_id: str) -> Response:
        post_cancel(store=_store(request), post_id=_uuid(post_id))
        return Response({"success": True, "message": "Scheduled post cancelled"})


class SocialPublishRetryApi(APIView):
    @extend_schema(
        request=RetryInputSerializer,
        responses={
            200: PostOutputSerializer,
            **errors(403, 404),
            409: error_response(
                409,
                "`not_retryable` (only failed platforms can be retried) or "
                "`account_needs_reconnect`; `details.platforms` says which.",
            ),
        },
        summary="Send the failed platforms of a post again",
    )
    def post(self, request: Request, post_id: str) -> Response:
        serializer = RetryInputSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        store = _store(request, data.get("store_id"))
        post = post_retry(store=store, post_id=_uuid(post_id), platforms=data.get("platforms"))
        return Response(post_body(post=post))


class SocialPublishUnpublishApi(APIView):
    @extend_schema(
        request=None,
        responses={
            200: UnpublishOutputSerializer,
            **errors(404),
            409: error_response(409, "`not_published`: the post is live on no platform."),
        },
        summary="Delete a published post from its platforms",
    )
    def post(self, request: Request, post_id: str) -> Response:
        post, results = post_unpublish(store=_store(request), post_id=_uuid(post_id))
        return Response(
            {
                "success": True,
                "post_id": str(post.pk),
                "status": post.status,
                "results": [r.as_json() for r in results],
            }
        )
