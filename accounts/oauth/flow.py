"""Connecting an account: ``connect_start`` makes the auth_url, ``connect_finish`` handles
the platform's redirect back to our callback.

The storefront's server calls start (over the API) and sends the merchant's browser to
auth_url; the dashboard calls the same function for a logged-in merchant, bound to that
browser (accounts/oauth/browser.py). The callback finds the flow again by the state the
platform echoes, and sends the browser to the flow's redirect_url with the outcome in the
query. Connecting an account never logs anyone in.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import transaction
from social_core.exceptions import AuthCanceled, SocialAuthBaseException

from accounts.models import ConnectState, Membership, SocialAccount, Store
from accounts.oauth.backends import ConnectBackend, ConnectError, Identity, backend_for
from accounts.oauth.choice import choice_create, choice_take
from accounts.oauth.origins import redirect_url_origin
from accounts.oauth.state import StateRefused, new_state, state_consume, state_create
from accounts.services import social_account_connect

logger = logging.getLogger(__name__)

# A platform's own error code is passed on to redirect_url only if it looks like one.
_ERROR_CODE_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


@dataclass(frozen=True)
class ConnectStart:
    auth_url: str
    state: str


@dataclass(frozen=True)
class Chooser:
    """Several accounts were granted (a Facebook user's Pages): the page that asks which.
    ``secret`` goes into its form; only that form can pick (``connect_chosen``)."""

    platform: str
    secret: str
    identities: list[Identity]


@dataclass(frozen=True)
class ConnectOutcome:
    """Where to send the browser (None: nowhere safe, answer an error page; or the chooser
    page to show), and what happened: the connected account, or an error code."""

    redirect_to: str | None
    account: SocialAccount | None = None
    error: str = ""
    chooser: Chooser | None = None


def redirect_url_check(*, store: Store, redirect_url: str, own_origin_ok: bool = False) -> None:
    """ConnectError unless redirect_url is on an origin the store allows (or, for flows
    the dashboard starts, on this service's own origin, PUBLIC_BASE_URL)."""
    try:
        origin = redirect_url_origin(redirect_url)
    except ValueError as exc:
        raise ConnectError("invalid_redirect_url", f"redirect_url {exc}.") from None
    if own_origin_ok and origin == redirect_url_origin(settings.PUBLIC_BASE_URL):
        return
    if not store.allowed_origins.filter(origin=origin).exists():
        raise ConnectError(
            "redirect_url_not_allowed",
            f"redirect_url must be on one of the store's allowed origins; {origin} is not.",
        )


def connect_start(
    *,
    store: Store,
    platform: str,
    redirect_url: str,
    user_id: int | None = None,
    browser_key: str = "",
) -> ConnectStart:
    """Begin connecting ``platform`` to ``store``; raises ConnectError (nothing written).

    The storefront's API calls this with no user; the dashboard passes the logged-in
    merchant's ``user_id``, who must be a member of the store, and the ``browser_key`` of
    their session, so that only their browser can finish the flow; it may return the
    browser to a page of its own."""
    if user_id is not None and not browser_key:
        raise ConnectError("forbidden", "A dashboard connect must be bound to its browser.")
    if user_id is not None and not Membership.objects.filter(store=store, user_id=user_id).exists():
        raise ConnectError("forbidden", "You are not a member of this store.")
    backend = backend_for(platform)
    if not backend.configured():
        raise ConnectError(
            "platform_not_configured", f"{platform} has no app credentials configured."
        )
    redirect_url_check(store=store, redirect_url=redirect_url, own_origin_ok=user_id is not None)
    state = new_state()
    auth_url, verifier = backend.authorize(state)
    state_create(
        state=state,
        store=store,
        platform=platform,
        redirect_url=redirect_url,
        code_verifier=verifier,
        user_id=user_id,
        browser_key=browser_key,
    )
    return ConnectStart(auth_url=auth_url, state=state)


def outcome_url(redirect_url: str, params: dict[str, str]) -> str:
    """redirect_url with ``params`` added to its query (its own query kept)."""
    parts = urlsplit(redirect_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _error_url(redirect_url: str, platform: str, code: str) -> str:
    return outcome_url(redirect_url, {"status": "error", "platform": platform, "error": code})


def connect_finish(
    *, platform: str, query: dict[str, str], browser_key: str = ""
) -> ConnectOutcome:
    """Handle the platform's redirect to our callback (its query string in ``query``;
    ``browser_key`` from the session of the browser that brought it)."""
    try:
        flow = state_consume(
            state=query.get("state", ""), platform=platform, browser_key=browser_key
        )
    except StateRefused as refused:
        logger.warning("connect callback refused: %s", refused.code, extra={"platform": platform})
        if refused.flow is None:
            return ConnectOutcome(redirect_to=None, error=refused.code)
        return ConnectOutcome(
            _error_url(refused.flow.redirect_url, platform, refused.code), error=refused.code
        )

    def failed(code: str) -> ConnectOutcome:
        return ConnectOutcome(_error_url(flow.redirect_url, platform, code), error=code)

    if query.get("error"):
        # The merchant declined, or the platform refused the request.
        raw = query["error"]
        return failed(raw if _ERROR_CODE_RE.fullmatch(raw) else "authorization_failed")
    if not query.get("code"):
        return failed("missing_code")
    backend = backend_for(platform, query)
    try:
        tokens = backend.exchange(query.get("state", ""), flow.code_verifier)
        identities = backend.identities(tokens)
        identity = backend.choose(identities)
        if identity is None and len(identities) > 1:
            secret = choice_create(flow=flow, identities=identities)
            return ConnectOutcome(None, chooser=Chooser(platform, secret, identities))
        identity = _one_identity(backend, identities)
    except ConnectError as exc:
        logger.warning("connect failed: %s", exc.code, extra={"platform": platform})
        return failed(exc.code)
    except AuthCanceled:
        return failed("access_denied")
    except SocialAuthBaseException as exc:
        # social-core's messages name the stage and the platform's error code, never a token.
        logger.warning(
            "connect failed at %s: %s",
            getattr(exc, "stage", "?"),
            getattr(exc, "provider_code", None) or type(exc).__name__,
            extra={"platform": platform},
        )
        return failed(
            "token_exchange_failed" if exc.stage == "token_exchange" else "connect_failed"
        )
    return _connected(flow, platform, identity)


def connect_chosen(
    *, platform: str, secret: str, account_id: str, cancel: bool = False, browser_key: str = ""
) -> ConnectOutcome:
    """The merchant's answer on the chooser page: connect the account they picked."""
    try:
        flow, identities = choice_take(secret=secret, platform=platform, browser_key=browser_key)
    except StateRefused as refused:
        logger.warning("connect choice refused: %s", refused.code, extra={"platform": platform})
        if refused.flow is None:
            return ConnectOutcome(redirect_to=None, error=refused.code)
        return ConnectOutcome(
            _error_url(refused.flow.redirect_url, platform, refused.code), error=refused.code
        )
    identity = next((i for i in identities if i.account_id == account_id), None)
    if cancel or identity is None:
        code = "access_denied" if cancel else "invalid_choice"
        return ConnectOutcome(_error_url(flow.redirect_url, platform, code), error=code)
    return _connected(flow, platform, identity)


def _connected(flow: ConnectState, platform: str, identity: Identity) -> ConnectOutcome:
    with transaction.atomic():
        account = social_account_connect(
            store=flow.store,
            platform=platform,
            platform_account_id=identity.account_id,
            handle=identity.handle,
            access_token=identity.tokens.access_token,
            refresh_token=identity.tokens.refresh_token,
            token_expires_at=identity.tokens.expires_at,
            login_kind=identity.login_kind,
            platform_user_id=identity.user_id,
        )
    logger.info(
        "account connected",
        extra={"platform": platform, "store": str(flow.store_id), "account": account.pk},
    )
    params = {
        "status": "connected",
        "platform": platform,
        "account": account.platform_account_id,
        "handle": account.handle,
    }
    return ConnectOutcome(outcome_url(flow.redirect_url, params), account=account)


def _one_identity(backend: ConnectBackend, identities: list[Identity]) -> Identity:
    chosen = backend.choose(identities)
    if chosen is None:
        raise ConnectError("no_publishable_account", "No account to publish with was granted.")
    return chosen
