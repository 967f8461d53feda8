"""X's media endpoints in the sandbox: the one-shot ``mediaUpload`` (images) and the chunked
upload (``initializeMediaUpload``, ``appendMediaUpload``, ``finalizeMediaUpload``,
``getMediaUploadStatus``) for videos and GIFs, with X's processing states; and the check that
a post's media ids name usable uploads. ``x.py`` includes these routes in the X API."""

from __future__ import annotations

import base64
import binascii
import re
import time
from typing import Any

from publishing.sandbox import _x_rules as rules
from publishing.sandbox._x_common import SLUG, XUser, authed, invalid
from publishing.sandbox.core import Request, Response, Routes, SandboxState

MEDIA_TTL_S = 86400  # X keeps an uploaded media id usable for 24 h

routes = Routes()


# --- Media ----------------------------------------------------------------------------

# Media key prefixes X uses per media type (3 photo, 7 video, 16 animated GIF).
_KEY_PREFIX = {"image": "3", "video": "7", "gif": "16"}


@routes.add("POST", r"/2/media/upload", name="mediaUpload")
@authed
def media_upload(
    state: SandboxState, request: Request, match: re.Match[str], user: XUser
) -> Response:
    fields, data = _upload_fields(request)
    if isinstance(data, Response):
        return data
    if errors := rules.check_media_upload(fields, data):
        return invalid(*errors)
    category = fields["media_category"]
    media_id = state.new_id()
    kind = rules.media_kind(category)
    media = {
        "id": media_id,
        "media_key": f"{_KEY_PREFIX.get(kind, '3')}_{media_id}",
        "owner_id": user.id,
        "category": category,
        "size": len(data),
        "expires_at": time.time() + MEDIA_TTL_S,
    }
    state.add_media(SLUG, media)
    payload = {
        "id": media_id,
        "media_key": media["media_key"],
        "size": len(data),
        "expires_after_secs": MEDIA_TTL_S,
    }
    return Response.json(200, {"data": payload})


# --- Chunked upload -------------------------------------------------------------------
# A session is a media dict with a ``chunked`` part: total_bytes, the size of each segment
# received, and the processing state after finalize. Segments must come in order; sending
# one again replaces it (a client resuming after a crash may repeat the last one), a gap is
# refused. Processing takes PROCESSING_POLLS status checks, and fails for a video whose first
# bytes carry FAILING_MARKER (``/_sandbox/media/processing-fails.mp4`` serves one).

PROCESSING_POLLS = 2
CHECK_AFTER_SECS = 1
FAILING_MARKER = b"processing-fails"


def _session(
    state: SandboxState, user: XUser, media_id: str
) -> tuple[dict[str, Any], Response | None]:
    media = state.get_media(SLUG, media_id)
    if media is None or "chunked" not in media or media["owner_id"] != user.id:
        return {}, invalid(f"Invalid media_id: {media_id}", parameters={"media_id": [media_id]})
    if media["expires_at"] <= time.time():
        return {}, invalid("The upload session has expired.", parameters={"media_id": [media_id]})
    return media, None


@routes.add("POST", r"/2/media/upload/initialize", name="initializeMediaUpload")
@authed
def upload_initialize(
    state: SandboxState, request: Request, match: re.Match[str], user: XUser
) -> Response:
    body = request.json_body
    if request.content_type != "application/json" or not isinstance(body, dict):
        return invalid("Request body must be a JSON object sent as application/json.")
    if errors := rules.check_initialize(body):
        return invalid(*errors)
    media_id = state.new_id()
    kind = rules.media_kind(body["media_category"])
    media = {
        "id": media_id,
        "media_key": f"{_KEY_PREFIX.get(kind, '7')}_{media_id}",
        "owner_id": user.id,
        "category": body["media_category"],
        "size": body["total_bytes"],
        "expires_at": time.time() + MEDIA_TTL_S,
        "chunked": {"total_bytes": body["total_bytes"], "segments": {}, "state": "uploading"},
    }
    state.add_media(SLUG, media)
    data = {"id": media_id, "media_key": media["media_key"], "expires_after_secs": MEDIA_TTL_S}
    return Response.json(200, {"data": data})


@routes.add("POST", r"/2/media/upload/(?P<id>[0-9]{1,19})/append", name="appendMediaUpload")
@authed
def upload_append(
    state: SandboxState, request: Request, match: re.Match[str], user: XUser
) -> Response:
    media, error = _session(state, user, match["id"])
    if error is not None:
        return error
    fields, data = _upload_fields(request)
    if isinstance(data, Response):
        return data
    index, errors = rules.check_append(fields, data)
    if errors:
        return invalid(*errors)
    session = media["chunked"]
    segments: dict[str, int] = session["segments"]
    if session["state"] != "uploading":
        return invalid("The upload session is already finalized.")
    if index > len(segments):
        return invalid(
            f"$.segment_index: expected {len(segments)} (segments in order), got {index}"
        )
    segments[str(index)] = len(data)
    if sum(segments.values()) > session["total_bytes"]:
        return invalid(f"Segments exceed total_bytes ({session['total_bytes']}).")
    if index == 0:
        session["fails"] = FAILING_MARKER in data[:4096]
    state.add_media(SLUG, media)
    return Response.json(200, {"data": {"expires_at": int(media["expires_at"])}})


@routes.add("POST", r"/2/media/upload/(?P<id>[0-9]{1,19})/finalize", name="finalizeMediaUpload")
@authed
def upload_finalize(
    state: SandboxState, request: Request, match: re.Match[str], user: XUser
) -> Response:
    media, error = _session(state, user, match["id"])
    if error is not None:
        return error
    session = media["chunked"]
    if session["state"] == "uploading":
        received = sum(session["segments"].values())
        if received != session["total_bytes"]:
            return invalid(
                f"File size mismatch: received {received} of {session['total_bytes']} bytes."
            )
        session.update(state="pending", polls_left=PROCESSING_POLLS)
        state.add_media(SLUG, media)
    return Response.json(200, {"data": _media_status(media)})


@routes.add("GET", r"/2/media/upload", name="getMediaUploadStatus")
@authed
def upload_status(
    state: SandboxState, request: Request, match: re.Match[str], user: XUser
) -> Response:
    media_id, command = request.arg("media_id") or "", request.arg("command")
    if not rules.is_numeric_id(media_id) or command not in (None, "STATUS"):
        return invalid("The `media_id` and `command` (STATUS) query parameters are invalid.")
    media, error = _session(state, user, media_id)
    if error is not None:
        return error
    session = media["chunked"]
    if session["state"] in ("pending", "in_progress"):
        session["polls_left"] -= 1
        if session["polls_left"] > 0:
            session["state"] = "in_progress"
        else:
            session["state"] = "failed" if session.get("fails") else "succeeded"
        state.add_media(SLUG, media)
    return Response.json(200, {"data": _media_status(media)})


def _media_status(media: dict[str, Any]) -> dict[str, Any]:
    session = media["chunked"]
    data: dict[str, Any] = {
        "id": media["id"],
        "media_key": media["media_key"],
        "size": session["total_bytes"],
        "expires_after_secs": max(0, int(media["expires_at"] - time.time())),
    }
    progress = {"pending": 0, "in_progress": 50, "succeeded": 100, "failed": 100}
    if session["state"] in progress:
        info: dict[str, Any] = {
            "state": session["state"],
            "progress_percent": progress[session["state"]],
        }
        if session["state"] in ("pending", "in_progress"):
            info["check_after_secs"] = CHECK_AFTER_SECS
        if session["state"] == "failed":
            # Not in the v2 spec's ProcessingInfo, but what X sends (v1.1 docs' shape).
            info["error"] = {"code": 1, "name": "InvalidMedia", "message": "Unsupported video"}
        data["processing_info"] = info
    return data


def _upload_fields(request: Request) -> tuple[dict[str, Any], bytes | Response]:
    """The upload's fields and media bytes, from a multipart or a JSON (base64) body."""
    if request.content_type == "multipart/form-data":
        fields: dict[str, Any] = {**request.form, **request.files}
        upload = request.files.get("media")
        data = upload.data if upload else request.form.get("media", "").encode()
        return fields, data
    if request.content_type == "application/json" and isinstance(request.json_body, dict):
        fields = dict(request.json_body)
        encoded = fields.get("media", "")
        try:
            return fields, base64.b64decode(encoded, validate=True) if encoded else b""
        except (binascii.Error, TypeError, ValueError):
            return fields, invalid("$.media: must be base64-encoded in a JSON body")
    return {}, invalid("Send media as multipart/form-data (or JSON with base64 media).")


# --- Attaching uploads to a post -------------------------------------------------------


def owned_media(
    state: SandboxState, user: XUser, media_ids: list[str]
) -> tuple[list[dict[str, Any]], Response | None]:
    """The uploads behind ``media_ids``, or X's 400 if one is unknown, foreign or expired."""
    found = [state.get_media(SLUG, media_id) for media_id in media_ids]
    usable = [m for m in found if m and m["owner_id"] == user.id and m["expires_at"] > time.time()]
    unready = [
        m["id"] for m in usable if m.get("chunked", {}).get("state") not in (None, "succeeded")
    ]
    if unready:
        return [], invalid(
            "Media is not ready to be attached: finalize it and wait for processing.",
            parameters={"media.media_ids": unready},
        )
    if len(usable) != len(media_ids):
        bad = [i for i, m in zip(media_ids, found, strict=True) if m not in usable]
        return [], invalid("Your media IDs are invalid.", parameters={"media.media_ids": bad})
    if error := rules.check_media_mix([m["category"] for m in usable]):
        return [], invalid(error, parameters={"media.media_ids": media_ids})
    return [
        {"media_id": m["id"], "media_key": m["media_key"], "category": m["category"]}
        for m in usable
    ], None
