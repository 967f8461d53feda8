"""Connecting accounts end to end: social-connect, the sandbox's consent page in a
"browser" (requests), our callback on a live server, the store's redirect_url; then a
publish with the new account against the sandbox."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ConnectState, SocialAccount, Store
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


def _publish_one(api: APIClient, store: Store, platform: str, sandbox: SandboxServer) -> PostTarget:
    body: dict[str, Any] = {"platforms": [platform], "wait": False}
    if platform in ("youtube", "tiktok"):
        video = f"{sandbox.base_url}/_sandbox/media/clip.mp4"
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


def test_deny_lands_with_an_error_and_stores_nothing(
    api: APIClient, store: Store, connect_ready: str
) -> None:
    started = start_connect(api, store, "x")
    landed = authorize(started["auth_url"], decision="deny")
    assert landed.startswith(REDIRECT_URL.split("?")[0])
    assert outcome(landed) == {
        "tab": "accounts",
        "status": "error",
        "platform": "x",
        "error": "access_denied",
    }
    assert not SocialAccount.objects.exists()
