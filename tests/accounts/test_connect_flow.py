"""Connecting accounts end to end: social-connect, the sandbox's consent page in a
"browser" (requests), our callback on a live server, the store's redirect_url; then a
publish with the new account against the sandbox."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ConnectState, Membership, SocialAccount, Store
from accounts.oauth.backends import ConnectError
from accounts.oauth.browser import browser_key
from accounts.oauth.flow import connect_start
from publishing.models import PostTarget, TargetStatus
from publishing.sandbox import tiktok as tiktok_sandbox
from publishing.sandbox import youtube as youtube_sandbox
from publishing.sandbox.core import SandboxServer
from publishing.sandbox.x import sandbox_user_id
from publishing.services.pipeline import target_publish
from tests.support.api import publish
from tests.support.connect import REDIRECT_URL, authorize, outcome, start_connect

pytestmark = pytest.mark.django_db(transaction=True)

EXPECTED_ACCOUNT_IDS = {
    "x": sandbox_user_id,
    "youtube": youtube_sandbox.sandbox_channel_id,
    "tiktok": tiktok_sandbox.sandbox_open_id,
}

AUTHORIZE_PATHS = {
    "x": "/x-web/i/oauth2/authorize",
    "youtube": "/youtube-web/o/oauth2/v2/auth",
    "tiktok": "/tiktok-web/v2/auth/authorize/",
}


def _publish_one(api: APIClient, store: Store, platform: str, sandbox: SandboxServer) -> PostTarget:
    body: dict[str, Any] = {"platforms": [platform], "wait": False}
    if platform in ("youtube", "tiktok"):
        video = f"{sandbox.base_url}/_sandbox/media/clip.mp4?bytes=1000"
        body["content"] = {
            "text": "فستان صيفي جديد",
            "media": [{"type": "video", "url": video}],
            "link": None,
        }
    answer = publish(api, store, **body)
    target = PostTarget.objects.get(post_id=answer["post_id"])
    target_publish(target_id=target.pk)
    target.refresh_from_db()
    return target


def test_x_connect_approve_lands_connected_and_publishes(
    api: APIClient, store: Store, connect_ready: str, sandbox: SandboxServer
) -> None:
    started = start_connect(api, store, "x")
    auth = urlsplit(started["auth_url"])
    assert (
        f"{auth.scheme}://{auth.netloc}{auth.path}"
        == f"{sandbox.base_url}/x-web/i/oauth2/authorize"
    )
    params = {k: v[0] for k, v in parse_qs(auth.query).items()}
    assert params["state"] == started["state"]
    assert params["redirect_uri"] == f"{connect_ready}/connect/x/callback"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert "offline.access" in params["scope"].split() and "tweet.write" in params["scope"]

    landed = authorize(started["auth_url"], username="shop_x")

    assert landed.startswith("https://shop.example/admin/social/callback?")
    assert outcome(landed) == {
        "tab": "accounts",
        "status": "connected",
        "platform": "x",
        "account": sandbox_user_id("shop_x"),
        "handle": "shop_x",
    }
    account = SocialAccount.objects.get(store=store, platform="x")
    assert account.status == "connected" and account.handle == "shop_x"
    assert account.access_token.startswith("sbxo.x.") and account.refresh_token
    assert account.token_expires_at is not None and account.token_expires_at > timezone.now()
    assert ConnectState.objects.get().used_at is not None

    target = _publish_one(api, store, "x", sandbox)
    assert target.status == TargetStatus.PUBLISHED, target.error_message
    [tweet] = sandbox.state.posts("x")
    assert tweet["author_id"] == sandbox_user_id("shop_x")


@pytest.mark.parametrize("platform", ["x", "youtube", "tiktok"])
def test_approve_connects_and_the_new_account_publishes(
    api: APIClient, store: Store, connect_ready: str, sandbox: SandboxServer, settings: Any,
    platform: str,
) -> None:  # fmt: skip
    settings.TIKTOK_STATUS_POLL_SECONDS = 0
    started = start_connect(api, store, platform)
    assert started["auth_url"].startswith(sandbox.base_url + AUTHORIZE_PATHS[platform] + "?")

    landed = authorize(started["auth_url"], username="shop_one")

    assert outcome(landed) == {
        "tab": "accounts",
        "status": "connected",
        "platform": platform,
        "account": EXPECTED_ACCOUNT_IDS[platform]("shop_one"),
        "handle": "shop_one",
    }
    account = SocialAccount.objects.get(store=store, platform=platform)
    assert account.access_token.startswith(f"sbxo.{platform}.")
    assert account.refresh_token.startswith(f"sbxr.{platform}.")
    target = _publish_one(api, store, platform, sandbox)
    assert target.status == TargetStatus.PUBLISHED, target.error_message
    assert len(sandbox.state.posts(platform)) == 1


@pytest.mark.parametrize("platform", ["x", "youtube", "tiktok"])
def test_an_account_connected_here_is_revoked_at_the_platform_on_disconnect(
    api: APIClient, store: Store, connect_ready: str, sandbox: SandboxServer, settings: Any,
    platform: str,
) -> None:  # fmt: skip
    authorize(start_connect(api, store, platform)["auth_url"], username="shop_one")
    account = SocialAccount.objects.get(store=store, platform=platform)
    access, refresh = account.access_token, account.refresh_token
    assert sandbox.state.oauth.grant_for(platform, access) is not None and refresh

    response = api.delete(f"/functions/v1/social-accounts/{account.pk}")

    assert response.status_code == 200, response.json()
    assert response.json()["revocation"]["status"] == "revoked", response.json()
    # Revoking either token ends the whole grant, as at the platforms.
    assert sandbox.state.oauth.grant_for(platform, access) is None
    client_id = settings.SANDBOX_OAUTH_CLIENT_ID
    assert sandbox.state.oauth.refresh(platform, client_id, refresh, rotate=False) is None


@pytest.mark.parametrize("platform", ["x", "youtube", "tiktok"])
def test_deny_lands_with_an_error_and_stores_nothing(
    api: APIClient, store: Store, connect_ready: str, platform: str
) -> None:
    started = start_connect(api, store, platform)
    landed = authorize(started["auth_url"], decision="deny")
    assert landed.startswith(REDIRECT_URL.split("?")[0])
    assert outcome(landed) == {
        "tab": "accounts",
        "status": "error",
        "platform": platform,
        "error": "access_denied",
    }
    assert not SocialAccount.objects.exists()


def test_youtube_asks_for_offline_access_and_tiktok_for_its_client_key(
    api: APIClient, store: Store, connect_ready: str, settings: Any
) -> None:
    youtube = {
        k: v[0]
        for k, v in parse_qs(
            urlsplit(start_connect(api, store, "youtube")["auth_url"]).query
        ).items()
    }
    assert (youtube["access_type"], youtube["prompt"]) == ("offline", "consent")
    assert youtube["client_id"] == settings.SANDBOX_OAUTH_CLIENT_ID
    assert "https://www.googleapis.com/auth/youtube.upload" in youtube["scope"].split()
    assert youtube["code_challenge_method"] == "S256"
    tiktok = {
        k: v[0]
        for k, v in parse_qs(
            urlsplit(start_connect(api, store, "tiktok")["auth_url"]).query
        ).items()
    }
    assert "client_id" not in tiktok and tiktok["client_key"] == settings.SANDBOX_OAUTH_CLIENT_ID
    assert tiktok["scope"] == "user.info.basic,video.publish"
    assert tiktok["redirect_uri"] == f"{connect_ready}/connect/tiktok/callback"


def test_reconnecting_the_same_account_updates_it_and_another_replaces_it(
    api: APIClient, store: Store, connect_ready: str
) -> None:
    authorize(start_connect(api, store, "x")["auth_url"], username="shop_a")
    first = SocialAccount.objects.get()
    old_token = first.access_token
    SocialAccount.objects.filter(pk=first.pk).update(
        status="needs_reconnect", status_reason="revoked"
    )

    authorize(start_connect(api, store, "x")["auth_url"], username="shop_a")
    again = SocialAccount.objects.get()
    assert again.pk == first.pk
    assert (again.status, again.status_reason) == ("connected", "")
    assert again.access_token != old_token

    landed = authorize(start_connect(api, store, "x")["auth_url"], username="shop_b")
    assert outcome(landed)["handle"] == "shop_b"
    accounts = {a.handle: a for a in SocialAccount.objects.all()}
    assert accounts["shop_a"].status == "disconnected" and accounts["shop_a"].access_token == ""
    assert accounts["shop_b"].status == "connected"


def test_the_dashboard_starts_the_same_flow_for_a_member_returning_to_its_own_pages(
    store: Store, connect_ready: str, django_user_model: Any
) -> None:
    member = django_user_model.objects.create_user("merchant", password="x")
    stranger = django_user_model.objects.create_user("stranger", password="x")
    Membership.objects.create(store=store, user=member)
    back = f"{connect_ready}/dashboard/accounts"

    with pytest.raises(ConnectError) as refused:
        connect_start(store=store, platform="x", redirect_url=back, user_id=stranger.pk)
    assert refused.value.code == "forbidden"
    with pytest.raises(ConnectError) as off_origin:
        connect_start(store=store, platform="x", redirect_url=back)  # the API: store origins only
    assert off_origin.value.code == "redirect_url_not_allowed"

    # The dashboard binds its flows to the merchant's session, which the browser brings back.
    session = SessionStore()
    key = browser_key(session)
    session.create()
    with pytest.raises(ConnectError) as unbound:
        connect_start(store=store, platform="x", redirect_url=back, user_id=member.pk)
    assert unbound.value.code == "forbidden"

    started = connect_start(
        store=store, platform="x", redirect_url=back, user_id=member.pk, browser_key=key
    )
    cookies = {settings.SESSION_COOKIE_NAME: str(session.session_key)}
    landed = authorize(started.auth_url, stop_origin=back, cookies=cookies)
    assert outcome(landed)["status"] == "connected"
    assert ConnectState.objects.get().initiated_by_id == member.pk
