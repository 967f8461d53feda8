"""The media upload API: declare an upload, send its chunks, complete it into the library.

POST /media-uploads declares the kind and size; PUT /media-uploads/{id} appends one chunk
(``Content-Range: bytes <start>-<end>/<size>``, the raw bytes as the body, at most
MEDIA_UPLOAD_CHUNK_BYTES); GET answers how far it got (to resume); POST …/complete checks the
file and answers the library media whose ``url`` a publish request names.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Store
from mollkom_social.api.auth import request_api_key
from mollkom_social.api.errors import ApiError
from mollkom_social.api.fields import NoUnknownFieldsMixin, StrictCharField
from mollkom_social.api.schema import error_response, errors
from publishing.library.uploads import (
    ChunkRange,
    UploadError,
    asset_state,
    upload_append,
    upload_complete,
    upload_create,
    upload_state,
)
from publishing.models import MediaUpload

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
# Each UploadError code's HTTP status.
STATUSES = {
    "not_found": 404,
    "invalid_type": 400,
    "invalid_size": 400,
    "invalid_range": 400,
    "incomplete_chunk": 400,
    "offset_mismatch": 409,
    "upload_completed": 409,
    "upload_incomplete": 409,
    "too_large": 413,
    "chunk_too_large": 413,
    "invalid_media": 422,
}


class UploadInputSerializer(NoUnknownFieldsMixin, serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=["image", "video"])
    size = serializers.IntegerField(min_value=1, help_text="The whole file's size in bytes.")
    filename = StrictCharField(required=False, allow_blank=True, default="", max_length=255)
    content_type = StrictCharField(required=False, allow_blank=True, default="", max_length=64)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Must be a JSON object."]})
        self.validate_unknown(data)
        return super().to_internal_value(data)


class UploadOutputSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    type = serializers.ChoiceField(choices=["image", "video"])
    size = serializers.IntegerField()
    received_bytes = serializers.IntegerField(
        help_text="Bytes received so far: the next chunk starts here."
    )
    chunk_size = serializers.IntegerField(help_text="The largest chunk taken, in bytes.")
    status = serializers.ChoiceField(choices=MediaUpload.Status.values)
    expires_at = serializers.DateTimeField(help_text="An upload not completed by then is gone.")


class UploadAnswerSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    upload = UploadOutputSerializer()


class MediaOutputSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    type = serializers.ChoiceField(choices=["image", "video"])
    url = serializers.URLField(help_text="Public; name it in a publish request's media.")
    thumbnail_url = serializers.URLField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    duration_seconds = serializers.FloatField(allow_null=True)
    filename = serializers.CharField()
    created_at = serializers.DateTimeField()


class MediaAnswerSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    media = MediaOutputSerializer()


def _store(request: Request) -> Store:
    return request_api_key(request).store


def _upload_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise ApiError("not_found", "No such upload.", http_status=404) from None


def _api_error(exc: UploadError) -> ApiError:
    return ApiError(exc.code, exc.message, http_status=STATUSES[exc.code], details=exc.details)


def parse_content_range(header: str, content_length: str | None) -> ChunkRange:
    found = _CONTENT_RANGE.fullmatch(header.strip())
    if not found:
        raise UploadError(
            "invalid_range", "Send each chunk with 'Content-Range: bytes <start>-<end>/<size>'."
        )
    chunk = ChunkRange(int(found[1]), int(found[2]), int(found[3]))
    if content_length and content_length.isdigit() and int(content_length) != chunk.length:
        raise UploadError(
            "invalid_range",
            f"Content-Range names {chunk.length} bytes but the body has {content_length}.",
        )
    return chunk


class MediaUploadsApi(APIView):
    @extend_schema(
        request=UploadInputSerializer,
        responses={
            201: UploadAnswerSerializer,
            **errors(400),
            413: error_response(
                413,
                "`too_large`: the file is over the upload limit for its kind "
                "(MEDIA_UPLOAD_MAX_IMAGE_BYTES, MEDIA_UPLOAD_MAX_VIDEO_BYTES).",
            ),
        },
        summary="Start uploading a photo or video to the store's media library",
    )
    def post(self, request: Request) -> Response:
        serializer = UploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            upload = upload_create(
                store=_store(request),
                kind=data["type"],
                size=data["size"],
                filename=data["filename"],
                content_type=data["content_type"],
            )
        except UploadError as exc:
            raise _api_error(exc) from exc
        return Response({"success": True, "upload": upload_state(upload)}, status=201)


class MediaUploadDetailApi(APIView):
    # A chunk is larger than the API's usual 1 MB: MEDIA_UPLOAD_CHUNK_BYTES (4 MB).
    body_limit_setting = "MEDIA_UPLOAD_CHUNK_BYTES"

    @extend_schema(
        responses={200: UploadAnswerSerializer, **errors(404)},
        summary="How far an upload got (where to resume)",
    )
    def get(self, request: Request, upload_id: str) -> Response:
        upload = MediaUpload.objects.filter(store=_store(request), pk=_upload_id(upload_id)).first()
        if upload is None:
            raise ApiError("not_found", "No such upload.", http_status=404)
        return Response({"success": True, "upload": upload_state(upload)})

    @extend_schema(
        request={"application/octet-stream": OpenApiTypes.BINARY},
        parameters=[
            OpenApiParameter(
                "Content-Range",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="`bytes <start>-<end>/<size>`: where the chunk goes; "
                "`<start>` must be the upload's `received_bytes`.",
            )
        ],
        responses={
            200: UploadAnswerSerializer,
            **errors(400, 404),
            409: error_response(
                409,
                "`offset_mismatch`: the chunk does not start at `details.received_bytes`, "
                "where the upload stands (resume from there); `upload_completed`.",
            ),
            413: error_response(
                413,
                "`body_too_large` or `chunk_too_large`: a chunk is over "
                "MEDIA_UPLOAD_CHUNK_BYTES (4 MB).",
            ),
        },
        summary="Append one chunk of an upload",
    )
    def put(self, request: Request, upload_id: str) -> Response:
        try:
            chunk = parse_content_range(
                request.headers.get("Content-Range", ""), request.META.get("CONTENT_LENGTH")
            )
            upload = upload_append(
                store=_store(request),
                upload_id=_upload_id(upload_id),
                chunk=chunk,
                body=request._request,  # type: ignore[arg-type]  # read straight from the socket
            )
        except UploadError as exc:
            raise _api_error(exc) from exc
        return Response({"success": True, "upload": upload_state(upload)})


class MediaUploadCompleteApi(APIView):
    @extend_schema(
        request=None,
        responses={
            200: MediaAnswerSerializer,
            **errors(404),
            409: error_response(409, "`upload_incomplete`: not every byte has arrived."),
            422: error_response(
                422,
                "`invalid_media`: the file is not an image or video the platforms take "
                "(or an image past MEDIA_IMAGE_MAX_PIXELS); it was deleted.",
            ),
        },
        summary="Check a fully sent upload and add it to the media library",
    )
    def post(self, request: Request, upload_id: str) -> Response:
        try:
            asset = upload_complete(store=_store(request), upload_id=_upload_id(upload_id))
        except UploadError as exc:
            raise _api_error(exc) from exc
        return Response({"success": True, "media": asset_state(asset)})
