"""What a connect flow refuses: replayed, expired, foreign or tampered states and codes,
redirect_urls off the store's origins. Each refused with nothing stored; tokens are
ciphertext at rest and never logged."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ConnectState, Membership, SocialAccount, Store, StoreAllowedOrigin
from accounts.oauth.refresh import Refresh, account_refresh
from publishing.models import PostTarget
from publishing.services.pipeline import target_publish
from tests.factories import ApiKeyFactory, StoreFactory
from tests.support.api import publish
from tests.support.connect import (
    CONNECT_URL,
    REDIRECT_URL,
    authorize,
    browser,
    chooser_form,
    code_redirect,
    outcome,
    start_connect,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _callback(url: str) -> requests.Response:
    return requests.get(url, allow_redirects=False, timeout=30)


def _with(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return parts._replace(query=urlencode(query)).geturl()


def test_a_replayed_callback_is_refused_and_changes_nothing(
    api: APIClient, store: Store, connect_ready: str
) -> None:
    callback = code_redirect(start_connect(api, store, "x")["auth_url"])
    first = _callback(callback)
    assert outcome(first.headers["location"])["status"] == "connected"
    account = SocialAccount.objects.get()
    stored = (account.access_token_encrypted, account.refresh_token_encrypted)

    replay = _callback(callback)

    assert replay.status_code == 302
    assert outcome(replay.headers["location"]) == {
        "tab": "accounts", "status": "error", "platform": "x", "error": "state_used"
    }  # fmt: skip
    account.refresh_from_db()
    assert (account.access_token_encrypted, account.refresh_token_encrypted) == stored
    assert SocialAccount.objects.count() == 1


def test_an_expired_state_is_refused(api: APIClient, store: Store, connect_ready: str) -> None:
    callback = code_redirect(start_connect(api, store, "x")["auth_url"])
    ConnectState.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    answer = _callback(callback)

    assert outcome(answer.headers["location"])["error"] == "state_expired"
    assert not SocialAccount.objects.exists()


def test_a_code_from_another_stores_flow_is_refused(
    api: APIClient, store: Store, connect_ready: str, sandbox: Any
) -> None:
    # Store B's merchant approves; its code arrives with store A's state. The code is
    # bound to B's PKCE challenge, so A's verifier cannot redeem it.
    other = StoreFactory.create()
    StoreAllowedOrigin.objects.create(store=other, origin="https://other.example")
    other_api = APIClient()
    other_api.credentials(
        HTTP_AUTHORIZATION=f"Bearer {ApiKeyFactory.create_with_raw(store=other)[1]}"
    )
    mine = start_connect(api, store, "x")
    theirs = start_connect(other_api, other, "x", redirect_url="https://other.example/cb")
    their_callback = code_redirect(theirs["auth_url"], username="other_shop")

    answer = _callback(_with(their_callback, state=mine["state"]))

    assert answer.headers["location"].startswith(REDIRECT_URL.split("?")[0])
    assert outcome(answer.headers["location"])["error"] == "token_exchange_failed"
    assert not SocialAccount.objects.exists()
    # Nor can B's merchant finish now with the code spent on A's attempt.
    again = _callback(their_callback)
    assert outcome(again.headers["location"])["status"] == "error"
    assert not SocialAccount.objects.exists()


@pytest.mark.parametrize(
    "redirect_url",
    [
        "https://evil.example/admin/social/callback",
        "https://shop.example.evil.example/cb",
        "https://shop.example@evil.example/cb",
        "http://shop.example/cb",  # another scheme is another origin
        "https://shop.example:8443/cb",
        "javascript:alert(1)",
        "//evil.example/cb",
        "https://shop.example/cb#fragment",
    ],
)
def test_a_redirect_url_off_the_stores_origins_is_a_400(
    api: APIClient, store: Store, connect_ready: str, redirect_url: str
) -> None:
    response = api.post(
        CONNECT_URL,
        {"platform": "x", "store_id": str(store.pk), "redirect_url": redirect_url},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] in ("redirect_url_not_allowed", "invalid_redirect_url")
    assert "redirect_url" in body["error"]["details"]
    assert not ConnectState.objects.exists()


def test_social_connect_checks_the_store_and_the_body(
    api: APIClient, store: Store, connect_ready: str
) -> None:
    other = StoreFactory.create()
    url = REDIRECT_URL
    mine = str(store.pk)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"platform": "x", "store_id": str(other.pk), "redirect_url": url}, 403, "forbidden"),
        ({"platform": "myspace", "store_id": mine, "redirect_url": url}, 400, "validation_error"),
        ({"platform": "x", "store_id": mine}, 400, "validation_error"),
        ({"platform": "x", "store_id": mine, "redirect_url": 5}, 400, "validation_error"),
        (
            {"platform": "x", "store_id": mine, "redirect_url": url, "scope": "all"},
            400,
            "validation_error",
        ),
    ]
    for body, status, code in cases:
        response = api.post(CONNECT_URL, body, format="json")
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), body
    assert APIClient().post(CONNECT_URL, cases[0][0], format="json").status_code == 401
    assert not ConnectState.objects.exists()


def test_tampered_callbacks_are_refused(api: APIClient, store: Store, connect_ready: str) -> None:
    callback = code_redirect(start_connect(api, store, "x")["auth_url"])

    # A state we never issued: nowhere safe to send the browser, so an error page.
    forged = _callback(_with(callback, state="forged-state"))
    assert forged.status_code == 400 and "location" not in forged.headers
    # X's state on another platform's callback.
    elsewhere = _callback(callback.replace("/connect/x/", "/connect/tiktok/"))
    assert elsewhere.status_code == 400 and "location" not in elsewhere.headers
    # No state at all.
    assert _callback(callback.split("?")[0] + "?code=abc").status_code == 400
    # Our state with a code the platform never issued: the exchange fails.
    wrong_code = _callback(_with(callback, code="not-a-code"))
    assert outcome(wrong_code.headers["location"])["error"] == "token_exchange_failed"
    assert not SocialAccount.objects.exists()


def test_tokens_are_ciphertext_at_rest_and_never_logged(
    api: APIClient, store: Store, connect_ready: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    landed = authorize(start_connect(api, store, "x")["auth_url"])
    assert outcome(landed)["status"] == "connected"
    account = SocialAccount.objects.get()
    secrets = [account.access_token, account.refresh_token]
    assert all(secrets)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token_encrypted, refresh_token_encrypted FROM accounts_socialaccount"
        )
        stored = cursor.fetchone()
        cursor.execute("SELECT code_verifier_encrypted FROM accounts_connectstate")
        (verifier,) = cursor.fetchone()
    raw = " ".join([*stored, verifier])
    for secret in secrets:
        assert secret not in raw
    assert all(value.startswith("gAAAAA") for value in [*stored, verifier])  # Fernet tokens

    # Then a publish, and a refresh (which rotates both tokens).
    answer = publish(api, store, wait=False)
    target_publish(target_id=PostTarget.objects.get(post_id=answer["post_id"]).pk)
    SocialAccount.objects.filter(pk=account.pk).update(token_expires_at=timezone.now())
    assert account_refresh(account_id=account.pk, min_valid_seconds=60) == Refresh.REFRESHED
    account.refresh_from_db()
    secrets += [account.access_token, account.refresh_token]

    assert caplog.records, "the flow logs nothing at all: the check below would be empty"
    for secret in secrets:
        assert secret not in caplog.text
    for expected in ("account connected", "POST /x/2/tweets", "token refreshed"):
        assert expected in caplog.text


# --- A dashboard flow belongs to the browser that started it ------------------------------


def _dashboard_owner(store: Store, username: str) -> Client:
    """A browser logged in to the dashboard as the owner of ``store``."""
    user = User.objects.create_user(username, password="pw")
    Membership.objects.create(store=store, user=user, role=Membership.Role.OWNER)
    client = Client()
    assert client.login(username=username, password="pw")
    return client


def _dashboard_connect(client: Client, store: Store, platform: str) -> str:
    started = client.post(f"/stores/{store.pk}/accounts/{platform}/connect")
    assert started.status_code == 302, started
    return str(started["Location"])


def _cookies(client: Client) -> dict[str, str]:
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


@pytest.mark.parametrize("other_browser", ["anonymous", "another_stores_owner"])
def test_a_dashboard_flow_finished_in_another_browser_is_refused_and_stores_nothing(
    store: Store, connect_ready: str, other_browser: str
) -> None:
    owner_a = _dashboard_owner(store, "owner_a")
    auth_url = _dashboard_connect(owner_a, store, "threads")
    cookies: dict[str, str] = {}
    if other_browser == "another_stores_owner":
        store_b = StoreFactory.create()
        owner_b = _dashboard_owner(store_b, "owner_b")
        _dashboard_connect(owner_b, store_b, "threads")  # B's session has a key of its own
        cookies = _cookies(owner_b)

    # The other browser approves with its own Threads account and reaches our callback.
    session = browser(cookies)
    callback = code_redirect(auth_url, username="b_threads", session=session)
    answer = session.get(callback, allow_redirects=False, timeout=30)

    assert answer.status_code == 400 and "location" not in answer.headers
    assert "started in another browser" in answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    assert not SocialAccount.objects.exists()
    # Used up: handing the callback URL to the browser that started the flow gains nothing.
    late = browser(_cookies(owner_a)).get(callback, allow_redirects=False, timeout=30)
    assert outcome(late.headers["location"])["error"] == "state_used"
    assert not SocialAccount.objects.exists()


def test_the_browser_that_started_a_dashboard_flow_finishes_it(
    store: Store, connect_ready: str
) -> None:
    owner = _dashboard_owner(store, "owner_a")
    auth_url = _dashboard_connect(owner, store, "threads")

    back = f"{connect_ready}/stores/{store.pk}/accounts/"
    landed = authorize(auth_url, username="a_threads", stop_origin=back, cookies=_cookies(owner))

    assert outcome(landed)["status"] == "connected"
    account = SocialAccount.objects.get()
    assert (account.store_id, account.handle) == (store.pk, "a_threads")


def test_the_page_chooser_of_a_dashboard_flow_answers_only_its_browser(
    store: Store, connect_ready: str
) -> None:
    owner = _dashboard_owner(store, "owner_a")
    auth_url = _dashboard_connect(owner, store, "facebook")
    mine = browser(_cookies(owner))
    callback = code_redirect(auth_url, username="owner", session=mine, pages="shop_a,shop_b")
    page = mine.get(callback, allow_redirects=False, timeout=30)
    assert page.status_code == 200, page.text
    form = chooser_form(page.text)
    assert form.method == "post" and form.fields["account"]

    # The chooser's form, posted from another browser (its secret copied there), is refused.
    stranger = browser().post(
        urljoin(page.url, form.action), data=form.fields, allow_redirects=False, timeout=30
    )

    assert stranger.status_code == 400 and "started in another browser" in stranger.text
    assert not SocialAccount.objects.exists()


def test_an_api_flow_expires_ten_minutes_after_it_started(
    api: APIClient, store: Store, connect_ready: str, settings: Any
) -> None:
    assert settings.CONNECT_STATE_TTL_SECONDS == 600
    callback = code_redirect(start_connect(api, store, "threads")["auth_url"])

    with time_machine.travel(timezone.now() + timedelta(seconds=601)):
        answer = _callback(callback)

    assert outcome(answer.headers["location"])["error"] == "state_expired"
    assert not SocialAccount.objects.exists()
