"""X (Twitter API v2) in the sandbox: API under ``/x``, post pages under ``/x-web``.

Shapes follow the official OpenAPI spec (``shared/specs/x/x-api-v2.openapi.json``, v2.167):
``createPosts``, ``deletePosts``, ``mediaUpload``, the chunked ``initializeMediaUpload``,
``appendMediaUpload``, ``finalizeMediaUpload`` and ``getMediaUploadStatus``, ``getUsersMe``,
``getUsersPosts``. Request
bodies are checked by ``_x_rules.py`` the way X checks them, so a client that passes here sends
what X accepts.

Auth: a bearer token ``sbx.x.<username>`` is that user, as is a token issued by the OAuth
endpoints (``/x-web/i/oauth2/authorize``, ``/x/2/oauth2/token``, ``/x/2/oauth2/revoke``,
see ``_oauth.py``) while it lives; anything else is X's 401.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from publishing.sandbox import _oauth as oauth
from publishing.sandbox import _x_rules as rules
from publishing.sandbox.core import (
    Fault,
    Platform,
    Request,
    Response,
    Route,
    Routes,
    SandboxState,
    register,
    rfc3339,
)

SLUG = "x"
TOKEN_PREFIX = "sbx.x."
_TOKEN_RE = re.compile(r"sbx\.x\.([A-Za-z0-9_]{1,15})")
MEDIA_TTL_S = 86400  # X keeps an uploaded media id usable for 24 h

# Per-user limits per 15-minute window (PLATFORMS.md 3.3). The sandbox reports them but never
# enforces them: 429s come only from injected faults, so tests decide when they happen, and
# clients that throttle on ``remaining`` never stall a benchmark.
_RATE_LIMITS = {
    "createPosts": 100,
    "deletePosts": 50,
    "mediaUpload": 500,
    "getUsersMe": 75,
    "getUsersPosts": 900,
    "initializeMediaUpload": 1875,
    "appendMediaUpload": 1875,
    "finalizeMediaUpload": 1875,
    "getMediaUploadStatus": 1000,
}
_WINDOW_S = 15 * 60

api = Routes()
web = Routes()


# --- Users ----------------------------------------------------------------------------


@dataclass(frozen=True)
class XUser:
    id: str
    username: str

    @property
    def name(self) -> str:
        return f"{self.username} (sandbox)"


def sandbox_user_id(username: str) -> str:
    """Stable numeric id for a username: the same on every run and every machine."""
    digest = hashlib.sha256(f"sandbox-x:{username.lower()}".encode()).digest()
    return str(10**17 + int.from_bytes(digest[:8], "big") % (9 * 10**17))  # 18 digits


def sandbox_token(username: str) -> str:
    """The bearer token the sandbox accepts as ``username`` (``sbx.x.<username>``)."""
    return TOKEN_PREFIX + username


def _user(state: SandboxState, request: Request) -> XUser | None:
    token = request.bearer_token or ""
    if found := _TOKEN_RE.fullmatch(token):
        return XUser(sandbox_user_id(found.group(1)), found.group(1))
    # A token issued by the OAuth endpoints below (short-lived, revocable).
    grant = state.oauth.grant_for(SLUG, token)
    return XUser(sandbox_user_id(grant.username), grant.username) if grant else None


UserHandler = Callable[[SandboxState, Request, re.Match[str], XUser], Response]


def _authed(handler: UserHandler) -> Callable[[SandboxState, Request, re.Match[str]], Response]:
    def wrapper(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
        user = _user(state, request)
        if user is None:
            return _problem(401, "Unauthorized")
        return handler(state, request, match, user)

    wrapper.__name__ = handler.__name__
    return wrapper


# --- OAuth 2.0 with PKCE (PLATFORMS.md 3.1) ------------------------------------------------


def _oauth_error(status: int, error: str, description: str) -> Response:
    return Response.json(status, {"error": error, "error_description": description})


@web.add("GET", r"/i/oauth2/authorize")
@web.add("POST", r"/i/oauth2/authorize")
def authorize(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    checked = oauth.check_authorize(state.oauth, SLUG, request)
    if isinstance(checked, Response):
        return checked
    params = checked.params

    def back(**answer: str) -> Response:
        return oauth.redirect(
            oauth.with_query(checked.redirect_uri, {**answer, "state": checked.state})
        )

    if params.get("response_type") != "code":
        return back(error="unsupported_response_type")
    if not params.get("code_challenge") or params.get("code_challenge_method") not in (
        "S256",
        "plain",
    ):
        return back(error="invalid_request", error_description="PKCE code_challenge is required")
    if request.method == "GET":
        return oauth.consent_page("X", f"/{SLUG}-web/i/oauth2/authorize", checked)
    if request.form.get("decision") != "approve":
        return back(error="access_denied")
    username = request.form.get("username", "")
    if not oauth.USERNAME_RE.fullmatch(username):
        return oauth.error_page(400, "Invalid account name", "Use 1 to 15 letters, digits or _.")
    grant = oauth.Grant(
        platform=SLUG,
        username=username,
        scope=checked.scope,
        client_id=checked.client_id,
        code_challenge=params["code_challenge"],
        code_challenge_method=params["code_challenge_method"],
        redirect_uri=checked.redirect_uri,
    )
    return back(code=state.oauth.new_code(grant))


def _oauth_client(state: SandboxState, request: Request) -> str | Response:
    """The authenticated client id: Basic auth (confidential clients) or client_id (public)."""
    basic = oauth.basic_credentials(request)
    if basic is not None:
        if not oauth.client_authenticated(state.oauth, SLUG, *basic):
            return _oauth_error(401, "unauthorized_client", "Missing valid authorization header")
        return basic[0]
    client_id = request.form.get("client_id", "")
    if state.oauth.app(SLUG, client_id) is None:
        return _oauth_error(401, "unauthorized_client", "Missing valid authorization header")
    return client_id


@api.add("POST", r"/2/oauth2/token", name="oauth2Token")
def oauth_token(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    client_id = _oauth_client(state, request)
    if isinstance(client_id, Response):
        return client_id
    form = request.form
    if form.get("grant_type") == "authorization_code":
        grant = state.oauth.take_code(SLUG, form.get("code", ""))
        if (
            grant is None
            or grant.client_id != client_id
            or grant.redirect_uri != form.get("redirect_uri")
            or not oauth.pkce_ok(grant, form.get("code_verifier", ""))
        ):
            return _oauth_error(
                400, "invalid_request", "Value passed for the authorization code was invalid."
            )
        issued = state.oauth.issue(grant, with_refresh="offline.access" in grant.scope.split())
    elif form.get("grant_type") == "refresh_token":
        refreshed = state.oauth.refresh(SLUG, client_id, form.get("refresh_token", ""), rotate=True)
        if refreshed is None:
            return _oauth_error(400, "invalid_request", "Value passed for the token was invalid.")
        issued = refreshed
    else:
        return _oauth_error(400, "unsupported_grant_type", "grant_type is not supported.")
    body: dict[str, Any] = {
        "token_type": "bearer",
        "expires_in": round(issued.expires_at - time.time()),
        "access_token": issued.access_token,
        "scope": issued.scope,
    }
    if issued.refresh_token:
        body["refresh_token"] = issued.refresh_token
    return Response.json(200, body)


@api.add("POST", r"/2/oauth2/revoke", name="oauth2Revoke")
def oauth_revoke(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    client_id = _oauth_client(state, request)
    if isinstance(client_id, Response):
        return client_id
    state.oauth.revoke(SLUG, request.form.get("token", ""))
    return Response.json(200, {"revoked": True})


# --- Error bodies ---------------------------------------------------------------------


def _problem(status: int, title: str, detail: str | None = None) -> Response:
    """X's generic problem (``type: about:blank``), as sent for 401, 403, 429, 5xx."""
    body = {"title": title, "type": "about:blank", "status": status, "detail": detail or title}
    return Response.json(status, body)


def _invalid(*messages: str, parameters: dict[str, list[str]] | None = None) -> Response:
    # X's 400: a generic detail, the specifics in ``errors[].message``.
    return Response.json(
        400,
        {
            "errors": [{"parameters": parameters or {}, "message": m} for m in messages],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.x.com/2/problems/invalid-request",
        },
    )


def _not_found_post(post_id: str) -> Response:
    return Response.json(
        404,
        {
            "title": "Not Found Error",
            "type": "https://api.x.com/2/problems/resource-not-found",
            "detail": f"Could not find tweet with id: [{post_id}].",
            "status": 404,
            "resource_type": "tweet",
            "resource_id": post_id,
            "parameter": "id",
            "value": post_id,
        },
    )


# --- Posts ----------------------------------------------------------------------------


def _escaped(text: str) -> str:
    # X returns post text with &, < and > as HTML entities; clients matching a post by its text
    # (to recover after a timeout) must unescape, so the sandbox does the same.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _post_json(post: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": post["id"],
        "text": _escaped(post["text"]),
        # The spec (v2.167) names it edit_history_post_ids; the live API and most clients
        # still use edit_history_tweet_ids. Both are sent so either reader works.
        "edit_history_tweet_ids": [post["id"]],
        "edit_history_post_ids": [post["id"]],
    }
    if "created_at" in fields:
        data["created_at"] = post["created_at"]
    if "author_id" in fields:
        data["author_id"] = post["author_id"]
    if "attachments" in fields and post["media"]:
        data["attachments"] = {"media_keys": [m["media_key"] for m in post["media"]]}
    return data


@api.add("GET", r"/2/users/me", name="getUsersMe")
@_authed
def users_me(state: SandboxState, request: Request, match: re.Match[str], user: XUser) -> Response:
    return Response.json(
        200, {"data": {"id": user.id, "name": user.name, "username": user.username}}
    )


@api.add("POST", r"/2/tweets", name="createPosts")
@_authed
def create_post(
    state: SandboxState, request: Request, match: re.Match[str], user: XUser
) -> Response:
    body = request.json_body
    if request.content_type != "application/json" or not isinstance(body, dict):
        return _invalid("Request body must be a JSON object sent as application/json.")
    if errors := rules.check_create_post(body):
        return _invalid(*errors)
    text: str = body.get("text", "")
    media_ids: list[str] = body.get("media", {}).get("media_ids", [])
    media, error = _owned_media(state, user, media_ids)
    if error is not None:
        return error
    reply_to = body.get("reply", {}).get("in_reply_to_tweet_id")
    if reply_to is not None and state.get_post(SLUG, reply_to) is None:
        return _problem(
            403,
            "Forbidden",
            "You attempted to reply to a Tweet that is deleted or not visible to you.",
        )
    post = {
        "id": state.new_id(),
        "text": text,
        "author_id": user.id,
        "username": user.username,
        "created_at": rfc3339(),
        "media": media,
        "in_reply_to_tweet_id": reply_to,
        "request_body": body,  # kept for tests: what the client asked for, verbatim
    }

    def duplicate(other: dict[str, Any]) -> bool:
        return bool(text) and other["author_id"] == user.id and other["text"] == text

    if not state.add_post(SLUG, post, reject_if=duplicate):
        return _problem(
            403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
        )
    data = _post_json(post, fields=set())
    return Response.json(201, {"data": data})


def _owned_media(
    state: SandboxState, user: XUser, media_ids: list[str]
) -> tuple[list[dict[str, Any]], Response | None]:
    """The uploads behind ``media_ids``, or X's 400 if one is unknown, foreign or expired."""
    found = [state.get_media(SLUG, media_id) for media_id in media_ids]
    usable = [m for m in found if m and m["owner_id"] == user.id and m["expires_at"] > time.time()]
    unready = [
        m["id"] for m in usable if m.get("chunked", {}).get("state") not in (None, "succeeded")
    ]
    if unready:
        return [], _invalid(
            "Media is not ready to be attached: finalize it and wait for processing.",
            parameters={"media.media_ids": unready},
        )
    if len(usable) != len(media_ids):
        bad = [i for i, m in zip(media_ids, found, strict=True) if m not in usable]
        return [], _invalid("Your media IDs are invalid.", parameters={"media.media_ids": bad})
    if error := rules.check_media_mix([m["category"] for m in usable]):
        return [], _invalid(error, parameters={"media.media_ids": media_ids})
    return [
        {"media_id": m["id"], "media_key": m["media_key"], "category": m["category"]}
        for m in usable
    ], None


@api.add("DELETE", r"/2/tweets/(?P<id>[^/]+)", name="deletePosts")
@_authed
def delete_post(
    state: SandboxState, request: Request, match: re.Match[str], user: XUser
) -> Response:
    post_id = match["id"]
    if not rules.is_numeric_id(post_id):
        return _invalid(
            f"The `id` query parameter value [{post_id}] is not valid", parameters={"id": [post_id]}
        )
    if not state.remove_post(SLUG, post_id, only_if=lambda p: p["author_id"] == user.id):
        return _not_found_post(post_id)
    return Response.json(200, {"data": {"deleted": True}})


@api.add("GET", r"/2/users/(?P<id>[^/]+)/tweets", name="getUsersPosts")
@_authed
def user_posts(
    state: SandboxState, request: Request, match: re.Match[str], user: XUser
) -> Response:
    query, errors = rules.parse_timeline_query(match["id"], request.query)
    if errors:
        return _invalid(*errors)
    posts = sorted(
        (p for p in state.posts(SLUG) if p["author_id"] == match["id"]),
        key=lambda p: int(p["id"]),
        reverse=True,
    )
    selected = [p for p in posts if query.accepts(p)]
    page, rest = selected[: query.max_results], selected[query.max_results :]
    if not page:
        return Response.json(200, {"meta": {"result_count": 0}})
    meta: dict[str, Any] = {
        "result_count": len(page),
        "newest_id": page[0]["id"],
        "oldest_id": page[-1]["id"],
    }
    if rest:
        meta["next_token"] = rules.pagination_token(page[-1]["id"])
    return Response.json(200, {"data": [_post_json(p, query.fields) for p in page], "meta": meta})


# --- Media ----------------------------------------------------------------------------

# Media key prefixes X uses per media type (3 photo, 7 video, 16 animated GIF).
_KEY_PREFIX = {"image": "3", "video": "7", "gif": "16"}


@api.add("POST", r"/2/media/upload", name="mediaUpload")
@_authed
def media_upload(
    state: SandboxState, request: Request, match: re.Match[str], user: XUser
) -> Response:
    fields, data = _upload_fields(request)
    if isinstance(data, Response):
        return data
    if errors := rules.check_media_upload(fields, data):
        return _invalid(*errors)
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
        return {}, _invalid(f"Invalid media_id: {media_id}", parameters={"media_id": [media_id]})
    if media["expires_at"] <= time.time():
        return {}, _invalid("The upload session has expired.", parameters={"media_id": [media_id]})
    return media, None


@api.add("POST", r"/2/media/upload/initialize", name="initializeMediaUpload")
@_authed
def upload_initialize(
    state: SandboxState, request: Request, match: re.Match[str], user: XUser
) -> Response:
    body = request.json_body
    if request.content_type != "application/json" or not isinstance(body, dict):
        return _invalid("Request body must be a JSON object sent as application/json.")
    if errors := rules.check_initialize(body):
        return _invalid(*errors)
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


@api.add("POST", r"/2/media/upload/(?P<id>[0-9]{1,19})/append", name="appendMediaUpload")
@_authed
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
        return _invalid(*errors)
    session = media["chunked"]
    segments: dict[str, int] = session["segments"]
    if session["state"] != "uploading":
        return _invalid("The upload session is already finalized.")
    if index > len(segments):
        return _invalid(
            f"$.segment_index: expected {len(segments)} (segments in order), got {index}"
        )
    segments[str(index)] = len(data)
    if sum(segments.values()) > session["total_bytes"]:
        return _invalid(f"Segments exceed total_bytes ({session['total_bytes']}).")
    if index == 0:
        session["fails"] = FAILING_MARKER in data[:4096]
    state.add_media(SLUG, media)
    return Response.json(200, {"data": {"expires_at": int(media["expires_at"])}})


@api.add("POST", r"/2/media/upload/(?P<id>[0-9]{1,19})/finalize", name="finalizeMediaUpload")
@_authed
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
            return _invalid(
                f"File size mismatch: received {received} of {session['total_bytes']} bytes."
            )
        session.update(state="pending", polls_left=PROCESSING_POLLS)
        state.add_media(SLUG, media)
    return Response.json(200, {"data": _media_status(media)})


@api.add("GET", r"/2/media/upload", name="getMediaUploadStatus")
@_authed
def upload_status(
    state: SandboxState, request: Request, match: re.Match[str], user: XUser
) -> Response:
    media_id, command = request.arg("media_id") or "", request.arg("command")
    if not rules.is_numeric_id(media_id) or command not in (None, "STATUS"):
        return _invalid("The `media_id` and `command` (STATUS) query parameters are invalid.")
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
            return fields, _invalid("$.media: must be base64-encoded in a JSON body")
    return {}, _invalid("Send media as multipart/form-data (or JSON with base64 media).")


# --- Public post pages (/x-web) -------------------------------------------------------


@web.add("GET", r"/(?P<username>[A-Za-z0-9_]{1,15}|i/web)/status/(?P<id>[0-9]{1,19})/?")
def post_page(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    post = state.get_post(SLUG, match["id"])
    if post is None:
        return Response.html(
            404,
            '<!doctype html><html lang="en" dir="auto"><head><meta charset="utf-8">'
            "<title>Page not found / X (sandbox)</title></head><body>"
            "<p>Hmm...this page doesn't exist. Try searching for something else.</p>"
            "</body></html>",
        )
    return Response.html(200, _page(post))


def _page(post: dict[str, Any]) -> str:
    username, text = html.escape(post["username"]), html.escape(post["text"])
    images = sum(1 for m in post["media"] if rules.media_kind(m["category"]) == "image")
    media_items = "".join(
        f'<li data-media-key="{html.escape(m["media_key"])}">{rules.media_kind(m["category"])}</li>'
        for m in post["media"]
    )
    return (
        '<!doctype html>\n<html lang="en" dir="auto">\n<head><meta charset="utf-8">'
        f"<title>@{username} on X (sandbox)</title></head>\n<body>\n"
        f'<article data-post-id="{post["id"]}">\n'
        f'<p class="author">@{username}</p>\n'
        f'<p class="text" dir="auto" style="white-space: pre-wrap">{text}</p>\n'
        f'<ul class="media" data-media-count="{len(post["media"])}" data-image-count="{images}">'
        f"{media_items}</ul>\n"
        f'<p class="media-summary">{len(post["media"])} media, {images} images</p>\n'
        f'<time datetime="{post["created_at"]}">{post["created_at"]}</time>\n'
        "</article>\n</body>\n</html>\n"
    )


# --- Faults, unknown paths, headers on every response ---------------------------------


def _fault_response(fault: Fault, request: Request) -> Response:
    if fault.kind == "rate_limit":
        reset = math.ceil(time.time() + fault.retry_after)
        response = _problem(429, "Too Many Requests")
        response.headers.update({"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
        return response
    if fault.kind == "server_error":
        return _problem(503, "Service Unavailable")
    if fault.kind == "expired_token":
        return _problem(401, "Unauthorized")
    if fault.kind == "no_credits":
        # None of the spec's Problem types is about billing, so none is close: this keeps the
        # type and body reported from the live API.
        return Response.json(
            402,
            {
                "title": "CreditsDepleted",
                "type": "https://api.x.com/2/problems/credits",
                "detail": (
                    "Your enrolled account does not have any credits to fulfill this request."
                ),
                "status": 402,
            },
        )
    raise ValueError(f"fault kind {fault.kind!r} has no error body")


def _not_found(request: Request) -> Response:
    return _problem(404, "Not Found")


def _finish(request: Request, route: Route | None, response: Response) -> Response:
    limit = _RATE_LIMITS.get(route.name if route else "", 15)
    reset = (int(time.time()) // _WINDOW_S + 1) * _WINDOW_S
    response.headers.setdefault("x-rate-limit-limit", str(limit))
    response.headers.setdefault("x-rate-limit-remaining", str(limit - 1))
    response.headers.setdefault("x-rate-limit-reset", str(reset))
    return response


register(
    Platform(
        slug=SLUG,
        api=api,
        web=web,
        fault_response=_fault_response,
        not_found=_not_found,
        finish=_finish,
    )
)
