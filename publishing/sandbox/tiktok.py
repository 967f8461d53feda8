"""TikTok's Content Posting API in the sandbox: creator info, video/init (FILE_UPLOAD or
PULL_FROM_URL), chunk uploads, content/init of photo posts, status/fetch, video pages.

PULL_FROM_URL (a video_url, or a photo post's photo_images) is refused with 403
``url_ownership_unverified`` unless every URL starts with a verified prefix: those of
SANDBOX_TIKTOK_VERIFIED_PREFIXES (comma-separated; default the service's relay,
``MEDIA_PUBLIC_BASE_URL/media/relay/`` as ``manage.py sandbox`` reads it from the same settings
as the service, ``http://127.0.0.1:8000/media/relay/`` for a bare state), or as set through
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

Login Kit: the consent page ``/tiktok-web/v2/auth/authorize/`` (``client_key``), then
``/tiktok/v2/oauth/token/`` and ``/tiktok/v2/oauth/revoke/``; its tokens work like the fixed
ones (an audited app's public creator), and its refresh tokens rotate. ``/v2/user/info/``
answers the requested fields.
"""

from __future__ import annotations

import html
import os
import re
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from publishing.sandbox import _oauth as oauth
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


def _creator(state: SandboxState, request: Request) -> tuple[str, list[str]] | None:
    """``(username, privacy_level_options)`` for the request's token, or None."""
    token = request.bearer_token or ""
    if grant := state.oauth.grant_for(SLUG, token):
        return grant.username, list(PRIVACY)  # an audited app's public account
    if not token.startswith("sbx.tiktok."):
        return None
    name = token.removeprefix("sbx.tiktok.")
    if name.endswith(_PRIVATE):
        return name.removesuffix(_PRIVATE), ["SELF_ONLY"]
    return name, list(PRIVACY)


def _unauthorized() -> Response:
    return _error(401, "access_token_invalid", "The access token is invalid or not found.")


@api.add("POST", r"/v2/post/publish/creator_info/query/", name="creator_info")
def creator_info(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    who = _creator(state, request)
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
    who = _creator(state, request)
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
    who = _creator(state, request)
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
        return (state.media_relay_prefix,)
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
    who = _creator(state, request)
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


# --- Login Kit v2 (PLATFORMS.md 4.1) ---------------------------------------------------


def _oauth_error(status: int, error: str, description: str) -> Response:
    return Response.json(
        status, {"error": error, "error_description": description, "log_id": secrets.token_hex(8)}
    )


@web.add("GET", r"/v2/auth/authorize/?")
@web.add("POST", r"/v2/auth/authorize/?")
def authorize(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    checked = oauth.check_authorize(state.oauth, SLUG, request, client_param="client_key")
    if isinstance(checked, Response):
        return checked
    params = checked.params

    def back(**answer: str) -> Response:
        return oauth.redirect(
            oauth.with_query(checked.redirect_uri, {**answer, "state": checked.state})
        )

    if params.get("response_type") != "code":
        return back(error="invalid_request", error_description="response_type must be code")
    if request.method == "GET":
        return oauth.consent_page("TikTok", f"/{SLUG}-web/v2/auth/authorize/", checked)
    if request.form.get("decision") != "approve":
        return back(error="access_denied", error_description="The user denied the request.")
    username = request.form.get("username", "")
    if not oauth.USERNAME_RE.fullmatch(username):
        return oauth.error_page(400, "Invalid account name", "Use 1 to 15 letters, digits or _.")
    grant = oauth.Grant(
        platform=SLUG,
        username=username,
        scope=checked.scope,
        client_id=checked.client_id,
        code_challenge=params.get("code_challenge", ""),
        code_challenge_method=params.get("code_challenge_method", "plain"),
        redirect_uri=checked.redirect_uri,
        offline=True,
    )
    return back(code=state.oauth.new_code(grant), scopes=checked.scope)


@api.add("POST", r"/v2/oauth/token/", name="oauth_token")
def oauth_token(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    form = request.form
    client_key = form.get("client_key", "")
    if not oauth.client_authenticated(state.oauth, SLUG, client_key, form.get("client_secret", "")):
        return _oauth_error(401, "invalid_client", "Client key or secret is incorrect.")
    if form.get("grant_type") == "authorization_code":
        grant = state.oauth.take_code(SLUG, form.get("code", ""))
        if (
            grant is None
            or grant.client_id != client_key
            or grant.redirect_uri != form.get("redirect_uri")
            or not oauth.pkce_ok(grant, form.get("code_verifier", ""))
        ):
            return _oauth_error(400, "invalid_grant", "Authorization code is expired.")
        issued = state.oauth.issue(grant, with_refresh=True)
    elif form.get("grant_type") == "refresh_token":
        # TikTok rotates refresh tokens: the old one is spent.
        refreshed = state.oauth.refresh(
            SLUG, client_key, form.get("refresh_token", ""), rotate=True
        )
        if refreshed is None:
            return _oauth_error(400, "invalid_grant", "Refresh token is invalid or expired.")
        issued = refreshed
    else:
        return _oauth_error(400, "invalid_request", "grant_type is not supported.")
    now = time.time()
    return Response.json(
        200,
        {
            "access_token": issued.access_token,
            "expires_in": round(issued.expires_at - now),
            "open_id": sandbox_open_id(issued.username),
            "refresh_expires_in": round(issued.refresh_expires_at - now),
            "refresh_token": issued.refresh_token,
            "scope": issued.scope,
            "token_type": "Bearer",
        },
    )


@api.add("POST", r"/v2/oauth/revoke/", name="oauth_revoke")
def oauth_revoke(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    """Login Kit's revocation: the app's credentials and the user's access token; ``{}``. A
    revoked token, issued here or a fixed ``sbx.tiktok.`` one, is refused everywhere after."""
    form = request.form
    if missing := [f for f in ("client_key", "client_secret", "token") if not form.get(f)]:
        return _oauth_error(400, "invalid_request", f"Missing or empty: {', '.join(missing)}.")
    if not oauth.client_authenticated(state.oauth, SLUG, form["client_key"], form["client_secret"]):
        return _oauth_error(401, "invalid_client", "Client key or secret is incorrect.")
    token = form["token"]
    if not state.oauth.revoke(SLUG, token) and not (
        token.startswith("sbx.tiktok.") and state.revoke_token(token)
    ):
        return _oauth_error(400, "invalid_request", "The access token is invalid or not found.")
    return Response.json(200, {})


@api.add("GET", r"/v2/user/info/", name="user_info")
def user_info(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    who = _creator(state, request)
    if who is None:
        return _unauthorized()
    fields = set((request.arg("fields") or "").split(","))
    user = {
        "open_id": sandbox_open_id(who[0]),
        "union_id": f"tu-{who[0]}",
        "avatar_url": "",
        "display_name": who[0],
        "username": who[0],
    }
    return _envelope(200, {"user": {k: v for k, v in user.items() if k in fields}})


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
