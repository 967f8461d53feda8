"""TikTok's Content Posting API in the sandbox: creator info, video/init (FILE_UPLOAD or
PULL_FROM_URL), chunk uploads, content/init of photo posts, status/fetch, video pages.

PULL_FROM_URL (a video_url, or a photo post's photo_images) is refused with 403
``url_ownership_unverified`` unless every URL starts with a verified prefix: those of
SANDBOX_TIKTOK_VERIFIED_PREFIXES (comma-separated; default the service's relay,
``http://127.0.0.1:8000/media/relay/``), or as set through
``PUT /_sandbox/tiktok/verified-prefixes`` ``{"prefixes": [...]}``. Nothing is fetched: a pulled
publish answers ``PROCESSING_DOWNLOAD`` once, then completes; a photo whose URL ends in another
extension than .jpg, .jpeg or .webp ends ``FAILED`` with ``file_format_check_failed``.

Auth: ``Authorization: Bearer sbx.tiktok.<username>`` (:func:`sandbox_token`); a token ending in
``~private`` is a creator whose only privacy level is ``SELF_ONLY`` (a private account). Chunks
are counted, not kept. After the last chunk, status/fetch answers ``PROCESSING_UPLOAD`` once,
then ``PUBLISH_COMPLETE`` (the post is made then); a title containing ``#sandbox_fail_<reason>``
ends ``FAILED`` with that ``fail_reason`` instead. Faults answer in TikTok's envelope:
``rate_limit`` → 429 ``rate_limit_exceeded``, ``server_error`` → 500 ``internal_error``,
``expired_token`` → 401 ``access_token_invalid``, ``no_credits`` → 403
``spam_risk_too_many_posts``.
"""

from __future__ import annotations

import html
import os
import re
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from publishing.sandbox._tiktok_rules import (
    PRIVACY,
    expected_range,
    init_problem,
    photo_init_problem,
)
from publishing.sandbox.core import (
    CONTROL_ROUTES,
    Fault,
    Platform,
    Request,
    Response,
    Routes,
    SandboxState,
    register,
)

SLUG = "tiktok"
_PUBLISHES = "tiktok-publishes"  # the media store's name for publish_ids
_PRIVATE = "~private"
_RANGE_RE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
_FAIL_RE = re.compile(r"#sandbox_fail_(\w+)")
_VERIFIED = "tiktok-verified-prefixes"  # the media store's name for the verified prefixes
DEFAULT_VERIFIED_PREFIXES = ("http://127.0.0.1:8000/media/relay/",)
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".webp")

api = Routes()
web = Routes()


def sandbox_open_id(username: str) -> str:
    return f"tt-{username}"


def sandbox_token(username: str, *, private: bool = False) -> str:
    return f"sbx.tiktok.{username}" + (_PRIVATE if private else "")


def _envelope(status: int, data: dict[str, Any], code: str = "ok", message: str = "") -> Response:
    error = {"code": code, "message": message, "log_id": secrets.token_hex(8)}
    return Response.json(status, {"data": data, "error": error})


def _error(status: int, code: str, message: str) -> Response:
    return _envelope(status, {}, code, message)


def _creator(request: Request) -> tuple[str, list[str]] | None:
    """``(username, privacy_level_options)`` for the request's token, or None."""
    token = request.bearer_token or ""
    if not token.startswith("sbx.tiktok."):
        return None
    name = token.removeprefix("sbx.tiktok.")
    if name.endswith(_PRIVATE):
        return name.removesuffix(_PRIVATE), ["SELF_ONLY"]
    return name, list(PRIVACY)


def _unauthorized() -> Response:
    return _error(401, "access_token_invalid", "The access token is invalid or not found.")


@api.add("POST", r"/v2/oauth/revoke/", name="revoke")
def revoke(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    """Login Kit's revocation: the app's credentials and the user's access token; ``{}``."""
    missing = [f for f in ("client_key", "client_secret", "token") if f not in request.form]
    if missing or not request.form["token"]:
        return _oauth_error(
            "invalid_request", f"Missing or empty: {', '.join(missing or ['token'])}."
        )
    if not request.form["token"].startswith("sbx.tiktok.") or not state.revoke_token(
        request.form["token"]
    ):
        return _oauth_error("invalid_request", "The access token is invalid or not found.")
    return Response.json(200, {})


def _oauth_error(code: str, description: str) -> Response:
    # The OAuth endpoints answer in their own flat shape, not the API's data/error envelope.
    body = {"error": code, "error_description": description, "log_id": secrets.token_hex(8)}
    return Response.json(400, body)


@api.add("POST", r"/v2/post/publish/creator_info/query/", name="creator_info")
def creator_info(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    who = _creator(request)
    if who is None:
        return _unauthorized()
    return _envelope(
        200,
        {
            "creator_avatar_url": "",
            "creator_username": who[0],
            "creator_nickname": who[0],
            "privacy_level_options": who[1],
            "comment_disabled": False,
            "duet_disabled": False,
            "stitch_disabled": False,
            "max_video_post_duration_sec": 600,
        },
    )


@api.add("POST", r"/v2/post/publish/video/init/", name="video_init")
def video_init(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    who = _creator(request)
    if who is None:
        return _unauthorized()
    body = request.json_body
    if problem := init_problem(body, who[1]):
        return _error(403 if problem[0] == "privacy_level_option_mismatch" else 400, *problem)
    source = body["source_info"]
    if source["source"] == "PULL_FROM_URL":
        if refused := _unverified(state, [source["video_url"]]):
            return refused
        publish_id = _new_publish(state, who[0], body["post_info"], pulled=[source["video_url"]])
        return _envelope(200, {"publish_id": publish_id})
    publish_id = f"v_pub_file~v2-1.{secrets.token_hex(8)}"
    upload_id = secrets.token_urlsafe(16)
    publish = {
        "id": upload_id,
        "publish_id": publish_id,
        "username": who[0],
        "post_info": body["post_info"],
        "total": source["video_size"],
        "chunk_size": source["chunk_size"],
        "chunk_count": source["total_chunk_count"],
        "received": 0,
        "polls": 0,
        "post_id": None,
        "media_type": "VIDEO",
        "pulled": [],
    }
    state.add_media(_PUBLISHES, publish)
    state.add_media(_PUBLISHES, {"id": publish_id, "upload_id": upload_id})
    host = request.headers.get("host", "127.0.0.1")
    upload_url = f"http://{host}/tiktok/upload/?upload_id={upload_id}"
    return _envelope(200, {"publish_id": publish_id, "upload_url": upload_url})


@api.add("POST", r"/v2/post/publish/content/init/", name="content_init")
def content_init(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    who = _creator(request)
    if who is None:
        return _unauthorized()
    body = request.json_body
    if problem := photo_init_problem(body, who[1]):
        return _error(403 if problem[0] == "privacy_level_option_mismatch" else 400, *problem)
    images = list(body["source_info"]["photo_images"])
    if refused := _unverified(state, images):
        return refused
    publish_id = _new_publish(state, who[0], body["post_info"], pulled=images, photo=True)
    return _envelope(200, {"publish_id": publish_id})


def _new_publish(
    state: SandboxState,
    username: str,
    post_info: dict[str, Any],
    *,
    pulled: list[str],
    photo: bool = False,
) -> str:
    """A publish TikTok pulls the media of: nothing to upload, only to download."""
    publish_id = f"p_pub_url~v2.{secrets.token_hex(8)}"
    record_id = secrets.token_urlsafe(16)
    state.add_media(
        _PUBLISHES,
        {
            "id": record_id, "publish_id": publish_id, "username": username,
            "post_info": post_info, "total": 0, "received": 0, "polls": 0, "post_id": None,
            "media_type": "PHOTO" if photo else "VIDEO", "pulled": pulled,
        },
    )  # fmt: skip
    state.add_media(_PUBLISHES, {"id": publish_id, "upload_id": record_id})
    return publish_id


def verified_prefixes(state: SandboxState) -> tuple[str, ...]:
    stored = state.get_media(_VERIFIED, "prefixes")
    if stored is not None:
        return tuple(stored["prefixes"])
    raw = os.environ.get("SANDBOX_TIKTOK_VERIFIED_PREFIXES")
    if raw is None:
        return DEFAULT_VERIFIED_PREFIXES
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def set_verified_prefixes(state: SandboxState, prefixes: list[str]) -> None:
    state.add_media(_VERIFIED, {"id": "prefixes", "prefixes": list(prefixes)})


def _unverified(state: SandboxState, urls: list[str]) -> Response | None:
    prefixes = verified_prefixes(state)
    for url in urls:
        if not (prefixes and url.startswith(prefixes)):
            return _error(
                403,
                "url_ownership_unverified",
                f"The URL {url} is not under a URL prefix verified for this app.",
            )
    return None


@api.add("PUT", r"/upload/", name="upload")
def upload(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    publish = state.get_media(_PUBLISHES, request.arg("upload_id") or "")
    if publish is None:
        return _error(404, "invalid_params", "Upload URL not found or expired.")
    found = _RANGE_RE.fullmatch(request.headers.get("content-range", ""))
    if found is None or int(found.group(3)) != publish["total"]:
        return _error(400, "invalid_file_upload", "Content-Range is missing or names another size.")
    first, last = int(found.group(1)), int(found.group(2))
    if expected_range(publish, first) != (first, last) or len(request.body) != last - first + 1:
        return _error(416, "invalid_file_upload", "The chunk does not match the declared plan.")
    if first < publish["received"]:
        return Response(206, b"")  # already have it: a resumed upload sent it again
    if first > publish["received"]:
        return _error(416, "invalid_file_upload", "Chunks must be uploaded in order.")
    publish["received"] = last + 1
    state.add_media(_PUBLISHES, publish)
    return Response(201 if publish["received"] == publish["total"] else 206, b"")


@api.add("POST", r"/v2/post/publish/status/fetch/", name="status_fetch")
def status_fetch(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    who = _creator(request)
    if who is None:
        return _unauthorized()
    body = request.json_body if isinstance(request.json_body, dict) else {}
    ref = state.get_media(_PUBLISHES, str(body.get("publish_id", "")))
    publish = state.get_media(_PUBLISHES, ref["upload_id"]) if ref else None
    if publish is None or publish["username"] != who[0]:
        return _error(400, "invalid_params", "publish_id not found.")
    data: dict[str, Any] = {"uploaded_bytes": publish["received"], "downloaded_bytes": 0}
    waiting = "PROCESSING_DOWNLOAD" if publish["pulled"] else "PROCESSING_UPLOAD"
    if publish["received"] < publish["total"] or publish["polls"] == 0:
        publish["polls"] += publish["received"] == publish["total"]
        state.add_media(_PUBLISHES, publish)
        return _envelope(200, {**data, "status": waiting})
    if failed := _FAIL_RE.search(publish["post_info"].get("title", "")):
        return _envelope(200, {**data, "status": "FAILED", "fail_reason": failed.group(1)})
    if publish["media_type"] == "PHOTO" and not all(
        urlsplit(url).path.lower().endswith(PHOTO_EXTENSIONS) for url in publish["pulled"]
    ):
        return _envelope(
            200, {**data, "status": "FAILED", "fail_reason": "file_format_check_failed"}
        )
    if publish["post_id"] is None:
        publish["post_id"] = _create_video(state, publish)
        state.add_media(_PUBLISHES, publish)
    public = publish["post_info"]["privacy_level"] == "PUBLIC_TO_EVERYONE"
    ids = [publish["post_id"]] if public else []
    return _envelope(
        200, {**data, "status": "PUBLISH_COMPLETE", "publicaly_available_post_id": ids}
    )


def _create_video(state: SandboxState, publish: dict[str, Any]) -> str:
    post_id = str(7_000_000_000_000_000_000 + secrets.randbelow(10**18))
    state.add_post(
        SLUG,
        {
            "id": post_id,
            "publish_id": publish["publish_id"],
            "username": publish["username"],
            "text": publish["post_info"].get("title", ""),
            "post_info": publish["post_info"],
            "bytes": publish["total"],
            "media_type": publish["media_type"],
            "pulled": publish["pulled"],
            "created_epoch": time.time(),
        },
    )
    return post_id


@web.add("GET", r"/@(?P<user>[\w.-]+)/video/(?P<id>\d+)", name="video")
def video_page(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    post = state.get_post(SLUG, match["id"])
    if post is None or post["username"] != match["user"]:
        return Response.html(
            404, "<!doctype html><html><body><h1>Video unavailable</h1></body></html>"
        )
    text = html.escape(post["text"])
    return Response.html(
        200,
        f"<!doctype html><html><head><title>{text} | TikTok</title></head><body>"
        f"<p>@{html.escape(post['username'])}</p><pre>{text}</pre></body></html>",
    )


@web.add("GET", r"/@(?P<user>[\w.-]+)", name="profile")
def profile(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    user = html.escape(match["user"])
    return Response.html(200, f"<!doctype html><html><body><h1>@{user}</h1></body></html>")


@CONTROL_ROUTES.add("GET", r"/tiktok/verified-prefixes", name="tiktok_prefixes_get")
def prefixes_get(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    return Response.json(200, {"prefixes": list(verified_prefixes(state))})


@CONTROL_ROUTES.add("PUT", r"/tiktok/verified-prefixes", name="tiktok_prefixes_set")
def prefixes_set(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    """``{"prefixes": ["https://cdn.shop.example/", ...]}``: the URL prefixes this app verified."""
    body = request.json_body
    prefixes = body.get("prefixes") if isinstance(body, dict) else None
    if not isinstance(prefixes, list) or not all(isinstance(p, str) and p for p in prefixes):
        return Response.json(400, {"ok": False, "error": 'body must be {"prefixes": [str, ...]}'})
    set_verified_prefixes(state, prefixes)
    return Response.json(200, {"ok": True})


def _fault_response(fault: Fault, request: Request) -> Response:
    if fault.kind == "rate_limit":
        return _error(429, "rate_limit_exceeded", "API rate limit exceeded.")
    if fault.kind == "server_error":
        return _error(500, "internal_error", "Something went wrong. Please try again later.")
    if fault.kind == "expired_token":
        return _unauthorized()
    if fault.kind == "no_credits":
        return _error(403, "spam_risk_too_many_posts", "The user has posted too many times.")
    raise ValueError(f"fault kind {fault.kind!r} has no error body")


def _not_found(request: Request) -> Response:
    return _error(
        404, "invalid_params", f"No sandbox TikTok route for {request.method} {request.path}."
    )


register(
    Platform(slug=SLUG, api=api, web=web, fault_response=_fault_response, not_found=_not_found)
)
