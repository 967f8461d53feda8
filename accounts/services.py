"""Writes for tenants, keys and connected accounts."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiKey, Platform, SocialAccount, Store

API_KEY_PREFIX = "mk_"


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def store_create(*, name: str, timezone_name: str = "Asia/Riyadh") -> Store:
    store = Store(name=name, timezone=timezone_name)
    store.full_clean()
    store.save()
    return store


def api_key_create(*, store: Store, name: str = "default") -> tuple[ApiKey, str]:
    """Create a key and return it with its raw value, which is never stored or shown again."""
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        store=store, name=name, prefix=raw_key[:10], hashed_key=hash_api_key(raw_key)
    )
    return api_key, raw_key


def api_key_revoke(*, api_key: ApiKey) -> None:
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_key_authenticate(*, raw_key: str) -> ApiKey | None:
    if not raw_key.startswith(API_KEY_PREFIX):
        return None
    api_key = (
        ApiKey.objects.select_related("store")
        .filter(hashed_key=hash_api_key(raw_key), revoked_at__isnull=True)
        .first()
    )
    if api_key is None:
        return None
    now = timezone.now()
    # Written at most once a minute so a busy key doesn't turn every request into a write.
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key


@transaction.atomic
def social_account_connect(
    *,
    store: Store,
    platform: str,
    platform_account_id: str,
    handle: str,
    access_token: str,
    refresh_token: str = "",
) -> SocialAccount:
    """Connect (or reconnect) the store's account on a platform, replacing any earlier one."""
    SocialAccount.objects.select_for_update().filter(store=store, platform=platform).exclude(
        status=SocialAccount.Status.DISCONNECTED
    ).update(
        status=SocialAccount.Status.DISCONNECTED,
        access_token_encrypted="",
        refresh_token_encrypted="",
    )
    account = SocialAccount(
        store=store,
        platform=Platform(platform),
        platform_account_id=platform_account_id,
        handle=handle,
    )
    account.access_token = access_token
    account.refresh_token = refresh_token
    account.save()
    return account


def _account_event(account_id: int, type: str) -> None:
    from accounts.selectors import account_item
    from webhooks.services.events import event_emit  # webhooks build on accounts

    account = SocialAccount.objects.get(pk=account_id)
    event_emit(store=account.store_id, type=type, data=account_item(account))


@transaction.atomic
def social_account_mark_needs_reconnect(*, account_id: int, reason: str) -> None:
    """The platform refused the account's token: the merchant must reconnect it."""
    changed = SocialAccount.objects.filter(
        pk=account_id, status=SocialAccount.Status.CONNECTED
    ).update(status=SocialAccount.Status.NEEDS_RECONNECT, status_reason=reason[:500])
    if changed:
        _account_event(account_id, "account.needs_reconnect")


@transaction.atomic
def social_account_disconnect(*, account: SocialAccount, reason: str = "") -> None:
    """Forget the account's tokens; its history (posts, targets) stays."""
    changed = (
        SocialAccount.objects.filter(pk=account.pk)
        .exclude(status=SocialAccount.Status.DISCONNECTED)
        .update(
            status=SocialAccount.Status.DISCONNECTED,
            status_reason=reason[:500],
            access_token_encrypted="",
            refresh_token_encrypted="",
        )
    )
    if changed:
        _account_event(account.pk, "account.disconnected")
