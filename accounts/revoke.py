"""Revoking a connection's tokens at its platform, where the platform offers it.

One function per platform, all through the publishing clients' HTTP seam (timeouts, no
retries). A revocation is best effort: the caller has already forgotten the tokens, so a
platform that is down or slow costs the merchant nothing but the confirmation.

What each platform offers (PLATFORMS.md OAuth sections, Meta's Graph API reference):

- X: ``POST /2/oauth2/revoke`` (``token``, ``token_type_hint``), the refresh token first so
  no new access token can be minted, then the access token.
- YouTube: Google's ``POST https://oauth2.googleapis.com/revoke`` with the refresh token
  (Google then revokes the access tokens minted from it too), or the access token when no
  refresh token was issued.
- TikTok: ``POST /v2/oauth/revoke/`` (``client_key``, ``client_secret``, ``token``) with the
  access token; it disconnects the app from the creator's account.
- Instagram through Facebook Login: ``DELETE /me/permissions`` with the Facebook user token
  de-authorizes the app for that Facebook user: for every Page and Instagram account that user
  granted it, which is why the caller skips it while the store keeps a Facebook Page connected.
- Facebook Pages: not offered. The connection holds a Page token, and ``/{user-id}/permissions``
  takes only a user token or the app token with the user's id, neither of which it keeps.
- Instagram Login and Threads: no revocation endpoint is documented; the merchant removes the
  app in the platform's own settings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import requests
from django.conf import settings

from publishing.platforms.base import RetryableError
from publishing.platforms.http import Http

logger = logging.getLogger(__name__)

REVOKED = "revoked"
NOT_OFFERED = "not_offered"
SKIPPED = "skipped"  # offered, but revoking would cut off another connection too
UNCONFIRMED = "unconfirmed"
NO_TOKEN = "no_token"


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str = ""
    login_kind: str = ""


@dataclass(frozen=True)
class Revocation:
    status: str  # REVOKED, NOT_OFFERED, SKIPPED, UNCONFIRMED or NO_TOKEN
    message: str

    def as_json(self) -> dict[str, str]:
        return {"status": self.status, "message": self.message}


class _Refused(Exception):
    """The platform answered, but not with a success."""


def _check(response: requests.Response) -> None:
    if not 200 <= response.status_code < 300:
        raise _Refused(f"HTTP {response.status_code}")


def _client(platform: str) -> tuple[str, str]:
    """The app's id and secret as the connect flow uses them (the sandbox's app when the
    platform has no credentials of its own)."""
    from accounts.oauth.backends import backend_for  # the backends import the services

    found = backend_for(platform).connect_settings()
    return found["KEY"], found["SECRET"]


def _x(http: Http, tokens: Tokens) -> Revocation:
    # Confidential clients authenticate with Basic auth; public clients name themselves.
    client_id, secret = _client("x")
    auth = (client_id, secret) if secret else None
    client = {} if secret else {"client_id": client_id}
    pairs = ((tokens.refresh_token, "refresh_token"), (tokens.access_token, "access_token"))
    for token, hint in pairs:
        if token:
            _check(
                http.request(
                    "POST",
                    f"{settings.X_API_BASE_URL}/2/oauth2/revoke",
                    data={"token": token, "token_type_hint": hint, **client},
                    auth=auth,
                )
            )
    return Revocation(REVOKED, "X revoked the tokens.")


def _youtube(http: Http, tokens: Tokens) -> Revocation:
    token = tokens.refresh_token or tokens.access_token
    _check(http.request("POST", f"{settings.YOUTUBE_OAUTH_BASE_URL}/revoke", data={"token": token}))
    return Revocation(REVOKED, "Google revoked the YouTube access.")


def _tiktok(http: Http, tokens: Tokens) -> Revocation:
    if not tokens.access_token:
        return Revocation(UNCONFIRMED, "TikTok revokes an access token, and none was stored.")
    client_key, client_secret = _client("tiktok")
    data = {"client_key": client_key, "client_secret": client_secret, "token": tokens.access_token}
    _check(http.request("POST", f"{settings.TIKTOK_API_BASE_URL}/v2/oauth/revoke/", data=data))
    return Revocation(REVOKED, "TikTok revoked the access token.")


def _instagram(http: Http, tokens: Tokens) -> Revocation:
    if tokens.login_kind == "instagram":
        return Revocation(
            NOT_OFFERED,
            "Instagram Login offers no way to revoke a token; remove the app in Instagram's "
            "settings to end its access.",
        )
    url = f"{settings.INSTAGRAM_GRAPH_BASE_URL}/me/permissions"
    _check(http.request("DELETE", url, params={"access_token": tokens.access_token}))
    return Revocation(REVOKED, "Facebook removed the app's permissions.")


def _facebook(http: Http, tokens: Tokens) -> Revocation:
    return Revocation(
        NOT_OFFERED,
        "A Page token cannot revoke the app's permissions; remove the app in Facebook's "
        "settings to end its access.",
    )


def _threads(http: Http, tokens: Tokens) -> Revocation:
    return Revocation(
        NOT_OFFERED,
        "Threads offers no way to revoke a token; remove the app in Threads' settings to "
        "end its access.",
    )


_REVOKERS: dict[str, Callable[[Http, Tokens], Revocation]] = {
    "x": _x,
    "youtube": _youtube,
    "tiktok": _tiktok,
    "instagram": _instagram,
    "facebook": _facebook,
    "threads": _threads,
}


def token_revoke(*, platform: str, tokens: Tokens, http: Http | None = None) -> Revocation:
    """Revoke ``tokens`` at ``platform``. Never raises for the platform's sake: a refusal,
    a 5xx or a timeout comes back as UNCONFIRMED."""
    if not tokens.access_token and not tokens.refresh_token:
        return Revocation(NO_TOKEN, "No token was stored, so there was nothing to revoke.")
    http = http or Http(timeout=settings.ACCOUNT_REVOKE_TIMEOUT_SECONDS)
    try:
        return _REVOKERS[platform](http, tokens)
    except (RetryableError, _Refused) as exc:
        reason = exc.platform_message if isinstance(exc, RetryableError) else str(exc)
        logger.warning("token revocation unconfirmed", extra={"platform": platform, "why": reason})
        return Revocation(
            UNCONFIRMED,
            f"The platform did not confirm the revocation ({reason}); the tokens are deleted "
            "here, and the app can also be removed in the platform's settings.",
        )
