"""Meta's OAuth in the sandbox, shared by Facebook Login, Instagram Login and Threads: the
authorize page, single-use codes, and the records behind the tokens they become.

The authorize page is plain HTML that works without JavaScript: one form whose two submit
buttons (``decision=approve`` / ``decision=deny``) post back to the same URL, which redirects
to ``redirect_uri`` with ``code`` and ``state`` (or Meta's ``error=access_denied`` parameters).
The sandbox asks no password: the form's ``username`` field says who approves.

Like the real platforms, the sandbox knows its apps (``state.oauth``, see ``_oauth.py``): an
unknown client or an unregistered redirect_uri gets an error page, never a redirect, and the
exchanges check the app's secret. Both Instagram logins use the Instagram app.

Issued tokens are the platform's ordinary sandbox tokens (so every publish endpoint accepts
them) plus ``!<nonce>``, and the sandbox remembers each one's kind and expiry so the exchange
and refresh endpoints can refuse what Meta refuses. Long-lived tokens live the sandbox's
token lifetime (``state.oauth.token_ttl_s``, not Meta's 60 days) so that refresh runs in a demo.
"""

from __future__ import annotations

import hashlib
import html
import re
import secrets
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode, urlsplit

from publishing.sandbox import _meta as graph
from publishing.sandbox.core import Request, Response, SandboxState

SHORT_LIVED_S = 3600
CODE_TTL_S = 600  # Meta's codes are good for ten minutes
SHORT, LONG = "short", "long"
_RECORDS = "meta-oauth"  # codes and tokens, by id
_SPENT = "meta-oauth-spent"  # codes already exchanged
USERNAME_RE = re.compile(r"[A-Za-z0-9._]{1,30}")
SCOPES_RE = re.compile(r"[a-z_]+(?:[, ][a-z_]+)*")


def params(request: Request) -> dict[str, str]:
    return graph.params(request)


def app_scoped_id(app: str, username: str) -> str:
    """The stable app-scoped user id Meta's ``app`` gives ``username`` (17 digits)."""
    digest = hashlib.sha256(f"sandbox-{app}-user:{username.lower()}".encode()).digest()
    return str(10**16 + int.from_bytes(digest[:8], "big") % (9 * 10**16))


def long_lived_answer(token: str, ttl: int) -> Response:
    return Response.json(200, {"access_token": token, "token_type": "bearer", "expires_in": ttl})


def _page(status: int, title: str, body: str) -> Response:
    return Response.html(
        status,
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
        f"{body}</body></html>",
    )


def redirect_error_page(problem: str) -> Response:
    return _page(400, "Invalid request", f"<p>{html.escape(problem)}</p>")


def _is_redirect_uri(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _app_platform(platform: str) -> str:
    """The app a flow belongs to: both Instagram logins (instagram-ig, instagram-fb) use
    the Instagram app."""
    return platform.partition("-")[0]


def authorize_problem(state: SandboxState, platform: str, given: dict[str, str]) -> str:
    """What is wrong with an authorize request, or ``""``."""
    if not given.get("client_id"):
        return "Missing client_id."
    if not _is_redirect_uri(given.get("redirect_uri", "")):
        return "redirect_uri must be an absolute http(s) URL."
    app = state.oauth.app(_app_platform(platform), given["client_id"])
    if app is None:
        return "Unknown client_id: the app is not registered."
    if given["redirect_uri"] not in app.redirect_uris:
        return "redirect_uri is not registered for this app."
    if given.get("response_type", "code") != "code":
        return "Only response_type=code is supported."
    if given.get("scope") and not SCOPES_RE.fullmatch(given["scope"]):
        return "scope must be a comma-separated list of permissions."
    return ""


def authorize_page(
    state: SandboxState,
    request: Request,
    *,
    platform: str,
    app: str,
    fields: Iterable[tuple[str, str, str]] = (),
) -> Response:
    """The consent page: the request's parameters ride along as hidden inputs; ``fields``
    (name, label, default) add text inputs, e.g. which Pages the user manages."""
    given = params(request)
    if problem := authorize_problem(state, platform, given):
        return _page(400, "Invalid request", f"<p>{html.escape(problem)}</p>")
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in given.items()
        if name in ("client_id", "redirect_uri", "state", "scope", "response_type")
    )
    inputs = "".join(
        f'<p><label>{html.escape(label)} <input type="text" name="{html.escape(name)}" '
        f'value="{html.escape(default)}"></label></p>'
        for name, label, default in (("username", "Username", "sandbox_merchant"), *fields)
    )
    scopes = ", ".join(s for s in re.split(r"[, ]", given.get("scope", "")) if s) or "none"
    return _page(
        200,
        f"Connect to {app}",
        f"<p>The app <b>{html.escape(given['client_id'])}</b> asks for: "
        f"{html.escape(scopes)}.</p>"
        f'<form method="post" action="">{hidden}{inputs}'
        '<button type="submit" name="decision" value="approve">Approve</button> '
        '<button type="submit" name="decision" value="deny">Deny</button></form>',
    )


def _with_query(url: str, query: dict[str, str], fragment: str = "") -> str:
    separator = "&" if urlsplit(url).query else "?"
    return url + separator + urlencode(query) + fragment


def redirect(location: str) -> Response:
    return Response(302, b"", {"location": location})


def decide(
    state: SandboxState,
    request: Request,
    *,
    platform: str,
    grant: dict[str, Any],
    deny: dict[str, str],
    fragment: str = "",
) -> Response:
    """Handle the consent form: a code bound to the client and redirect_uri on approve,
    Meta's error parameters on deny, the caller's ``state`` back either way."""
    form = params(request)
    if problem := authorize_problem(state, platform, form):
        return _page(400, "Invalid request", f"<p>{html.escape(problem)}</p>")
    back = {"state": form["state"]} if "state" in form else {}
    if form.get("decision") != "approve":
        return redirect(_with_query(form["redirect_uri"], {**deny, **back}))
    username = form.get("username", "")
    if not USERNAME_RE.fullmatch(username):
        return _page(400, "Invalid username", "<p>Letters, digits, dots and underscores.</p>")
    code = secrets.token_urlsafe(24)
    scopes = sorted({s for s in re.split(r"[, ]", form.get("scope", "")) if s})
    state.add_media(
        _RECORDS,
        {
            "id": f"code:{code}", "platform": platform, "client_id": form["client_id"],
            "redirect_uri": form["redirect_uri"], "username": username, "scopes": scopes,
            "expires_at": time.time() + CODE_TTL_S, **grant,
        },
    )  # fmt: skip
    return redirect(_with_query(form["redirect_uri"], {"code": code, **back}, fragment))


def redeem(
    state: SandboxState, *, platform: str, given: dict[str, str]
) -> dict[str, Any] | Response:
    """The code's grant, spending the code; or Meta's error for a bad exchange."""
    for name in ("client_id", "client_secret", "redirect_uri", "code"):
        if not given.get(name):
            return graph.invalid(
                f"Missing {name} parameter.", code=101 if name == "client_id" else 100
            )
    record = state.get_media(_RECORDS, f"code:{given['code']}")
    if record is None or record["platform"] != platform:
        return graph.invalid("Invalid verification code format.", subcode=36007)
    if record["redirect_uri"] != given["redirect_uri"]:
        return graph.invalid(
            "Error validating verification code. Please make sure your redirect_uri is "
            "identical to the one you used in the OAuth dialog request",
            subcode=36008,
        )
    if record["client_id"] != given["client_id"]:
        return graph.invalid("Error validating client_id: the code was issued to another app.")
    if not secret_ok(state, record, given["client_secret"]):
        return graph.error(400, "Error validating client secret.", 1)
    if record["expires_at"] < time.time():
        return graph.invalid("This authorization code has expired.", subcode=36007)
    spent = {"id": given["code"]}
    if not state.add_post(_SPENT, spent, reject_if=lambda other: other["id"] == given["code"]):
        return graph.invalid("This authorization code has been used.", subcode=36009)
    return record


def secret_ok(state: SandboxState, grant: dict[str, Any], client_secret: str) -> bool:
    """Whether ``client_secret`` is the secret of the app the grant was made to."""
    app = state.oauth.app(_app_platform(grant["platform"]), grant["client_id"])
    return app is not None and secrets.compare_digest(app.client_secret, client_secret)


def issue(
    state: SandboxState, base_token: str, *, kind: str, grant: dict[str, Any]
) -> tuple[str, int]:
    """A new token for ``base_token``'s user; returns it with its lifetime in seconds."""
    ttl = SHORT_LIVED_S if kind == SHORT else round(state.oauth.token_ttl_s)
    token = f"{base_token}!{secrets.token_urlsafe(12)}"
    state.add_media(
        _RECORDS,
        {**grant, "id": f"token:{token}", "kind": kind, "expires_at": time.time() + ttl},
    )
    return token, ttl


def token_grant(
    state: SandboxState,
    token: str,
    *,
    platform: str,
    kind: str | None = None,
    client_secret: str | None = None,
) -> dict[str, Any] | Response:
    """What an issued token grants, or Meta's error: unknown, expired, the wrong kind, or
    (``client_secret`` given: an exchange) another app's secret."""
    record = state.get_media(_RECORDS, f"token:{token}") if token else None
    if record is None or record["platform"] != platform:
        return graph.error(400, "Invalid OAuth access token - Cannot parse access token", 190)
    if record["expires_at"] < time.time():
        return graph.error(
            400, "Error validating access token: Session has expired.", 190, subcode=463
        )
    if client_secret is not None and not secret_ok(state, record, client_secret):
        return graph.error(400, "Error validating client secret.", 1)
    if kind is not None and record["kind"] != kind:
        wanted = "short-lived" if kind == SHORT else "long-lived"
        return graph.invalid(f"The access token must be a {wanted} token.", code=190)
    return record


def scope_suffix(scopes: list[str]) -> str:
    """The ``~scope,scope`` suffix by which sandbox tokens carry their permissions."""
    return f"~{','.join(scopes)}" if scopes else ""
