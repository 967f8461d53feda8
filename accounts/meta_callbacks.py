"""Meta's required callbacks: deauthorize (the user removed our app) and data deletion (the
user asked Meta to have us delete their data). Both name the user by the app-scoped id that
the app's own secret signed, so each app secret only reaches the accounts that app connected.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.meta_signed_request import SignedRequest, parse_signed_request
from accounts.models import DataDeletionRequest, Platform, SocialAccount
from accounts.services import social_account_disconnect

# Which accounts each Meta app may have connected: the Facebook app, Pages (and Instagram through
# Facebook Login when that is the same Meta app); the Instagram app (INSTAGRAM_CLIENT_ID: the
# Instagram app's, or the Meta app's under INSTAGRAM_LOGIN=facebook), Instagram; the Threads
# app, Threads. The user id narrows it to that user's accounts.
_APP_ACCOUNTS: dict[str, Q] = {
    "facebook": Q(platform=Platform.FACEBOOK)
    | Q(platform=Platform.INSTAGRAM, login_kind="facebook"),
    "instagram": Q(platform=Platform.INSTAGRAM),
    "threads": Q(platform=Platform.THREADS),
}


def meta_app_secrets() -> dict[str, str]:
    return {
        "facebook": settings.FACEBOOK_CLIENT_SECRET,
        "instagram": settings.INSTAGRAM_CLIENT_SECRET,
        "threads": settings.THREADS_CLIENT_SECRET,
    }


def meta_signed_request_verify(signed_request: str) -> SignedRequest:
    """Verify against every configured Meta app secret; raises ``SignedRequestError``."""
    return parse_signed_request(signed_request, meta_app_secrets())


def _accounts_of(signed: SignedRequest) -> list[SocialAccount]:
    if not signed.user_id:
        return []
    app_secrets = meta_app_secrets()
    # One Meta app may serve several products with one secret: all of them are affected.
    apps = [name for name, secret in app_secrets.items() if secret == app_secrets[signed.signed_by]]
    which = Q()
    for app in apps:
        which |= _APP_ACCOUNTS[app]
    return list(SocialAccount.objects.filter(which, platform_user_id=signed.user_id))


def meta_deauthorize(*, signed: SignedRequest) -> int:
    """Disconnect every account the user connected through the app; returns how many."""
    accounts = _accounts_of(signed)
    for account in accounts:
        social_account_disconnect(account=account, reason="Access was removed on the platform.")
    return len(accounts)


@transaction.atomic
def meta_data_deletion_request(*, signed: SignedRequest) -> DataDeletionRequest:
    """Record the request, then delete the user's data at once: disconnect their accounts and
    forget their tokens, handles and user id (post history keeps only the account row)."""
    request = DataDeletionRequest.objects.create(
        confirmation_code=secrets.token_hex(8),
        app=signed.signed_by,
        platform_user_id=signed.user_id,
    )
    accounts = _accounts_of(signed)
    for account in accounts:
        social_account_disconnect(account=account, reason="Data deletion was requested.")
    SocialAccount.objects.filter(pk__in=[a.pk for a in accounts]).update(
        handle="",
        platform_user_id="",
        access_token_encrypted="",
        refresh_token_encrypted="",
        token_expires_at=None,
    )
    request.status = DataDeletionRequest.Status.COMPLETED
    request.accounts_deleted = len(accounts)
    request.completed_at = timezone.now()
    request.save(update_fields=["status", "accounts_deleted", "completed_at"])
    return request
