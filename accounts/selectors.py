"""Reads for tenants and connected accounts, always scoped by store."""

from __future__ import annotations

from accounts.models import SocialAccount, Store


def connected_accounts(*, store: Store) -> dict[str, SocialAccount]:
    """The store's live account per platform (connected or needing reconnect)."""
    accounts = SocialAccount.objects.filter(store=store).exclude(
        status=SocialAccount.Status.DISCONNECTED
    )
    return {account.platform: account for account in accounts}
