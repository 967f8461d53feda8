"""Meta's three platforms: Facebook Pages, Instagram (two logins) and Threads.

All three use Meta's code flow with the app secret (no PKCE) and Graph-style answers; what
each connects differs (PLATFORMS.md 1.1, 1.2, 2.1, 5.1):

- Facebook: Facebook Login (social-core's ``FacebookOAuth2``, its hosts taken from our
  settings); the short-lived user token becomes a long-lived one, which lists the Pages the
  user manages, each with its own Page token (no expiry). Several Pages: the merchant picks
  one on our chooser page.
- Instagram through Instagram Login (a new backend: social-core's ``instagram.py`` is the
  retired Basic Display API): code → short-lived (api.instagram.com) → long-lived
  (``ig_exchange_token``), refreshed with ``ig_refresh_token``; the account is
  ``/me?fields=user_id,username`` on graph.instagram.com.
- Instagram through Facebook Login: the Facebook user's long-lived token and the Instagram
  professional account linked to their Page; Meta offers no refresh for it (reconnect
  within 60 days). ``INSTAGRAM_LOGIN`` picks the login; the account's ``login_kind`` records
  it, since the API host differs.
- Threads (a new backend): code → short-lived → long-lived (``th_exchange_token``),
  refreshed with ``th_refresh_token``.

Meta renews a long-lived Instagram or Threads token with the token itself, so it is kept as
the refresh credential too: the refresh schedule then treats it like any refresh token.
Each identity records the user id that Meta's deauthorize and data-deletion callbacks name.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, ClassVar

from django.conf import settings
from social_core.backends.facebook import FacebookOAuth2

from accounts.oauth.backends import ConnectBackend, ConnectError, Identity, TokenSet, register

FACEBOOK_LOGIN, INSTAGRAM_LOGIN = "facebook", "instagram"
# The Page task without which a Page token cannot publish (PLATFORMS.md 2.1).
_PUBLISH_TASK = "CREATE_CONTENT"


class MetaGraphMixin:
    """Calls to Meta's Graph API from a backend: GET with the token (and, on Facebook's
    host, ``appsecret_proof``, which an app may be configured to require)."""

    # graph.facebook.com documents appsecret_proof; the Instagram and Threads hosts do not.
    appsecret_proof: ClassVar[bool] = False

    def graph(self: Any, url: str, access_token: str, **params: str) -> dict[str, Any]:
        query = {**params, "access_token": access_token}
        _, secret = self.get_key_and_secret()
        if secret and self.appsecret_proof:
            query["appsecret_proof"] = hmac.new(
                secret.encode(), access_token.encode(), hashlib.sha256
            ).hexdigest()
        data = self.get_json(url, params=query, stage="user_info")
        if not isinstance(data, dict):
            raise ConnectError("identity_not_found", "Meta answered something unexpected.")
        return data

    def token_get(
        self: Any, url: str, params: dict[str, str], *, stage: str = "token_exchange"
    ) -> dict[str, Any]:
        """A token endpoint Meta documents as GET (Facebook Login's, the long-lived
        exchanges, the refreshes)."""
        return dict(self.request_access_token(url, method="GET", params=params, stage=stage))


# --- Facebook Pages -------------------------------------------------------------------


@register
class FacebookConnect(MetaGraphMixin, ConnectBackend, FacebookOAuth2[Any]):
    """Facebook Login for a Page: one identity per Page the user can publish to (several:
    the flow's chooser page asks which)."""

    name = "facebook"
    platform = "facebook"
    client_id_setting = "FACEBOOK_CLIENT_ID"
    client_secret_setting = "FACEBOOK_CLIENT_SECRET"
    authorize_url_setting = "FACEBOOK_AUTHORIZE_URL"
    scopes_setting = "FACEBOOK_OAUTH_SCOPES"
    graph_setting: ClassVar[str] = "FACEBOOK_GRAPH_BASE_URL"
    appsecret_proof = True

    def graph_url(self) -> str:
        return str(getattr(settings, self.graph_setting))

    def access_token_url(self) -> str:
        return f"{self.graph_url()}/oauth/access_token"

    def exchange(self, state: str, code_verifier: str) -> TokenSet:
        """Code → short-lived user token → long-lived user token (about 60 days), from
        which Page tokens never expire."""
        short = self.token_get(self.access_token_url(), self.auth_complete_params(state))
        key, secret = self.get_key_and_secret()
        long = self.token_get(
            self.access_token_url(),
            {
                "grant_type": "fb_exchange_token",
                "client_id": key,
                "client_secret": secret,
                "fb_exchange_token": self.get_access_token(short),
            },
        )
        self.get_access_token(long)
        return TokenSet.from_response(long)

    def auth_complete_params(self, state: str | None = None) -> dict[str, str]:
        key, secret = self.get_key_and_secret()
        return {
            "client_id": key,
            "client_secret": secret,
            "redirect_uri": self.get_redirect_uri(state),
            "code": str(self.data.get("code", "")),
        }

    def user(self, tokens: TokenSet) -> dict[str, Any]:
        me = self.graph(f"{self.graph_url()}/me", tokens.access_token, fields="id,name")
        if not me.get("id"):
            raise ConnectError("identity_not_found", "Facebook did not say which user this is.")
        return me

    def identities(self, tokens: TokenSet) -> list[Identity]:
        me = self.user(tokens)
        pages = self.graph(
            f"{self.graph_url()}/me/accounts",
            tokens.access_token,
            fields="id,name,access_token,tasks",
            limit="100",
        ).get("data")
        found = [
            Identity(
                account_id=str(page["id"]),
                handle=str(page.get("name", "")),
                # A Page token from a long-lived user token has no expiry date.
                tokens=TokenSet(access_token=str(page["access_token"])),
                label=str(page.get("name", "")),
                user_id=str(me["id"]),
            )
            for page in pages or []
            if isinstance(page, dict)
            and page.get("id")
            and page.get("access_token")
            and _PUBLISH_TASK in (page.get("tasks") or [_PUBLISH_TASK])
        ]
        if not found:
            raise ConnectError(
                "no_publishable_account",
                "The Facebook user manages no Page they can publish to, or did not grant one.",
            )
        return found


class LongLivedTokenMixin:
    """Instagram Login and Threads: the code gives a short-lived token, exchanged at once for a
    long-lived one (``{prefix}_exchange_token``), which is renewed before it lapses
    (``{prefix}_refresh_token``) and so is also kept as the refresh credential."""

    token_base_setting: ClassVar[str]  # the host of access_token and refresh_access_token
    grant_prefix: ClassVar[str]  # "ig" or "th"

    def _token_base(self) -> str:
        return str(getattr(settings, self.token_base_setting))

    def exchange(self: Any, state: str, code_verifier: str) -> TokenSet:
        answer = self.request_access_token(
            self.access_token_url(),
            method="POST",
            data=self.auth_complete_params(state),
            headers=self.auth_headers(),
        )
        # Instagram's current docs wrap the short-lived answer in ``data``; older ones and
        # Threads answer it flat.
        wrapped = answer.get("data")
        short = wrapped[0] if isinstance(wrapped, list) and wrapped else answer
        _, secret = self.get_key_and_secret()
        long = self.token_get(
            f"{self._token_base()}/access_token",
            {
                "grant_type": f"{self.grant_prefix}_exchange_token",
                "client_secret": secret,
                "access_token": self.get_access_token(short),
            },
        )
        return _renewable(long, user_id=str(short.get("user_id", "")))

    def refresh(self: Any, refresh_token: str) -> TokenSet:
        return long_lived_refresh(self, self._token_base(), self.grant_prefix, refresh_token)


def long_lived_refresh(backend: Any, base: str, grant_prefix: str, refresh_token: str) -> TokenSet:
    answer = backend.token_get(
        f"{base}/refresh_access_token",
        {"grant_type": f"{grant_prefix}_refresh_token", "access_token": refresh_token},
        stage="refresh",
    )
    return _renewable(answer)


# --- Instagram ------------------------------------------------------------------------


@register
class InstagramConnect(LongLivedTokenMixin, MetaGraphMixin, ConnectBackend):
    """Instagram through Instagram Login ("Business Login for Instagram"). Only these accounts
    keep a refresh credential, whichever login is set now."""

    name = "instagram"
    platform = "instagram"
    client_id_setting = "INSTAGRAM_CLIENT_ID"
    client_secret_setting = "INSTAGRAM_CLIENT_SECRET"
    authorize_url_setting = "INSTAGRAM_AUTHORIZE_URL"
    scopes_setting = "INSTAGRAM_OAUTH_SCOPES"
    token_base_setting = "INSTAGRAM_IG_TOKEN_BASE_URL"
    grant_prefix = "ig"
    SCOPE_SEPARATOR = ","
    login_kind: ClassVar[str] = INSTAGRAM_LOGIN

    @classmethod
    def variant(cls) -> type[ConnectBackend]:
        return InstagramFacebookConnect if settings.INSTAGRAM_LOGIN == FACEBOOK_LOGIN else cls

    def access_token_url(self) -> str:
        return str(settings.INSTAGRAM_TOKEN_URL)

    def identities(self, tokens: TokenSet) -> list[Identity]:
        me = self.graph(
            f"{settings.INSTAGRAM_IG_BASE_URL}/me", tokens.access_token, fields="user_id,username"
        )
        account_id = str(me.get("user_id") or "")
        if not account_id:
            raise ConnectError("identity_not_found", "Instagram did not say which account this is.")
        return [
            Identity(
                account_id=account_id,
                handle=str(me.get("username", "")),
                tokens=tokens,
                login_kind=INSTAGRAM_LOGIN,
                user_id=str(tokens.extra.get("user_id") or me.get("id") or ""),
            )
        ]


class InstagramFacebookConnect(FacebookConnect):
    """Instagram through Facebook Login: the professional account linked to a Page the
    Facebook user manages, published to with the user's long-lived token."""

    name = "instagram-facebook"
    platform = "instagram"
    # The Meta app's id and secret, in Instagram's settings (see settings.INSTAGRAM_LOGIN).
    client_id_setting = "INSTAGRAM_CLIENT_ID"
    client_secret_setting = "INSTAGRAM_CLIENT_SECRET"
    authorize_url_setting = "INSTAGRAM_FACEBOOK_AUTHORIZE_URL"
    scopes_setting = "INSTAGRAM_FACEBOOK_OAUTH_SCOPES"
    graph_setting = "INSTAGRAM_GRAPH_BASE_URL"

    def refresh(self, refresh_token: str) -> TokenSet:
        # An account connected earlier through Instagram Login keeps its refresh credential.
        return long_lived_refresh(self, settings.INSTAGRAM_IG_TOKEN_BASE_URL, "ig", refresh_token)

    def identities(self, tokens: TokenSet) -> list[Identity]:
        me = self.user(tokens)
        pages = self.graph(
            f"{self.graph_url()}/me/accounts",
            tokens.access_token,
            fields="id,name,instagram_business_account{id,username}",
            limit="100",
        ).get("data")
        found = []
        for page in pages or []:
            linked = page.get("instagram_business_account") if isinstance(page, dict) else None
            if isinstance(linked, dict) and linked.get("id"):
                found.append(
                    Identity(
                        account_id=str(linked["id"]),
                        handle=str(linked.get("username", "")),
                        tokens=tokens,
                        login_kind=FACEBOOK_LOGIN,
                        label=f"{linked.get('username', '')} ({page.get('name', '')})",
                        user_id=str(me["id"]),
                    )
                )
        if not found:
            raise ConnectError(
                "no_publishable_account",
                "No Instagram professional account is linked to a Page this user manages.",
            )
        return found


# --- Threads --------------------------------------------------------------------------


@register
class ThreadsConnect(LongLivedTokenMixin, MetaGraphMixin, ConnectBackend):
    name = "threads"
    platform = "threads"
    client_id_setting = "THREADS_CLIENT_ID"
    client_secret_setting = "THREADS_CLIENT_SECRET"
    authorize_url_setting = "THREADS_AUTHORIZE_URL"
    scopes_setting = "THREADS_OAUTH_SCOPES"
    token_base_setting = "THREADS_OAUTH_BASE_URL"
    grant_prefix = "th"
    SCOPE_SEPARATOR = ","

    def access_token_url(self) -> str:
        return f"{settings.THREADS_OAUTH_BASE_URL}/oauth/access_token"

    def identities(self, tokens: TokenSet) -> list[Identity]:
        me = self.graph(
            f"{settings.THREADS_API_BASE_URL}/me", tokens.access_token, fields="id,username"
        )
        if not me.get("id"):
            raise ConnectError("identity_not_found", "Threads did not say which profile this is.")
        return [
            Identity(
                account_id=str(me["id"]),
                handle=str(me.get("username", "")),
                tokens=tokens,
                user_id=str(me["id"]),
            )
        ]


def _renewable(answer: dict[str, Any], *, user_id: str = "") -> TokenSet:
    """A long-lived Instagram or Threads token, which is also what renews it."""
    tokens = TokenSet.from_response(answer)
    extra = {**tokens.extra, "user_id": user_id} if user_id else tokens.extra
    return TokenSet(
        access_token=tokens.access_token,
        refresh_token=tokens.access_token,
        expires_at=tokens.expires_at,
        scope=tokens.scope,
        extra=extra,
    )
