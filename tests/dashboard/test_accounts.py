"""The dashboard's accounts page: the owner connects through the same OAuth flow as the API
(against the sandbox's consent page, over real HTTP), reconnects and disconnects."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import Membership, SocialAccount, Store
from publishing.sandbox._oauth import register_app_everywhere
from publishing.sandbox.core import SandboxServer
from tests.support.connect import authorize

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ready(live_server: Any, sandbox: SandboxServer, settings: Any) -> str:
    settings.PUBLIC_BASE_URL = live_server.url
    register_app_everywhere(
        sandbox.state.oauth,
        client_id=settings.SANDBOX_OAUTH_CLIENT_ID,
        client_secret=settings.SANDBOX_OAUTH_CLIENT_SECRET,
        public_base_url=live_server.url,
    )
    return str(live_server.url)


def _member(client: Client, store: Store, role: str) -> None:
    user = User.objects.create_user(role, password="pw")
    Membership.objects.create(store=store, user=user, role=role)
    client.login(username=role, password="pw")


def _connect(client: Client, store: Store, base: str, platform: str, decision: str) -> str:
    started = client.post(f"/stores/{store.pk}/accounts/{platform}/connect")
    assert started.status_code == 302
    # The browser that started the flow finishes it: the dashboard session comes along.
    session = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    landed = authorize(
        started["Location"], decision=decision, stop_origin=f"{base}/stores/", cookies=session
    )
    page = client.get(urlsplit(landed).path + "?" + urlsplit(landed).query, follow=True)
    return page.content.decode()


def test_the_owner_connects_then_disconnects(client: Client, store: Store, ready: str) -> None:
    _member(client, store, "owner")
    page = _connect(client, store, ready, "x", "approve")
    assert "X is connected." in page
    account = SocialAccount.objects.get(store=store, platform="x")
    assert (account.handle, account.status) == ("merchant", "connected")
    assert 'data-status="connected"' in page and "@merchant" in page

    gone = client.post(
        f"/stores/{store.pk}/accounts/{account.pk}/disconnect", {"confirmed": "yes"}, follow=True
    )
    assert "X is disconnected." in gone.content.decode()
    account.refresh_from_db()
    assert account.status == "disconnected" and account.access_token == ""


def test_declining_says_so_and_connects_nothing(client: Client, store: Store, ready: str) -> None:
    _member(client, store, "owner")
    page = _connect(client, store, ready, "youtube", "deny")
    assert "Connecting YouTube was cancelled." in page
    assert not SocialAccount.objects.filter(store=store).exists()


def test_only_the_owner_connects_or_disconnects(
    client: Client, store: Store, x_account: SocialAccount, ready: str
) -> None:
    _member(client, store, "editor")
    page = client.get(f"/stores/{store.pk}/accounts/").content.decode()
    assert f"@{x_account.handle}" in page and "Disconnect" not in page
    assert client.post(f"/stores/{store.pk}/accounts/x/connect").status_code == 403
    assert client.post(f"/stores/{store.pk}/accounts/{x_account.pk}/disconnect").status_code == 403
    x_account.refresh_from_db()
    assert x_account.status == "connected"
