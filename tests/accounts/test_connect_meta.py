"""Connecting Meta's platforms end to end: social-connect, the sandbox's consent page in a
"browser" (requests), our callback on a live server (and our Page chooser when the user
manages several Pages), the store's redirect_url; then a publish with the new account."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.test import Client
from rest_framework.test import APIClient

from accounts.meta_signed_request import build_signed_request
from accounts.models import ConnectChoice, SocialAccount, Store
from accounts.oauth.refresh import Refresh, account_refresh
from publishing.models import PostTarget, TargetStatus
from publishing.sandbox import facebook as facebook_sandbox
from publishing.sandbox import instagram as instagram_sandbox
from publishing.sandbox import threads as threads_sandbox
from publishing.sandbox._meta_oauth import app_scoped_id
from publishing.sandbox.core import SandboxServer
from publishing.services.pipeline import target_publish
from tests.support.api import publish
from tests.support.connect import (
    REDIRECT_URL,
    authorize,
    consent_form,
    outcome,
    start_connect,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _publish_one(api: APIClient, store: Store, platform: str, sandbox: SandboxServer) -> PostTarget:
    body: dict[str, Any] = {"platforms": [platform], "wait": False}
    if platform == "instagram":
        image = f"{sandbox.base_url}/_sandbox/media/dress.png"
        body["content"] = {
            "text": "فستان صيفي جديد",
            "media": [{"type": "image", "url": image}],
            "link": None,
        }
    answer = publish(api, store, **body)
    target = PostTarget.objects.get(post_id=answer["post_id"])
    target_publish(target_id=target.pk)
    target.refresh_from_db()
    return target


def _approve(auth_url: str, **fields: str) -> tuple[requests.Session, requests.Response]:
    """Approve on the consent page (its form filled with ``fields``) and open our callback;
    the browser's session and our callback's answer."""
    session = requests.Session()
    page = session.get(auth_url, timeout=30)
    form = consent_form(page.text)
    data = {**form.fields, **fields, "decision": "approve"}
    answer = session.post(
        urljoin(page.url, form.action), data=data, allow_redirects=False, timeout=30
    )
    assert answer.status_code == 302, answer.text
    callback = urljoin(answer.url, answer.headers["location"])
    return session, session.get(callback, allow_redirects=False, timeout=30)


def _chooser(page: requests.Response) -> tuple[str, dict[str, str], list[str]]:
    """The chooser's form: its action, hidden fields, and the accounts offered."""
    from html.parser import HTMLParser

    class Parser(HTMLParser):
        action = ""
        hidden: dict[str, str] = {}
        offered: list[str] = []
        scripts = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            attr = {k: v or "" for k, v in attrs}
            if tag == "script":
                self.scripts += 1
            if tag == "form":
                self.action = attr.get("action", "")
            if tag == "input" and attr.get("type") == "hidden":
                self.hidden = {**self.hidden, attr["name"]: attr.get("value", "")}
            if tag == "input" and attr.get("type") == "radio":
                self.offered = [*self.offered, attr.get("value", "")]

    parser = Parser()
    parser.feed(page.text)
    assert parser.scripts == 0
    return urljoin(page.url, parser.action), parser.hidden, parser.offered


def test_facebook_with_several_pages_asks_which_then_publishes(
    api: APIClient, store: Store, connect_ready: str, sandbox: SandboxServer
) -> None:
    started = start_connect(api, store, "facebook")
    assert started["auth_url"].startswith(f"{sandbox.base_url}/facebook-web/v25.0/dialog/oauth?")
    scope = parse_qs(urlsplit(started["auth_url"]).query)["scope"][0].split(",")
    assert {"pages_show_list", "pages_manage_posts"} <= set(scope)

    session, page = _approve(started["auth_url"], username="owner", pages="shop_a,shop_b")
    assert page.status_code == 200, page.text
    assert page.headers["Cache-Control"] == "no-store"
    action, hidden, offered = _chooser(page)
    page_a, page_b = (
        facebook_sandbox.sandbox_page_id("shop_a"),
        facebook_sandbox.sandbox_page_id("shop_b"),
    )
    assert offered == [page_a, page_b] and "shop_b" in page.text
    assert not SocialAccount.objects.exists()  # nothing connected until the merchant picks

    # A forged choice secret picks nothing.
    forged = session.post(
        action,
        data={**hidden, "choice": "forged", "account": page_b},
        allow_redirects=False,
        timeout=30,
    )
    assert forged.status_code == 400

    chosen = session.post(
        action, data={**hidden, "account": page_b}, allow_redirects=False, timeout=30
    )
    assert chosen.status_code == 302, chosen.text
    landed = chosen.headers["location"]
    assert landed.startswith(REDIRECT_URL)
    assert outcome(landed) | {"tab": "accounts"} == {
        "tab": "accounts",
        "status": "connected",
        "platform": "facebook",
        "account": page_b,
        "handle": "shop_b",
    }
    account = SocialAccount.objects.get(store=store, platform="facebook")
    assert account.access_token == facebook_sandbox.sandbox_token("shop_b")
    assert account.platform_user_id == app_scoped_id("facebook", "owner")
    assert account.token_expires_at is None  # Page tokens do not expire

    # The choice is single use.
    again = session.post(
        action, data={**hidden, "account": page_a}, allow_redirects=False, timeout=30
    )
    assert again.status_code == 302 and outcome(again.headers["location"])["status"] == "error"
    assert SocialAccount.objects.filter(store=store, platform="facebook").count() == 1

    target = _publish_one(api, store, "facebook", sandbox)
    assert target.status == TargetStatus.PUBLISHED, target.error_message
    posts = sandbox.state.posts("facebook")
    assert [p["page_id"] for p in posts] == [page_b]


def test_facebook_with_one_page_connects_at_once(
    api: APIClient, store: Store, connect_ready: str, sandbox: SandboxServer
) -> None:
    started = start_connect(api, store, "facebook")
    _, answer = _approve(started["auth_url"], username="owner", pages="only_shop")
    assert answer.status_code == 302
    assert outcome(answer.headers["location"])["account"] == facebook_sandbox.sandbox_page_id(
        "only_shop"
    )
    assert not ConnectChoice.objects.exists()


def test_instagram_login_connects_and_publishes(
    api: APIClient, store: Store, connect_ready: str, sandbox: SandboxServer
) -> None:
    started = start_connect(api, store, "instagram")
    assert started["auth_url"].startswith(f"{sandbox.base_url}/instagram-web/oauth/authorize?")
    landed = authorize(started["auth_url"], username="shop_ig")
    ig_id = instagram_sandbox.sandbox_user_id("shop_ig")
    assert outcome(landed) == {
        "tab": "accounts",
        "status": "connected",
        "platform": "instagram",
        "account": ig_id,
        "handle": "shop_ig",
    }
    account = SocialAccount.objects.get(store=store, platform="instagram")
    assert account.login_kind == "instagram"
    assert account.platform_user_id == app_scoped_id("instagram", "shop_ig")
    assert account.token_expires_at is not None and account.refresh_token == account.access_token

    target = _publish_one(api, store, "instagram", sandbox)
    assert target.status == TargetStatus.PUBLISHED, target.error_message
    assert any(
        r["path"].startswith("/ig/") and r["path"].endswith("/media_publish")
        for r in sandbox.state.requests("instagram")
    )


def test_instagram_through_facebook_login(
    api: APIClient, store: Store, connect_ready: str, sandbox: SandboxServer, settings: Any
) -> None:
    settings.INSTAGRAM_LOGIN = "facebook"
    started = start_connect(api, store, "instagram")
    assert started["auth_url"].startswith(
        f"{sandbox.base_url}/instagram-web/fb/v25.0/dialog/oauth?"
    )
    landed = authorize(started["auth_url"], username="shop_fb")
    assert outcome(landed)["status"] == "connected"
    account = SocialAccount.objects.get(store=store, platform="instagram")
    assert (account.login_kind, account.handle) == ("facebook", "shop_fb")
    assert account.platform_account_id == instagram_sandbox.sandbox_user_id("shop_fb")
    assert account.refresh_token == ""  # Meta has no refresh for Facebook Login tokens

    target = _publish_one(api, store, "instagram", sandbox)
    assert target.status == TargetStatus.PUBLISHED, target.error_message
    assert any(
        r["path"].startswith("/fb/") and r["path"].endswith("/media_publish")
        for r in sandbox.state.requests("instagram")
    )


def test_threads_connects_with_a_long_lived_token_and_publishes(
    api: APIClient, store: Store, connect_ready: str, sandbox: SandboxServer
) -> None:
    started = start_connect(api, store, "threads")
    assert started["auth_url"].startswith(f"{sandbox.base_url}/threads-web/oauth/authorize?")
    landed = authorize(started["auth_url"], username="shop_th")
    user_id = threads_sandbox.sandbox_user_id("shop_th")
    assert outcome(landed)["account"] == user_id and outcome(landed)["status"] == "connected"
    account = SocialAccount.objects.get(store=store, platform="threads")
    assert account.platform_user_id == user_id
    exchanged = [r for r in sandbox.state.requests("threads") if r["path"] == "/access_token"]
    assert exchanged and exchanged[0]["query"]["grant_type"] == ["th_exchange_token"]

    target = _publish_one(api, store, "threads", sandbox)
    assert target.status == TargetStatus.PUBLISHED, target.error_message


@pytest.mark.parametrize("platform", ["facebook", "instagram", "threads"])
def test_deny_lands_with_the_error(
    api: APIClient, store: Store, connect_ready: str, sandbox: SandboxServer, platform: str
) -> None:
    started = start_connect(api, store, platform)
    landed = authorize(started["auth_url"], decision="deny")
    assert outcome(landed) == {
        "tab": "accounts",
        "status": "error",
        "platform": platform,
        "error": "access_denied",
    }
    assert not SocialAccount.objects.exists()


def test_reconnecting_the_same_page_updates_its_row(
    api: APIClient, store: Store, connect_ready: str, sandbox: SandboxServer
) -> None:
    for _ in range(2):
        started = start_connect(api, store, "facebook")
        _, answer = _approve(started["auth_url"], username="owner", pages="only_shop")
        assert outcome(answer.headers["location"])["status"] == "connected"
    assert SocialAccount.objects.filter(store=store, platform="facebook").count() == 1


@pytest.mark.parametrize(
    ("platform", "username"), [("threads", "shop_rt"), ("instagram", "shop_ri")]
)
def test_long_lived_tokens_refresh_and_still_publish(
    api: APIClient,
    store: Store,
    connect_ready: str,
    sandbox: SandboxServer,
    platform: str,
    username: str,
) -> None:
    started = start_connect(api, store, platform)
    assert outcome(authorize(started["auth_url"], username=username))["status"] == "connected"
    account = SocialAccount.objects.get(store=store, platform=platform)
    before = account.access_token

    assert account_refresh(account_id=account.pk, min_valid_seconds=10**9) == Refresh.REFRESHED
    account.refresh_from_db()
    assert account.access_token != before and account.refresh_token == account.access_token
    grant = "th_refresh_token" if platform == "threads" else "ig_refresh_token"
    assert any(r["query"].get("grant_type") == [grant] for r in sandbox.state.requests(platform))

    target = _publish_one(api, store, platform, sandbox)
    assert target.status == TargetStatus.PUBLISHED, target.error_message


def test_a_refused_refresh_asks_for_a_reconnect(
    api: APIClient, store: Store, connect_ready: str, sandbox: SandboxServer
) -> None:
    started = start_connect(api, store, "threads")
    assert outcome(authorize(started["auth_url"], username="shop_rr"))["status"] == "connected"
    account = SocialAccount.objects.get(store=store, platform="threads")
    account.refresh_token = "sbx.threads.shop_rr!revoked"
    account.save()
    assert account_refresh(account_id=account.pk, min_valid_seconds=10**9) == Refresh.REFUSED
    account.refresh_from_db()
    assert account.status == "needs_reconnect"


def test_meta_deauthorize_reaches_the_connected_page(
    api: APIClient, store: Store, connect_ready: str, sandbox: SandboxServer, settings: Any
) -> None:
    started = start_connect(api, store, "facebook")
    _, answer = _approve(started["auth_url"], username="owner", pages="only_shop")
    assert outcome(answer.headers["location"])["status"] == "connected"
    settings.FACEBOOK_CLIENT_SECRET = "meta-app-secret"
    payload = {"algorithm": "HMAC-SHA256", "user_id": app_scoped_id("facebook", "owner")}
    signed = build_signed_request(payload, "meta-app-secret")
    response = Client().post("/connect/meta/deauthorize", {"signed_request": signed})
    assert response.json() == {"success": True, "disconnected": 1}
    account = SocialAccount.objects.get(store=store, platform="facebook")
    assert account.status == "disconnected" and account.access_token == ""


def test_cancel_on_the_chooser_lands_with_access_denied(
    api: APIClient, store: Store, connect_ready: str, sandbox: SandboxServer
) -> None:
    started = start_connect(api, store, "facebook")
    session, page = _approve(started["auth_url"], username="owner", pages="shop_a,shop_b")
    action, hidden, offered = _chooser(page)
    answer = session.post(
        action,
        data={**hidden, "account": offered[0], "decision": "cancel"},
        allow_redirects=False,
        timeout=30,
    )
    assert outcome(answer.headers["location"]) == {
        "tab": "accounts",
        "status": "error",
        "platform": "facebook",
        "error": "access_denied",
    }
    assert not SocialAccount.objects.exists()
    assert ConnectChoice.objects.get().candidates_encrypted == ""  # the Page tokens are gone


def test_an_instagram_login_account_still_refreshes_after_the_login_setting_changes(
    api: APIClient, store: Store, connect_ready: str, sandbox: SandboxServer, settings: Any
) -> None:
    started = start_connect(api, store, "instagram")
    assert outcome(authorize(started["auth_url"], username="shop_sw"))["status"] == "connected"
    account = SocialAccount.objects.get(store=store, platform="instagram")
    before = account.access_token
    settings.INSTAGRAM_LOGIN = "facebook"  # new connections now go through Facebook Login

    assert account_refresh(account_id=account.pk, min_valid_seconds=10**9) == Refresh.REFRESHED
    account.refresh_from_db()
    assert account.access_token != before and account.refresh_token == account.access_token
