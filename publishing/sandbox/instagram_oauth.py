"""Instagram's two logins in the sandbox, added to the Instagram platform's routes
(PLATFORMS.md 1.1, 1.2). A path segment stands for each host, as in ``instagram.py``.

Instagram Login (token ``sbx.instagram-ig.<username>~<scopes>!<nonce>``):
- ``GET|POST /instagram-web/oauth/authorize``             www.instagram.com's consent page;
- ``POST /instagram/api/oauth/access_token``               api.instagram.com: code → short-lived,
  ``{"data": [{access_token, user_id, permissions}]}`` (user_id app-scoped);
- ``GET /instagram/ig/access_token?grant_type=ig_exchange_token``   → long-lived;
- ``GET /instagram/ig/refresh_access_token?grant_type=ig_refresh_token``;
- ``GET /instagram/ig/v25.0/me?fields=user_id,username``  (served by ``instagram.py``).

Facebook Login (token ``sbx.instagram.<username>~<scopes>!<nonce>``, the Facebook user who
manages the Page ``<username>_page`` that the Instagram account ``<username>`` is linked to):
- ``GET|POST /instagram-web/fb/v25.0/dialog/oauth``       www.facebook.com's dialog;
- ``GET /instagram/fb/v25.0/oauth/access_token``           code → short-lived, or with
  ``grant_type=fb_exchange_token`` → long-lived;
- ``GET /instagram/fb/v25.0/me?fields=id,name`` and
  ``GET /instagram/fb/v25.0/me/accounts?fields=id,name,instagram_business_account{id,username}``.
"""

from __future__ import annotations

import re
from typing import Any

from publishing.sandbox import _meta_oauth as oauth
from publishing.sandbox import instagram
from publishing.sandbox._facebook_rules import page_id
from publishing.sandbox.core import Request, Response, SandboxState

IG_LOGIN, FB_LOGIN = "instagram-ig", "instagram-fb"
_V = r"(?:/v[0-9]+\.[0-9]+)?"
IG_DENIED = {
    "error": "access_denied",
    "error_reason": "user_denied",
    "error_description": "The user denied your request.",
}
FB_DENIED = {
    "error": "access_denied",
    "error_code": "200",
    "error_description": "Permissions error",
    "error_reason": "user_denied",
}


# --- Instagram Login ------------------------------------------------------------------


@instagram.web.add("GET", r"/oauth/authorize/?", name="authorize")
def authorize(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    return oauth.authorize_page(state, request, platform=IG_LOGIN, app="Instagram")


@instagram.web.add("POST", r"/oauth/authorize/?", name="authorizeDecision")
def decide(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    # Instagram appends "#_" to the redirect; browsers keep fragments off the wire.
    return oauth.decide(state, request, platform=IG_LOGIN, grant={}, deny=IG_DENIED, fragment="#_")


@instagram.api.add("POST", r"/api/oauth/access_token", name="exchangeCode")
def access_token(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    given = oauth.params(request)
    if given.get("grant_type") != "authorization_code":
        return oauth.graph.invalid("grant_type must be authorization_code")
    grant = oauth.redeem(state, platform=IG_LOGIN, given=given)
    if isinstance(grant, Response):
        return grant
    base = instagram.sandbox_token(grant["username"], login=instagram.INSTAGRAM_LOGIN)
    token, _ = oauth.issue(
        state, base + oauth.scope_suffix(grant["scopes"]), kind=oauth.SHORT, grant=grant
    )
    answer = {
        "access_token": token,
        "user_id": oauth.app_scoped_id("instagram", grant["username"]),
        "permissions": ",".join(grant["scopes"]),
    }
    return Response.json(200, {"data": [answer]})


@instagram.api.add("GET", r"/ig" + _V + r"/access_token", name="exchangeLongLived")
def long_lived(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    given = oauth.params(request)
    if given.get("grant_type") != "ig_exchange_token" or not given.get("client_secret"):
        return oauth.graph.invalid("grant_type=ig_exchange_token and client_secret are required")
    token = given.get("access_token", "")
    return _reissue(state, token, IG_LOGIN, kind=oauth.SHORT, secret=given["client_secret"])


@instagram.api.add("GET", r"/ig" + _V + r"/refresh_access_token", name="refreshAccessToken")
def refresh(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    given = oauth.params(request)
    if given.get("grant_type") != "ig_refresh_token":
        return oauth.graph.invalid("grant_type must be ig_refresh_token")
    return _reissue(state, given.get("access_token", ""), IG_LOGIN, kind=oauth.LONG)


def _reissue(
    state: SandboxState, token: str, platform: str, *, kind: str, secret: str | None = None
) -> Response:
    grant = oauth.token_grant(state, token, platform=platform, kind=kind, client_secret=secret)
    if isinstance(grant, Response):
        return grant
    new_token, ttl = oauth.issue(state, token.partition("!")[0], kind=oauth.LONG, grant=grant)
    return oauth.long_lived_answer(new_token, ttl)


# --- Facebook Login -------------------------------------------------------------------


@instagram.web.add("GET", r"/fb" + _V + r"/dialog/oauth/?", name="facebookDialog")
def facebook_dialog(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    return oauth.authorize_page(state, request, platform=FB_LOGIN, app="Facebook (Instagram)")


@instagram.web.add("POST", r"/fb" + _V + r"/dialog/oauth/?", name="facebookDialogDecision")
def facebook_decide(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    return oauth.decide(state, request, platform=FB_LOGIN, grant={}, deny=FB_DENIED)


@instagram.api.add("GET", r"/fb" + _V + r"/oauth/access_token", name="facebookToken")
def facebook_token(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    given = oauth.params(request)
    if given.get("grant_type") == "fb_exchange_token":
        if not (given.get("client_id") and given.get("client_secret")):
            return oauth.graph.invalid("client_id and client_secret are required")
        token = given.get("fb_exchange_token", "")
        return _reissue(state, token, FB_LOGIN, kind=oauth.SHORT, secret=given["client_secret"])
    grant = oauth.redeem(state, platform=FB_LOGIN, given=given)
    if isinstance(grant, Response):
        return grant
    base = instagram.sandbox_token(grant["username"], login=instagram.FACEBOOK_LOGIN)
    token, ttl = oauth.issue(
        state, base + oauth.scope_suffix(grant["scopes"]), kind=oauth.SHORT, grant=grant
    )
    return Response.json(200, {"access_token": token, "token_type": "bearer", "expires_in": ttl})


def _facebook_user(state: SandboxState, request: Request) -> dict[str, Any] | Response:
    token = oauth.params(request).get("access_token", "")
    return oauth.token_grant(state, token, platform=FB_LOGIN)


@instagram.api.add("GET", r"/fb" + _V + r"/me/?", name="facebookMe")
def facebook_me(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    grant = _facebook_user(state, request)
    if isinstance(grant, Response):
        return grant
    username = grant["username"]
    return Response.json(200, {"id": oauth.app_scoped_id("facebook", username), "name": username})


@instagram.api.add("GET", r"/fb" + _V + r"/me/accounts/?", name="facebookAccounts")
def facebook_accounts(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    """The user's one Page, with the Instagram account linked to it."""
    grant = _facebook_user(state, request)
    if isinstance(grant, Response):
        return grant
    username = grant["username"]
    page = {
        "id": page_id(f"{username}_page"),
        "name": f"{username}_page",
        "instagram_business_account": {
            "id": instagram.sandbox_user_id(username),
            "username": username,
        },
    }
    return Response.json(
        200, {"data": [page], "paging": {"cursors": {"before": "0", "after": "0"}}}
    )
