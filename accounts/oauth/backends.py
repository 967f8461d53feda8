"""One social-core backend subclass per platform, and the registry the flow looks them up in.

social-core brings the OAuth 2 mechanics (authorize parameters, PKCE, the code exchange,
refresh, error classification); these subclasses bring what it lacks or gets wrong for
publishing: URLs from our settings (sandbox or real, see settings.py), the scopes that
publishing needs, X's Basic-auth refresh, TikTok's ``client_key``, Google's offline access,
and ``identities``: how a token becomes the publishable accounts it grants.

A new platform is a subclass decorated with ``@register``; see ``ConnectBackend``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.utils import timezone
from requests.auth import HTTPBasicAuth
from social_core.backends.google import GoogleOAuth2
from social_core.backends.oauth import BaseOAuth2, BaseOAuth2PKCE
from social_core.backends.twitter_oauth2 import TwitterOAuth2
from social_core.utils import url_add_parameters

from accounts.oauth.strategy import ConnectStrategy


class ConnectError(Exception):
    """A connect flow cannot go on; ``code`` goes into the redirect's ``error=``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None
    scope: str = ""
    # The rest of the platform's token answer (TikTok's open_id, …), for ``identities``.
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_response(cls, data: dict[str, Any]) -> TokenSet:
        expires_in = data.get("expires_in")
        expires_at = None
        if isinstance(expires_in, int | float | str) and str(expires_in).isdigit():
            expires_at = timezone.now() + timedelta(seconds=int(expires_in))
        scope = data.get("scope")
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=str(data.get("refresh_token") or ""),
            expires_at=expires_at,
            scope=scope if isinstance(scope, str) else "",
            extra={
                k: v
                for k, v in data.items()
                if k not in {"access_token", "refresh_token", "id_token"}
            },
        )

    def __str__(self) -> str:  # never a token in a log line or a traceback
        return f"TokenSet(expires_at={self.expires_at}, scope={self.scope!r})"

    __repr__ = __str__


@dataclass(frozen=True)
class Identity:
    """A publishable account that an authorization grants: what the store connects.

    ``tokens`` are the ones to publish with: usually the user's, but a Facebook Page
    publishes with its own Page token."""

    account_id: str
    handle: str
    tokens: TokenSet
    login_kind: str = ""
    label: str = ""  # how a choice page names it, when there are several
    # The platform user who granted it, when that is not the account itself (a Page's
    # admin): the user Meta's deauthorize and data-deletion callbacks name.
    user_id: str = ""

    def __repr__(self) -> str:
        return f"Identity(account_id={self.account_id!r}, handle={self.handle!r})"


class ConnectBackend(BaseOAuth2[Any]):
    """What every platform backend provides on top of social-core.

    Subclasses set ``platform`` and the names of their settings, and implement
    ``access_token_url`` and ``identities``. Override ``auth_params`` /
    ``auth_complete_params`` / ``refresh_token_params`` where the platform's parameter
    names differ, and ``refresh_token_auth`` where refresh takes Basic auth."""

    platform: ClassVar[str]
    client_id_setting: ClassVar[str]
    client_secret_setting: ClassVar[str]
    authorize_url_setting: ClassVar[str]
    scopes_setting: ClassVar[str]
    # Whether the platform rotates refresh tokens: documentation for readers and tests;
    # every refresh keeps whatever refresh token comes back, and the old one otherwise.
    rotates_refresh_tokens: ClassVar[bool] = False
    extra_authorize_arguments: ClassVar[dict[str, str]] = {}

    def __init__(self, strategy: ConnectStrategy) -> None:
        super().__init__(strategy, redirect_uri=callback_url(self.platform))

    # --- Configuration -------------------------------------------------------------

    @classmethod
    def variant(cls) -> type[ConnectBackend]:
        """The class that connects the platform under the current settings: itself, unless
        the platform offers several logins (Instagram)."""
        return cls

    @classmethod
    def uses_sandbox(cls) -> bool:
        return not getattr(settings, cls.client_id_setting)

    @classmethod
    def configured(cls) -> bool:
        """Real credentials, or the sandbox to stand in for the platform."""
        return not cls.uses_sandbox() or bool(settings.SANDBOX_URL)

    def connect_settings(self) -> dict[str, Any]:
        if self.uses_sandbox():
            key, secret = settings.SANDBOX_OAUTH_CLIENT_ID, settings.SANDBOX_OAUTH_CLIENT_SECRET
        else:
            key = getattr(settings, self.client_id_setting)
            secret = getattr(settings, self.client_secret_setting)
        # Joined with the platform's SCOPE_SEPARATOR (TikTok's is a comma).
        scopes = getattr(settings, self.scopes_setting).replace(",", " ").split()
        return {
            "KEY": key,
            "SECRET": secret,
            "SCOPE": scopes,
            "IGNORE_DEFAULT_SCOPE": True,
            "AUTH_EXTRA_ARGUMENTS": dict(self.extra_authorize_arguments),
            "REQUESTS_TIMEOUT": settings.PLATFORM_HTTP_TIMEOUT,
            "PKCE_CODE_CHALLENGE_METHOD": "S256",
            # RFC 7636 asks for 43 to 128 characters.
            "PKCE_CODE_VERIFIER_LENGTH": 64,
        }

    def setting(self, name: str, default: Any = None) -> Any:
        return self.connect_settings().get(name, default)

    def authorization_url(self) -> str:
        return str(getattr(settings, self.authorize_url_setting))

    def access_token_url(self) -> str:
        raise NotImplementedError

    # Our callback URL is static (TikTok even requires it): the state travels as `state`.
    REDIRECT_STATE = False

    # --- The two legs of the flow ----------------------------------------------------

    def authorize(self, state: str) -> tuple[str, str]:
        """The URL to send the browser to, and the PKCE verifier to keep ("" without PKCE).

        social-core's ``auth_url`` would make its own state in a session; ours comes from
        the ConnectState row, so the transaction social-core expects is seeded here."""
        key = self.transaction_key(state)
        self.strategy.session_set(key, {"state": state, "timestamp": int(time.time())})
        params = self.auth_params(state)
        params.update(self.get_scope_argument())
        params.update(self.auth_extra_arguments())
        verifier = self.strategy.session_get(key, {}).get("code_verifier", "")
        return url_add_parameters(self.authorization_url(), params, True), str(verifier)

    def exchange(self, state: str, code_verifier: str) -> TokenSet:
        """Trade the callback's code (in the request data) for tokens."""
        self._oauth2_transaction = {"state": state, "code_verifier": code_verifier}
        params = self.auth_complete_params(state)
        response = self.request_access_token(
            self.access_token_url(),
            data=params,
            headers=self.auth_headers(),
            auth=self.auth_complete_credentials(),
            method="POST",
        )
        self.get_access_token(response)  # a clear error when the answer has none
        return TokenSet.from_response(response)

    # --- What a connection is ------------------------------------------------------

    def identities(self, tokens: TokenSet) -> list[Identity]:
        """The publishable accounts these tokens grant (at least one, or ConnectError)."""
        raise NotImplementedError

    def choose(self, identities: list[Identity]) -> Identity | None:
        """Which identity to connect. One user, one channel, one creator: that one.
        A platform whose authorization grants several (Facebook Pages) overrides this."""
        return identities[0] if len(identities) == 1 else None

    def refresh(self, refresh_token: str) -> TokenSet:
        return TokenSet.from_response(self.refresh_token(refresh_token))

    def bearer(self, access_token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {access_token}"}


_REGISTRY: dict[str, type[ConnectBackend]] = {}


_B = TypeVar("_B", bound=type[ConnectBackend])


def register(backend: _B) -> _B:
    _REGISTRY[backend.platform] = backend
    return backend


def supported_platforms() -> list[str]:
    return sorted(_REGISTRY)


def backend_for(platform: str, request_data: dict[str, Any] | None = None) -> ConnectBackend:
    """A backend for one request (social-core backends hold per-request state)."""
    try:
        backend_class = _REGISTRY[platform]
    except KeyError:
        raise ConnectError(
            "platform_not_supported", f"Connecting {platform} is not supported."
        ) from None
    return backend_class.variant()(ConnectStrategy(request_data))


def callback_url(platform: str) -> str:
    """The redirect URI registered with the platform's app."""
    return f"{settings.PUBLIC_BASE_URL}/connect/{platform}/callback"


# --- X --------------------------------------------------------------------------------


@register
class XConnect(ConnectBackend, TwitterOAuth2[Any]):
    """X: OAuth 2.0 with PKCE (mandatory), ``offline.access`` for a refresh token
    (PLATFORMS.md 3.1). social-core's backend sends ``s256`` and a 32-character
    verifier, and refreshes without Basic auth; fixed here."""

    name = "x"
    platform = "x"
    client_id_setting = "X_CLIENT_ID"
    client_secret_setting = "X_CLIENT_SECRET"
    authorize_url_setting = "X_AUTHORIZE_URL"
    scopes_setting = "X_OAUTH_SCOPES"
    rotates_refresh_tokens = True

    def access_token_url(self) -> str:
        return f"{settings.X_API_BASE_URL}/2/oauth2/token"

    def refresh_token_params(self, token: str, *args: Any, **kwargs: Any) -> dict[str, str]:
        # Confidential clients authenticate with Basic auth, not a secret in the body.
        return {"refresh_token": token, "grant_type": "refresh_token"}

    def refresh_token_auth(self) -> HTTPBasicAuth:
        key, secret = self.get_key_and_secret()
        return HTTPBasicAuth(key, secret)

    def user_data(self, access_token: str, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        response = self.get_json(
            f"{settings.X_API_BASE_URL}/2/users/me", headers=self.bearer(access_token)
        )
        data = response.get("data")
        return data if isinstance(data, dict) else None

    def identities(self, tokens: TokenSet) -> list[Identity]:
        user = self.user_data(tokens.access_token)
        if not user or not user.get("id"):
            raise ConnectError("identity_not_found", "X did not say which user this is.")
        return [Identity(str(user["id"]), str(user.get("username", "")), tokens)]


# --- YouTube ----------------------------------------------------------------------------


@register
class YouTubeConnect(ConnectBackend, BaseOAuth2PKCE[Any], GoogleOAuth2[Any]):
    """YouTube: Google OAuth with ``access_type=offline`` (and ``prompt=consent``, so a
    reconnect gets a refresh token again), PKCE, and the channel from
    ``channels?mine=true`` (PLATFORMS.md 6.1). social-core's Google backend asks for the
    user's e-mail and profile, which publishing does not need; the channel is asked instead.
    Google's refresh tokens do not rotate: a refresh answers none, and the stored one stays."""

    name = "youtube"
    platform = "youtube"
    client_id_setting = "YOUTUBE_CLIENT_ID"
    client_secret_setting = "YOUTUBE_CLIENT_SECRET"
    authorize_url_setting = "YOUTUBE_AUTHORIZE_URL"
    scopes_setting = "YOUTUBE_OAUTH_SCOPES"
    extra_authorize_arguments: ClassVar[dict[str, str]] = {
        "access_type": "offline",
        "prompt": "consent",
        "include_granted_scopes": "true",
    }

    def access_token_url(self) -> str:
        return str(settings.YOUTUBE_TOKEN_URL)

    def user_data(self, access_token: str, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        return self.get_json(
            f"{settings.YOUTUBE_API_BASE_URL}/youtube/v3/channels",
            params={"part": "snippet", "mine": "true"},
            headers=self.bearer(access_token),
        )

    def identities(self, tokens: TokenSet) -> list[Identity]:
        items = (self.user_data(tokens.access_token) or {}).get("items") or []
        if not items:
            raise ConnectError(
                "no_channel", "This Google account has no YouTube channel to publish to."
            )
        found = []
        for item in items:
            snippet = item.get("snippet") or {}
            handle = str(snippet.get("customUrl") or snippet.get("title") or "").lstrip("@")
            found.append(
                Identity(str(item["id"]), handle, tokens, label=str(snippet.get("title", "")))
            )
        return found


# --- TikTok -----------------------------------------------------------------------------


@register
class TikTokConnect(ConnectBackend):
    """TikTok Login Kit v2 (PLATFORMS.md 4.1); social-core has no backend. TikTok names the
    client ``client_key``, separates scopes with commas, sends the creator's ``open_id``
    with the token, and rotates refresh tokens. The creator's username (the handle its
    video URLs use) comes from creator_info, which ``video.publish`` allows."""

    name = "tiktok"
    platform = "tiktok"
    client_id_setting = "TIKTOK_CLIENT_KEY"
    client_secret_setting = "TIKTOK_CLIENT_SECRET"
    authorize_url_setting = "TIKTOK_AUTHORIZE_URL"
    scopes_setting = "TIKTOK_OAUTH_SCOPES"
    rotates_refresh_tokens = True
    SCOPE_SEPARATOR = ","

    def access_token_url(self) -> str:
        return f"{settings.TIKTOK_API_BASE_URL}/v2/oauth/token/"

    def auth_params(self, state: str | None = None) -> dict[str, str]:
        params = super().auth_params(state)
        params["client_key"] = params.pop("client_id")
        return params

    def auth_complete_params(self, state: str | None = None) -> dict[str, str]:
        key, secret = self.get_key_and_secret()
        return {
            "client_key": key,
            "client_secret": secret,
            "code": str(self.data.get("code", "")),
            "grant_type": "authorization_code",
            "redirect_uri": self.get_redirect_uri(state),
        }

    def refresh_token_params(self, token: str, *args: Any, **kwargs: Any) -> dict[str, str]:
        key, secret = self.get_key_and_secret()
        return {
            "client_key": key,
            "client_secret": secret,
            "grant_type": "refresh_token",
            "refresh_token": token,
        }

    def user_data(self, access_token: str, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        answer = self.get_json(
            f"{settings.TIKTOK_API_BASE_URL}/v2/post/publish/creator_info/query/",
            method="POST",
            headers={
                **self.bearer(access_token),
                "Content-Type": "application/json; charset=UTF-8",
            },
            json={},
        )
        error = answer.get("error") or {}
        if error.get("code") not in (None, "ok"):
            raise ConnectError("identity_not_found", "TikTok did not describe the creator.")
        data = answer.get("data")
        return data if isinstance(data, dict) else None

    def identities(self, tokens: TokenSet) -> list[Identity]:
        open_id = tokens.extra.get("open_id")
        creator = self.user_data(tokens.access_token) or {}
        if not open_id or not creator.get("creator_username"):
            raise ConnectError("identity_not_found", "TikTok did not say which creator this is.")
        return [
            Identity(
                str(open_id),
                str(creator["creator_username"]),
                tokens,
                label=str(creator.get("creator_nickname", "")),
            )
        ]


# Meta's platforms live in their own module; importing it registers them.
from accounts.oauth import meta as _meta  # noqa: E402, F401
