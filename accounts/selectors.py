"""Reads for tenants and connected accounts, always scoped by store."""

from __future__ import annotations

from typing import Any

from accounts.models import SocialAccount, Store


def connected_accounts(*, store: Store) -> dict[str, SocialAccount]:
    """The store's live account per platform (connected or needing reconnect)."""
    accounts = SocialAccount.objects.filter(store=store).exclude(
        status=SocialAccount.Status.DISCONNECTED
    )
    return {account.platform: account for account in accounts}


def account_item(account: SocialAccount) -> dict[str, Any]:
    """A connected account as the API and webhooks show it; never a token."""
    return {
        "platform": account.platform,
        "account_id": account.platform_account_id,
        "handle": account.handle,
        "status": account.status,
        "status_reason": account.status_reason or None,
        "token_expires_at": (
            account.token_expires_at.isoformat() if account.token_expires_at else None
        ),
    }


def social_accounts_list(
    *, store: Store, include_disconnected: bool = False
) -> list[SocialAccount]:
    """The store's accounts by platform, then newest first; live ones only unless asked."""
    accounts = SocialAccount.objects.filter(store=store)
    if not include_disconnected:
        accounts = accounts.exclude(status=SocialAccount.Status.DISCONNECTED)
    return list(accounts.order_by("platform", "-connected_at", "-pk"))


def social_account_get(*, store: Store, account_id: int) -> SocialAccount | None:
    return SocialAccount.objects.filter(store=store, pk=account_id).first()


def account_detail(account: SocialAccount) -> dict[str, Any]:
    """An account as the accounts API lists it: the webhook item plus its own id, when it
    was connected and (Instagram) through which login. Never a token."""
    return {
        "id": account.pk,
        **account_item(account),
        "login_kind": (account.login_kind or "facebook")
        if account.platform == "instagram"
        else None,
        "connected_at": account.connected_at.isoformat(),
    }
