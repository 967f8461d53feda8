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
