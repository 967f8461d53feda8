"""X (Twitter API v2) in the sandbox: API under ``/x``, post pages under ``/x-web``.

Shapes follow the official OpenAPI spec (``shared/specs/x/x-api-v2.openapi.json``, v2.167):
``createPosts``, ``deletePosts``, ``mediaUpload``, the chunked ``initializeMediaUpload``,
``appendMediaUpload``, ``finalizeMediaUpload`` and ``getMediaUploadStatus``, ``getUsersMe``,
``getUsersPosts``, and the OAuth 2.0 token revocation. Request bodies are checked by
``_x_rules.py`` the way X checks them, so a client that passes here sends what X accepts.

This module holds posts, users, post pages and faults; the media endpoints are in
``_x_media.py``; the caller and X's error bodies in ``_x_common.py``.

Auth: a bearer token ``sbx.x.<username>`` is that user, as is a token issued by the OAuth
endpoints (``/x-web/i/oauth2/authorize``, ``/x/2/oauth2/token``, ``/x/2/oauth2/revoke``,
see ``_oauth.py``) while it lives; anything else is X's 401.
"""

from __future__ import annotations

import html
import math
import re
import time
from typing import Any

from publishing.sandbox import _oauth as oauth
from publishing.sandbox import _x_media
from publishing.sandbox import _x_rules as rules
from publishing.sandbox._x_common import (
    SLUG,
    TOKEN_PREFIX,
    XUser,
    authed,
    invalid,
    problem,
    sandbox_token,
    sandbox_user_id,
    undeclared,
)
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

# Imported from here by accounts and tests, which know the sandbox's X as this module.
__all__ = ["SLUG", "TOKEN_PREFIX", "XUser", "api", "sandbox_token", "sandbox_user_id", "web"]

api = Routes()
api.include(_x_media.routes)
web = Routes()


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
    """X's token revocation (RFC 7009): any token, known or not, answers ``revoked``; a
    revoked token, issued here or a fixed ``sbx.x.`` one, is refused by every endpoint after."""
    client_id = _oauth_client(state, request)
    if isinstance(client_id, Response):
        return client_id
    token = request.form.get("token", "")
    if not token:
        return _oauth_error(400, "invalid_request", "Missing required parameter [token].")
    if not state.oauth.revoke(SLUG, token):
        state.revoke_token(token)
    return Response.json(200, {"revoked": True})


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


@api.add("GET", r"/2/users/me", name="getUsersMe")
@authed
def users_me(state: SandboxState, request: Request, match: re.Match[str], user: XUser) -> Response:
    return Response.json(
        200, {"data": {"id": user.id, "name": user.name, "username": user.username}}
    )


@api.add("POST", r"/2/tweets", name="createPosts")
@authed
def create_post(
    state: SandboxState, request: Request, match: re.Match[str], user: XUser
) -> Response:
    body = request.json_body
    if request.content_type != "application/json" or not isinstance(body, dict):
        return invalid("Request body must be a JSON object sent as application/json.")
    if errors := rules.check_create_post(body):
        return invalid(*errors)
    text: str = body.get("text", "")
    media_ids: list[str] = body.get("media", {}).get("media_ids", [])
    media, error = _x_media.owned_media(state, user, media_ids)
    if error is not None:
        return error
    reply_to = body.get("reply", {}).get("in_reply_to_tweet_id")
    if reply_to is not None and state.get_post(SLUG, reply_to) is None:
        return problem(
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
        return problem(
            403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
        )
    data = _post_json(post, fields=set())
    return Response.json(201, {"data": data})


@api.add("DELETE", r"/2/tweets/(?P<id>[^/]+)", name="deletePosts")
@authed
def delete_post(
    state: SandboxState, request: Request, match: re.Match[str], user: XUser
) -> Response:
    post_id = match["id"]
    if not rules.is_numeric_id(post_id):
        return invalid(
            f"The `id` query parameter value [{post_id}] is not valid", parameters={"id": [post_id]}
        )
    if not state.remove_post(SLUG, post_id, only_if=lambda p: p["author_id"] == user.id):
        return _not_found_post(post_id)
    return Response.json(200, {"data": {"deleted": True}})


@api.add("GET", r"/2/users/(?P<id>[^/]+)/tweets", name="getUsersPosts")
@authed
def user_posts(
    state: SandboxState, request: Request, match: re.Match[str], user: XUser
) -> Response:
    if refused := undeclared(request.query, rules.TIMELINE_PARAMETERS):
        return refused
    query, errors = rules.parse_timeline_query(match["id"], request.query)
    if errors:
        return invalid(*errors)
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
        response = problem(429, "Too Many Requests")
        response.headers.update({"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
        return response
    if fault.kind == "server_error":
        return problem(503, "Service Unavailable")
    if fault.kind == "expired_token":
        return problem(401, "Unauthorized")
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
    return problem(404, "Not Found")


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
