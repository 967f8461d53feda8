"""Token refresh: ahead of expiry (a beat task) and just before a publish.

X and TikTok rotate refresh tokens: a refresh token works once, and two refreshes racing
with it revoke each other. So a refresh holds the account's row lock (SELECT … FOR UPDATE)
through the platform call, and whoever waited on the lock finds the token already fresh
and does not refresh again. A platform that answers no new refresh token leaves the stored
one in place. A refresh the platform refuses marks the account needs_reconnect.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from social_core.exceptions import AuthCredentialError, SocialAuthBaseException

from accounts.models import SocialAccount
from accounts.oauth.backends import ConnectError, backend_for
from accounts.oauth.state import states_purge
from accounts.services import social_account_mark_needs_reconnect

logger = logging.getLogger(__name__)

# Provider codes that mean our app is misconfigured, not that the merchant's grant is gone:
# every account would be marked for reconnecting by a typo in a client secret.
_CONFIGURATION_CODES = frozenset({"invalid_client", "unauthorized_client"})


class Refresh(StrEnum):
    REFRESHED = "refreshed"
    NOT_NEEDED = "not_needed"  # still valid long enough (perhaps refreshed by another)
    NOT_REFRESHABLE = "not_refreshable"  # no refresh token (e.g. a Page token, no expiry)
    REFUSED = "refused"  # the platform refused: the account needs reconnecting
    FAILED = "failed"  # could not ask (outage, 5xx, 429): try again later


def _expiring(account: SocialAccount, within_seconds: float) -> bool:
    if account.token_expires_at is None:
        return False
    return account.token_expires_at <= timezone.now() + timedelta(seconds=within_seconds)


def _refused(exc: SocialAuthBaseException) -> bool:
    if isinstance(exc, AuthCredentialError):
        return True
    status = getattr(exc, "status_code", None)
    code = getattr(exc, "provider_code", None)
    # X answers a dead refresh token with 400 invalid_request, Google with invalid_grant.
    return status in (400, 401, 403) and code not in _CONFIGURATION_CODES


def account_refresh(*, account_id: int, min_valid_seconds: float) -> Refresh:
    """Refresh the account's token unless it stays valid for ``min_valid_seconds``."""
    with transaction.atomic():
        account = SocialAccount.objects.select_for_update().filter(pk=account_id).first()
        if account is None or account.status != SocialAccount.Status.CONNECTED:
            return Refresh.NOT_NEEDED
        if not _expiring(account, min_valid_seconds):
            return Refresh.NOT_NEEDED
        if not account.refresh_token_encrypted:
            return Refresh.NOT_REFRESHABLE
        try:
            tokens = backend_for(account.platform).refresh(account.refresh_token)
        except ConnectError:
            return Refresh.NOT_REFRESHABLE  # no backend for the platform
        except SocialAuthBaseException as exc:
            code = getattr(exc, "provider_code", None) or type(exc).__name__
            if _refused(exc):
                logger.warning(
                    "token refresh refused", extra={"account": account_id, "code": str(code)}
                )
                social_account_mark_needs_reconnect(
                    account_id=account_id,
                    reason=(
                        f"{account.get_platform_display()} refused to renew access ({code}); "
                        "reconnect the account."
                    ),
                )
                return Refresh.REFUSED
            logger.warning("token refresh failed", extra={"account": account_id, "code": str(code)})
            return Refresh.FAILED
        account.access_token = tokens.access_token
        if tokens.refresh_token:
            account.refresh_token = tokens.refresh_token
        account.token_expires_at = tokens.expires_at
        account.save(
            update_fields=[
                "access_token_encrypted",
                "refresh_token_encrypted",
                "token_expires_at",
                "updated_at",
            ]
        )
    logger.info("token refreshed", extra={"account": account_id})
    return Refresh.REFRESHED


def fresh_account(account: SocialAccount) -> SocialAccount:
    """The account, its token refreshed first if it expires within
    TOKEN_REFRESH_BEFORE_PUBLISH_SECONDS: what a publish builds its Credentials from."""
    margin = settings.TOKEN_REFRESH_BEFORE_PUBLISH_SECONDS
    if not account.refresh_token_encrypted or not _expiring(account, margin):
        return account
    account_refresh(account_id=account.pk, min_valid_seconds=margin)
    account.refresh_from_db()
    return account


def refresh_expiring(*, batch: int = 500) -> dict[str, int]:
    """Refresh every connected account whose token expires within
    TOKEN_REFRESH_AHEAD_SECONDS; forget finished connect flows. Counts by outcome."""
    ahead = settings.TOKEN_REFRESH_AHEAD_SECONDS
    due = (
        SocialAccount.objects.filter(
            status=SocialAccount.Status.CONNECTED,
            token_expires_at__lte=timezone.now() + timedelta(seconds=ahead),
        )
        .exclude(refresh_token_encrypted="")
        .order_by("token_expires_at")
        .values_list("pk", flat=True)[:batch]
    )
    counts: dict[str, int] = {}
    for account_id in list(due):
        outcome = account_refresh(account_id=account_id, min_valid_seconds=ahead)
        counts[outcome] = counts.get(outcome, 0) + 1
    states_purge()
    return counts
