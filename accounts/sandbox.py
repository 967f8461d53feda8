"""Accounts on the sandbox platforms, for running the service with no real credentials."""

from __future__ import annotations

from accounts.models import SocialAccount, Store
from accounts.services import social_account_connect
from publishing.sandbox import facebook as facebook_sandbox
from publishing.sandbox import instagram as instagram_sandbox
from publishing.sandbox import threads as threads_sandbox
from publishing.sandbox import tiktok as tiktok_sandbox
from publishing.sandbox import youtube as youtube_sandbox
from publishing.sandbox.x import sandbox_token, sandbox_user_id


def sandbox_accounts_connect(*, store: Store) -> list[SocialAccount]:
    """Connect one sandbox account per platform the sandbox serves."""
    username = f"store_{store.pk.hex[:8]}"
    instagram = social_account_connect(
        store=store,
        platform="instagram",
        platform_account_id=instagram_sandbox.sandbox_user_id(username),
        handle=username,
        access_token=instagram_sandbox.sandbox_token(username),
    )
    # Facebook Login: the connection that can also delete posts (PLATFORMS.md 1.1).
    instagram.login_kind = instagram_sandbox.FACEBOOK_LOGIN
    instagram.save(update_fields=["login_kind"])
    return [
        social_account_connect(
            store=store,
            platform="x",
            platform_account_id=sandbox_user_id(username),
            handle=username,
            access_token=sandbox_token(username),
        ),
        social_account_connect(
            store=store,
            platform="threads",
            platform_account_id=threads_sandbox.sandbox_user_id(username),
            handle=username,
            access_token=threads_sandbox.sandbox_token(username),
        ),
        instagram,
        # A Page: its id, its name as the handle, and the Page token (Meta's Page tokens are
        # what Facebook publishes with, PLATFORMS.md 2.1).
        social_account_connect(
            store=store,
            platform="facebook",
            platform_account_id=facebook_sandbox.sandbox_page_id(username),
            handle=username,
            access_token=facebook_sandbox.sandbox_token(username),
        ),
        # A channel, its token granting delete too (youtube.force-ssl, PLATFORMS.md 6.1).
        social_account_connect(
            store=store,
            platform="youtube",
            platform_account_id=youtube_sandbox.sandbox_channel_id(username),
            handle=username,
            access_token=youtube_sandbox.sandbox_token(username),
        ),
        # A creator offering every privacy level (an audited app's public account).
        social_account_connect(
            store=store,
            platform="tiktok",
            platform_account_id=tiktok_sandbox.sandbox_open_id(username),
            handle=username,
            access_token=tiktok_sandbox.sandbox_token(username),
        ),
    ]
