"""YouTube Data API v3 in the sandbox: resumable uploads, search, delete, watch pages.

Auth: ``Authorization: Bearer sbx.youtube.<username>`` (:func:`sandbox_token`); a token ending in
``~upload`` has only the ``youtube.upload`` scope, so it can upload but not delete. Google's
OAuth (consent page ``/youtube-web/o/oauth2/v2/auth``, ``/youtube/token``, ``/youtube/revoke``)
issues tokens that work too, deleting when granted ``youtube.force-ssl``; ``channels?mine=true``
names the channel. The channel
id is :func:`sandbox_channel_id`. An upload session's URI is the ``Location`` answered to
``POST /upload/youtube/v3/videos?uploadType=resumable``; its bytes are counted, not kept, so a
gigabyte upload costs the sandbox no memory. Faults answer with Google's envelope:
``no_credits`` → 403 ``quotaExceeded``, ``rate_limit`` → 403 ``rateLimitExceeded``,
``server_error`` → 503 ``backendError``, ``expired_token`` → 401 ``authError``.
"""

from __future__ import annotations

import hashlib
import html
import re
import secrets
import time
from dataclasses import replace
from typing import Any

from publishing.sandbox import _oauth as oauth
from publishing.sandbox._youtube_rules import chunk_problem, metadata_problem
from publishing.sandbox.core import (
    Fault,
    Platform,
    Request,
    Response,
    Routes,
    SandboxState,
    register,
    rfc3339,
)

SLUG = "youtube"
_SESSIONS = "youtube-sessions"  # the media store's name for open upload sessions
_UPLOAD_ONLY = "~upload"
_RANGE_RE = re.compile(r"bytes (?:(\d+)-(\d+)|\*)/(\d+)")

api = Routes()
web = Routes()


def sandbox_channel_id(username: str) -> str:
    digest = hashlib.sha256(f"youtube:{username}".encode()).hexdigest()
    return "UC" + digest[:22]


def sandbox_token(username: str, *, upload_only: bool = False) -> str:
    return f"sbx.youtube.{username}" + (_UPLOAD_ONLY if upload_only else "")


def _channel(state: SandboxState, request: Request) -> tuple[str, bool] | None:
    """``(username, may_delete)`` for the request's token, or None."""
    token = request.bearer_token or ""
    if grant := state.oauth.grant_for(SLUG, token):
        scopes = {s.rsplit("/", 1)[-1] for s in grant.scope.split()}
        return grant.username, bool(scopes & {"youtube", "youtube.force-ssl"})
    if not token.startswith("sbx.youtube."):
        return None
    name = token.removeprefix("sbx.youtube.")
    return name.removesuffix(_UPLOAD_ONLY), not name.endswith(_UPLOAD_ONLY)


def _error(status: int, reason: str, message: str, domain: str = "youtube.api") -> Response:
    return Response.json(
        status,
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"domain": domain, "reason": reason, "message": message}],
            }
        },
    )


def _unauthorized() -> Response:
    return _error(401, "authError", "Invalid Credentials", "global")


def _video_json(post: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "youtube#video",
        "id": post["id"],
        "snippet": {
            **post["snippet"],
            "channelId": post["channel_id"],
            "publishedAt": post["published_at"],
        },
        "status": {**post["status"], "uploadStatus": "uploaded"},
    }


# --- Upload sessions ------------------------------------------------------------------


@api.add("POST", r"/upload/youtube/v3/videos", name="videos.insert")
def insert(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    who = _channel(state, request)
    if who is None:
        return _unauthorized()
    if request.arg("uploadType") != "resumable":
        return _error(400, "invalidArgument", "The sandbox only serves uploadType=resumable.")
    parts = set((request.arg("part") or "").split(","))
    if not parts & {"snippet", "status"}:
        return _error(400, "required", "Required parameter: part", "global")
    if problem := metadata_problem(request.json_body, parts):
        return _error(400, *problem)
    total = request.headers.get("x-upload-content-length", "")
    if not total.isdigit() or int(total) == 0:
        return _error(400, "mediaBodyRequired", "X-Upload-Content-Length is required.")
    upload_id = secrets.token_urlsafe(24)
    session = {
        "id": upload_id,
        "username": who[0],
        "total": int(total),
        "received": 0,
        "metadata": request.json_body,
        "video_id": None,
    }
    state.add_media(_SESSIONS, session)
    host = request.headers.get("host", "127.0.0.1")
    location = (
        f"http://{host}/youtube/upload/youtube/v3/videos?uploadType=resumable&upload_id={upload_id}"
    )
    return Response(200, b"", {"location": location})


def _progress(session: dict[str, Any]) -> Response:
    if session["received"] == 0:
        return Response(308, b"")
    return Response(308, b"", {"range": f"bytes=0-{session['received'] - 1}"})


@api.add("PUT", r"/upload/youtube/v3/videos", name="videos.insert.upload")
def upload(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    session = state.get_media(_SESSIONS, request.arg("upload_id") or "")
    if session is None:
        return _error(404, "notFound", "Upload session not found.", "global")
    found = _RANGE_RE.fullmatch(request.headers.get("content-range", ""))
    if found is None or int(found.group(3)) != session["total"]:
        return _error(400, "badContent", "Content-Range is missing or names another size.")
    if session["video_id"]:  # complete: every later request answers the video
        post = state.get_post(SLUG, session["video_id"])
        return Response.json(200, _video_json(post) if post else {"id": session["video_id"]})
    if found.group(1) is None:  # "bytes */total": where is the upload?
        return _progress(session)
    first, last = int(found.group(1)), int(found.group(2))
    if first != session["received"]:  # not where the server is: say where it is
        return _progress(session)
    if problem := chunk_problem(first, last, session["total"], len(request.body)):
        return _error(400, "badContent", problem)
    session["received"] = last + 1
    if session["received"] == session["total"]:
        post = _create_video(state, session)
        session["video_id"] = post["id"]
        state.add_media(_SESSIONS, session)
        return Response.json(200, _video_json(post))
    state.add_media(_SESSIONS, session)
    return _progress(session)


def _create_video(state: SandboxState, session: dict[str, Any]) -> dict[str, Any]:
    metadata = session["metadata"]
    post = {
        "id": secrets.token_urlsafe(8)[:11],
        "username": session["username"],
        "channel_id": sandbox_channel_id(session["username"]),
        "text": metadata["snippet"]["title"],
        "snippet": metadata["snippet"],
        "status": metadata.get("status") or {"privacyStatus": "public"},
        "bytes": session["total"],
        "created_epoch": time.time(),
        "published_at": rfc3339(),
    }
    state.add_post(SLUG, post)
    return post


# --- Reading and deleting -------------------------------------------------------------


@api.add("GET", r"/youtube/v3/search", name="search.list")
def search(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    who = _channel(state, request)
    if who is None:
        return _unauthorized()
    if not request.arg("part"):
        return _error(400, "required", "Required parameter: part", "global")
    if request.arg("forMine") != "true" or request.arg("type") != "video":
        return _error(400, "invalidSearchFilter", "The sandbox serves forMine=true&type=video.")
    mine = [p for p in state.posts(SLUG) if p["username"] == who[0]]
    mine.sort(key=lambda p: p["created_epoch"], reverse=True)
    limit = int(request.arg("maxResults") or 5)
    # pageToken: an opaque token naming where the previous page stopped (an offset here).
    token = request.arg("pageToken") or ""
    start = int(token.removeprefix("SBX")) if token.startswith("SBX") else 0
    page = mine[start : start + limit]
    items = [
        {
            "kind": "youtube#searchResult",
            "id": {"kind": "youtube#video", "videoId": p["id"]},
            "snippet": {
                "publishedAt": p["published_at"],
                "channelId": p["channel_id"],
                "title": p["snippet"]["title"],
                "description": p["snippet"].get("description", "")[:160],
            },
        }
        for p in page
    ]
    body: dict[str, Any] = {"kind": "youtube#searchListResponse", "items": items}
    if start + limit < len(mine):
        body["nextPageToken"] = f"SBX{start + limit}"
    return Response.json(200, body)


@api.add("DELETE", r"/youtube/v3/videos", name="videos.delete")
def delete(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    who = _channel(state, request)
    if who is None:
        return _unauthorized()
    if not who[1]:
        return _error(
            403,
            "insufficientPermissions",
            "Request had insufficient authentication scopes.",
            "global",
        )
    post = state.get_post(SLUG, request.arg("id") or "")
    if post is None:
        return _error(
            404, "videoNotFound", "The video that you are trying to delete cannot be found."
        )
    if post["username"] != who[0]:
        return _error(
            403, "forbidden", "The video that you are trying to delete cannot be deleted."
        )
    state.remove_post(SLUG, post["id"])
    return Response(204, b"")


# --- Watch pages ----------------------------------------------------------------------


def _page(state: SandboxState, video_id: str) -> Response:
    post = state.get_post(SLUG, video_id)
    if post is None:
        return Response.html(
            404, "<!doctype html><html><body><h1>Video unavailable</h1></body></html>"
        )
    title = html.escape(post["snippet"]["title"])
    description = html.escape(post["snippet"].get("description", ""))
    return Response.html(
        200,
        f"<!doctype html><html><head><title>{title} - YouTube</title></head><body>"
        f"<h1>{title}</h1><p>{post['bytes']} bytes</p><pre>{description}</pre></body></html>",
    )


@web.add("GET", r"/watch", name="watch")
def watch(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    return _page(state, request.arg("v") or "")


@web.add("GET", r"/shorts/(?P<id>[A-Za-z0-9_-]+)", name="shorts")
def shorts(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    return _page(state, match["id"])


# --- Channels and Google's OAuth 2.0 (PLATFORMS.md 6.1) ------------------------------------


@api.add("GET", r"/youtube/v3/channels", name="channels.list")
def channels(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    who = _channel(state, request)
    if who is None:
        return _unauthorized()
    if not request.arg("part"):
        return _error(400, "required", "Required parameter: part", "global")
    if request.arg("mine") != "true":
        return _error(400, "invalidFilters", "The sandbox serves mine=true.", "global")
    username = who[0]
    item = {
        "kind": "youtube#channel",
        "etag": hashlib.sha256(username.encode()).hexdigest()[:27],
        "id": sandbox_channel_id(username),
        "snippet": {
            "title": f"{username} (sandbox)",
            "description": "",
            "customUrl": f"@{username.lower()}",
            "publishedAt": "2024-01-01T00:00:00Z",
        },
    }
    return Response.json(
        200,
        {
            "kind": "youtube#channelListResponse",
            "etag": item["etag"],
            "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
            "items": [item],
        },
    )


def _google_error(status: int, error: str, description: str) -> Response:
    return Response.json(status, {"error": error, "error_description": description})


# Google's consent page lives on accounts.google.com: here under /youtube-web.
@web.add("GET", r"/o/oauth2/v2/auth")
@web.add("POST", r"/o/oauth2/v2/auth")
def authorize(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    checked = oauth.check_authorize(state.oauth, SLUG, request)
    if isinstance(checked, Response):
        return checked
    params = checked.params

    def back(**answer: str) -> Response:
        query = {**answer, "state": checked.state} if checked.state else answer
        return oauth.redirect(oauth.with_query(checked.redirect_uri, query))

    if params.get("response_type") != "code":
        return back(error="unsupported_response_type")
    if not checked.scope:
        return back(error="invalid_request", error_description="Missing required parameter: scope")
    if request.method == "GET":
        return oauth.consent_page("Google", f"/{SLUG}-web/o/oauth2/v2/auth", checked)
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
        code_challenge=params.get("code_challenge", ""),
        code_challenge_method=params.get("code_challenge_method", "plain"),
        redirect_uri=checked.redirect_uri,
        # Google issues a refresh token only with access_type=offline.
        offline=params.get("access_type") == "offline",
    )
    code = state.oauth.new_code(grant)
    return back(code=code, scope=checked.scope)


# oauth2.googleapis.com/token: here under /youtube.
@api.add("POST", r"/token", name="oauth2.token")
def token(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    form = request.form
    client_id = form.get("client_id", "")
    if not oauth.client_authenticated(state.oauth, SLUG, client_id, form.get("client_secret", "")):
        return _google_error(401, "invalid_client", "Unauthorized")
    if form.get("grant_type") == "authorization_code":
        grant = state.oauth.take_code(SLUG, form.get("code", ""))
        if (
            grant is None
            or grant.client_id != client_id
            or grant.redirect_uri != form.get("redirect_uri")
            or not oauth.pkce_ok(grant, form.get("code_verifier", ""))
        ):
            return _google_error(400, "invalid_grant", "Bad Request")
        issued = state.oauth.issue(grant, with_refresh=grant.offline)
    elif form.get("grant_type") == "refresh_token":
        # Google's refresh tokens do not rotate: the answer carries no new one.
        refreshed = state.oauth.refresh(
            SLUG, client_id, form.get("refresh_token", ""), rotate=False
        )
        if refreshed is None:
            return _google_error(400, "invalid_grant", "Token has been expired or revoked.")
        issued = replace(refreshed, refresh_token="")
    else:
        return _google_error(400, "unsupported_grant_type", "Invalid grant_type")
    body: dict[str, Any] = {
        "access_token": issued.access_token,
        "expires_in": round(issued.expires_at - time.time()),
        "scope": issued.scope,
        "token_type": "Bearer",
    }
    if issued.refresh_token:
        body["refresh_token"] = issued.refresh_token
    return Response.json(200, body)


# The service revokes at YOUTUBE_OAUTH_BASE_URL/revoke (/youtube/oauth2/revoke here); /revoke
# sits beside /token. Both are one endpoint, so whichever a client uses, every token the
# sandbox gave out is revoked there.
@api.add("POST", r"/oauth2/revoke", name="oauth2.revoke")
@api.add("POST", r"/revoke", name="oauth2.revoke")
def revoke(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    """Google's revocation endpoint: ``token`` in the form body or the query, an access or
    refresh token (the grant goes with either), or a fixed ``sbx.youtube.`` one; ``{}`` once
    revoked, ``invalid_token`` for a token it does not know or already revoked."""
    token = request.form.get("token") or request.arg("token") or ""
    if not state.oauth.revoke(SLUG, token) and not (
        token.startswith("sbx.youtube.") and state.revoke_token(token)
    ):
        return _google_error(400, "invalid_token", "Token expired or revoked")
    return Response.json(200, {})


# --- Faults and unknown paths ---------------------------------------------------------


def _fault_response(fault: Fault, request: Request) -> Response:
    if fault.kind == "no_credits":
        return _error(
            403,
            "quotaExceeded",
            "The request cannot be completed because you have exceeded your quota.",
            "youtube.quota",
        )
    if fault.kind == "rate_limit":
        return _error(403, "rateLimitExceeded", "Rate limit exceeded.", "youtube.quota")
    if fault.kind == "server_error":
        return _error(503, "backendError", "Backend Error", "global")
    if fault.kind == "expired_token":
        return _unauthorized()
    raise ValueError(f"fault kind {fault.kind!r} has no error body")


def _not_found(request: Request) -> Response:
    return _error(
        404, "notFound", f"No sandbox YouTube route for {request.method} {request.path}.", "global"
    )


register(
    Platform(slug=SLUG, api=api, web=web, fault_response=_fault_response, not_found=_not_found)
)
