"""Facebook Login in the sandbox, added to the Facebook platform's routes (PLATFORMS.md 1.2,
2.1): the user token lists the Pages the user manages, each with its own Page token.

- ``GET|POST /facebook-web/v25.0/dialog/oauth``  www.facebook.com's dialog; besides the
  username, the form says which Pages the user manages (comma-separated names);
- ``GET /facebook/v25.0/oauth/access_token``     code → short-lived user token, or with
  ``grant_type=fb_exchange_token`` → long-lived;
- ``GET /facebook/v25.0/me?fields=id,name``       the user (app-scoped id);
- ``GET /facebook/v25.0/me/accounts?fields=id,name,access_token,tasks``  the Pages.

User tokens are ``sbx.facebook-user.<username>!<nonce>`` (no Page endpoint accepts them); Page
tokens are ``sbx.facebook.<page name>``, which ``facebook.py`` accepts for that Page.
"""

from __future__ import annotations

import re

from publishing.sandbox import _meta_oauth as oauth
from publishing.sandbox import facebook
from publishing.sandbox.core import Request, Response, SandboxState

PLATFORM = "facebook"
_V = r"(?:/v[0-9]+\.[0-9]+)?"
PAGE_NAME_RE = re.compile(r"[A-Za-z0-9._]{1,50}")
DEFAULT_PAGES = "sandbox_shop,sandbox_outlet"
PAGE_TASKS = ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"]
DENIED = {
    "error": "access_denied",
    "error_code": "200",
    "error_description": "Permissions error",
    "error_reason": "user_denied",
}


@facebook.web.add("GET", _V + r"/dialog/oauth/?", name="dialog")
def dialog(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    fields = [("pages", "Pages you manage (comma-separated)", DEFAULT_PAGES)]
    return oauth.authorize_page(state, request, platform=PLATFORM, app="Facebook", fields=fields)


@facebook.web.add("POST", _V + r"/dialog/oauth/?", name="dialogDecision")
def decide(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    names = [n.strip() for n in oauth.params(request).get("pages", "").split(",") if n.strip()]
    if not all(PAGE_NAME_RE.fullmatch(name) for name in names):
        return oauth.redirect_error_page("Page names: letters, digits, dots and underscores.")
    return oauth.decide(state, request, platform=PLATFORM, grant={"pages": names}, deny=DENIED)


@facebook.api.add("GET", _V + r"/oauth/access_token", name="accessToken")
def access_token(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    given = oauth.params(request)
    if given.get("grant_type") == "fb_exchange_token":
        if not (given.get("client_id") and given.get("client_secret")):
            return oauth.graph.invalid("client_id and client_secret are required")
        token = given.get("fb_exchange_token", "")
        grant = oauth.token_grant(
            state, token, platform=PLATFORM, kind=oauth.SHORT, client_secret=given["client_secret"]
        )
        if isinstance(grant, Response):
            return grant
        new_token, ttl = oauth.issue(state, token.partition("!")[0], kind=oauth.LONG, grant=grant)
        return oauth.long_lived_answer(new_token, ttl)
    grant = oauth.redeem(state, platform=PLATFORM, given=given)
    if isinstance(grant, Response):
        return grant
    base = f"sbx.facebook-user.{grant['username']}"
    token, ttl = oauth.issue(state, base, kind=oauth.SHORT, grant=grant)
    return Response.json(200, {"access_token": token, "token_type": "bearer", "expires_in": ttl})


@facebook.api.add("GET", _V + r"/me/?", name="me")
def me(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    grant = oauth.token_grant(
        state, oauth.params(request).get("access_token", ""), platform=PLATFORM
    )
    if isinstance(grant, Response):
        return grant
    username = grant["username"]
    return Response.json(200, {"id": oauth.app_scoped_id("facebook", username), "name": username})


@facebook.api.add("GET", _V + r"/me/accounts/?", name="meAccounts")
def accounts(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    """Every Page the user manages, each with its Page token and the user's tasks on it."""
    grant = oauth.token_grant(
        state, oauth.params(request).get("access_token", ""), platform=PLATFORM
    )
    if isinstance(grant, Response):
        return grant
    pages = [
        {
            "id": facebook.sandbox_page_id(name),
            "name": name,
            "access_token": facebook.sandbox_token(name),
            "category": "Shopping & retail",
            "tasks": PAGE_TASKS,
        }
        for name in grant["pages"]
    ]
    return Response.json(200, {"data": pages, "paging": {"cursors": {"before": "0", "after": "0"}}})
