"""OAuth 2.0 in the sandbox, shared by the platform modules: registered apps, the consent
page, authorization codes, and the tokens they become.

Like the real platforms, the sandbox knows its apps (client id, secret, registered
redirect URIs; ``manage.py sandbox`` registers ours from the settings, tests register
theirs): an unknown client or a redirect_uri that is not registered gets an error page,
never a redirect. The consent page is plain HTML, one form, no JavaScript. Access tokens
are opaque (``sbxo.<platform>.<random>``), short-lived (``token_ttl_s``) so refresh
happens in a demo, revocable, and accepted by the platform's API like the fixed
``sbx.<platform>.<username>`` tokens. Refresh tokens rotate on the platforms that rotate.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import re
import secrets
import threading
import time
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode, urlsplit, urlunsplit

from publishing.sandbox._wire import Request, Response

CODE_TTL_S = 600
USERNAME_RE = re.compile(r"[A-Za-z0-9_]{1,15}")


@dataclass(frozen=True)
class OAuthApp:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]


@dataclass(frozen=True)
class Grant:
    """What a token stands for."""

    platform: str
    username: str
    scope: str
    client_id: str
    access_token: str = ""
    refresh_token: str = ""
    expires_at: float = 0.0
    refresh_expires_at: float = 0.0
    code_challenge: str = ""
    code_challenge_method: str = ""
    redirect_uri: str = ""
    # Whether a refresh token comes with the access token (X: offline.access; Google:
    # access_type=offline; TikTok: always).
    offline: bool = False


@dataclass
class OAuthStore:
    """Apps, codes and tokens, behind one lock (handlers run in threads)."""

    token_ttl_s: float = 7200.0
    refresh_ttl_s: float = 180 * 86400.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _apps: dict[tuple[str, str], OAuthApp] = field(default_factory=dict)
    _codes: dict[str, Grant] = field(default_factory=dict)
    _access: dict[str, Grant] = field(default_factory=dict)
    _refresh: dict[str, Grant] = field(default_factory=dict)

    def register_app(self, platform: str, app: OAuthApp) -> None:
        with self._lock:
            self._apps[(platform, app.client_id)] = app

    def app(self, platform: str, client_id: str) -> OAuthApp | None:
        with self._lock:
            return self._apps.get((platform, client_id))

    def new_code(self, grant: Grant) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = replace(grant, expires_at=time.time() + CODE_TTL_S)
        return code

    def take_code(self, platform: str, code: str) -> Grant | None:
        """The code's grant, once; None for an unknown, used or expired code."""
        with self._lock:
            grant = self._codes.pop(code, None)
        if grant is None or grant.platform != platform or grant.expires_at < time.time():
            return None
        return grant

    def issue(self, grant: Grant, *, with_refresh: bool) -> Grant:
        now = time.time()
        issued = replace(
            grant,
            access_token=f"sbxo.{grant.platform}.{secrets.token_urlsafe(24)}",
            refresh_token=(
                f"sbxr.{grant.platform}.{secrets.token_urlsafe(24)}" if with_refresh else ""
            ),
            expires_at=now + self.token_ttl_s,
            refresh_expires_at=now + self.refresh_ttl_s if with_refresh else 0.0,
            code_challenge="",
            code_challenge_method="",
        )
        with self._lock:
            self._access[issued.access_token] = issued
            if issued.refresh_token:
                self._refresh[issued.refresh_token] = issued
        return issued

    def refresh(
        self, platform: str, client_id: str, refresh_token: str, *, rotate: bool
    ) -> Grant | None:
        """A new access token for a live refresh token of this client; with ``rotate``
        the refresh token is spent and a new one issued (X, TikTok); without, it stays
        (Google). None when refused."""
        now = time.time()
        with self._lock:
            grant = self._refresh.get(refresh_token)
            if (
                grant is None
                or grant.platform != platform
                or grant.client_id != client_id
                or grant.refresh_expires_at < now
            ):
                return None
            fresh = replace(
                grant,
                access_token=f"sbxo.{platform}.{secrets.token_urlsafe(24)}",
                expires_at=now + self.token_ttl_s,
            )
            if rotate:
                del self._refresh[refresh_token]
                fresh = replace(fresh, refresh_token=f"sbxr.{platform}.{secrets.token_urlsafe(24)}")
            self._access[fresh.access_token] = fresh
            self._refresh[fresh.refresh_token] = fresh
            return fresh

    def grant_for(self, platform: str, access_token: str) -> Grant | None:
        """The live grant behind an access token (None: unknown, expired or revoked)."""
        with self._lock:
            grant = self._access.get(access_token)
        if grant is None or grant.platform != platform or grant.expires_at < time.time():
            return None
        return grant

    def revoke(self, platform: str, token: str) -> bool:
        """Revoke an access or refresh token and everything issued with it (the grant)."""
        with self._lock:
            grant = self._access.get(token) or self._refresh.get(token)
            if grant is None or grant.platform != platform:
                return False
            for table in (self._access, self._refresh):
                for key in [
                    k
                    for k, g in table.items()
                    if g.username == grant.username
                    and g.client_id == grant.client_id
                    and g.platform == platform
                ]:
                    del table[key]
            return True

    def expire(self, platform: str, access_token: str) -> bool:
        """Make an access token expired now (for tests of refresh before publishing)."""
        with self._lock:
            grant = self._access.get(access_token)
            if grant is None or grant.platform != platform:
                return False
            self._access[access_token] = replace(grant, expires_at=time.time() - 1)
            return True


PLATFORMS = ("instagram", "facebook", "x", "tiktok", "threads", "youtube")


def register_app_everywhere(
    store: OAuthStore, *, client_id: str, client_secret: str, public_base_url: str
) -> None:
    """Register one app on every platform, its redirect URI the service's callback
    (``{public_base_url}/connect/{platform}/callback``)."""
    base = public_base_url.rstrip("/")
    for platform in PLATFORMS:
        uri = f"{base}/connect/{platform}/callback"
        store.register_app(platform, OAuthApp(client_id, client_secret, (uri,)))


# --- Checks shared by the platforms' endpoints --------------------------------------------


def pkce_ok(grant: Grant, verifier: str) -> bool:
    """RFC 7636: the verifier's S256 (or plain) matches the challenge sent to authorize."""
    if not grant.code_challenge:
        return not verifier
    if not re.fullmatch(r"[A-Za-z0-9._~-]{43,128}", verifier or ""):
        return False
    if grant.code_challenge_method == "plain":
        return secrets.compare_digest(verifier, grant.code_challenge)
    digest = hashlib.sha256(verifier.encode()).digest()
    expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return secrets.compare_digest(expected, grant.code_challenge)


def basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def client_authenticated(store: OAuthStore, platform: str, client_id: str, secret: str) -> bool:
    app = store.app(platform, client_id)
    return app is not None and secrets.compare_digest(app.client_secret, secret)


def with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit(parts._replace(query=query))


def redirect(url: str) -> Response:
    return Response(302, b"", {"location": url, "content-type": "text/html; charset=utf-8"})


# --- The consent page -------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorizeRequest:
    """An authorize request, already checked against the registered app."""

    params: dict[str, str]
    client_id: str
    redirect_uri: str
    state: str
    scope: str


def error_page(status: int, title: str, detail: str) -> Response:
    return Response.html(
        status,
        '<!doctype html><html><head><meta charset="utf-8"><title>'
        f"{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(detail)}</p></body></html>",
    )


def check_authorize(
    store: OAuthStore, platform: str, request: Request, *, client_param: str = "client_id"
) -> AuthorizeRequest | Response:
    """The request's parameters (query on GET, form on POST), or an error page for an
    unknown client or an unregistered redirect_uri (no redirect to an unchecked URI)."""
    source = (
        request.form if request.method == "POST" else {k: v[0] for k, v in request.query.items()}
    )
    params = {k: v for k, v in source.items() if k not in ("decision", "username")}
    client_id = params.get(client_param, "")
    app = store.app(platform, client_id)
    if app is None:
        return error_page(
            400, "Something went wrong", f"Unknown {client_param}: the app is not registered."
        )
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in app.redirect_uris:
        return error_page(
            400, "Something went wrong", "redirect_uri is not registered for this app."
        )
    return AuthorizeRequest(
        params, client_id, redirect_uri, params.get("state", ""), params.get("scope", "")
    )


def consent_page(platform_title: str, action: str, checked: AuthorizeRequest) -> Response:
    hidden = "\n".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in checked.params.items()
    )
    scopes = "".join(f"<li>{html.escape(s)}</li>" for s in re.split(r"[ ,]+", checked.scope) if s)
    return Response.html(
        200,
        f"""<!doctype html>
<html><head><meta charset="utf-8">
<title>Authorize app: {html.escape(platform_title)} (sandbox)</title></head>
<body>
<h1>{html.escape(platform_title)} (sandbox)</h1>
<p>The app <code>{html.escape(checked.client_id)}</code> asks to act for your account:</p>
<ul>{scopes}</ul>
<form method="post" action="{html.escape(action)}">
{hidden}
<label>Sandbox account name <input type="text" name="username" value="merchant"
 pattern="[A-Za-z0-9_]{{1,15}}" required></label>
<button type="submit" name="decision" value="approve">Authorize app</button>
<button type="submit" name="decision" value="deny">Cancel</button>
</form>
</body></html>
""",
    )
