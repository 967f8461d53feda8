"""Threads' OAuth in the sandbox, added to the Threads platform's routes (PLATFORMS.md 5.1).

- ``GET|POST /threads-web/oauth/authorize``  threads.net's consent page (``_meta_oauth``);
- ``POST /threads/oauth/access_token``        code → short-lived token ``{access_token, user_id}``;
- ``GET /threads/access_token?grant_type=th_exchange_token``  short → long-lived;
- ``GET /threads/refresh_access_token?grant_type=th_refresh_token``  long → a new long-lived.

Each is also served under a version (``/threads/v1.0/...``). Issued tokens are
``sbx.threads.<username>~<granted scopes>!<nonce>``, which every Threads endpoint accepts.
"""

from __future__ import annotations

import re

from publishing.sandbox import _meta_oauth as oauth
from publishing.sandbox import threads
from publishing.sandbox.core import Request, Response, SandboxState

PLATFORM = "threads"
_V = r"(?:/v[0-9]+\.[0-9]+)?"
DENIED = {
    "error": "access_denied",
    "error_reason": "user_denied",
    "error_description": "Permissions error",
}


@threads.web.add("GET", r"/oauth/authorize/?", name="authorize")
def authorize(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    return oauth.authorize_page(state, request, platform=PLATFORM, app="Threads")


@threads.web.add("POST", r"/oauth/authorize/?", name="authorizeDecision")
def decide(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    return oauth.decide(state, request, platform=PLATFORM, grant={}, deny=DENIED)


@threads.api.add("POST", _V + r"/oauth/access_token", name="exchangeCode")
def access_token(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    given = oauth.params(request)
    if given.get("grant_type") != "authorization_code":
        return oauth.graph.invalid("grant_type must be authorization_code")
    grant = oauth.redeem(state, platform=PLATFORM, given=given)
    if isinstance(grant, Response):
        return grant
    base = threads.sandbox_token(grant["username"]) + oauth.scope_suffix(grant["scopes"])
    token, _ = oauth.issue(state, base, kind=oauth.SHORT, grant=grant)
    user_id = int(threads.sandbox_user_id(grant["username"]))
    return Response.json(200, {"access_token": token, "user_id": user_id})


@threads.api.add("GET", _V + r"/access_token", name="exchangeLongLived")
def long_lived(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    given = oauth.params(request)
    if given.get("grant_type") != "th_exchange_token" or not given.get("client_secret"):
        return oauth.graph.invalid("grant_type=th_exchange_token and client_secret are required")
    return _reissue(
        state, given.get("access_token", ""), kind=oauth.SHORT, secret=given["client_secret"]
    )


@threads.api.add("GET", _V + r"/refresh_access_token", name="refreshAccessToken")
def refresh(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    given = oauth.params(request)
    if given.get("grant_type") != "th_refresh_token":
        return oauth.graph.invalid("grant_type must be th_refresh_token")
    return _reissue(state, given.get("access_token", ""), kind=oauth.LONG)


def _reissue(state: SandboxState, token: str, *, kind: str, secret: str | None = None) -> Response:
    grant = oauth.token_grant(state, token, platform=PLATFORM, kind=kind, client_secret=secret)
    if isinstance(grant, Response):
        return grant
    new_token, ttl = oauth.issue(state, token.partition("!")[0], kind=oauth.LONG, grant=grant)
    return oauth.long_lived_answer(new_token, ttl)
