"""Meta's deauthorize and data-deletion callbacks, with signed requests built here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from django.test import Client

from accounts.meta_signed_request import (
    SignedRequestError,
    build_signed_request,
    parse_signed_request,
)
from accounts.models import DataDeletionRequest, SocialAccount, Store
from tests.factories import SocialAccountFactory

FB_SECRET, IG_SECRET, TH_SECRET = "fb-app-secret", "ig-app-secret", "th-app-secret"


@pytest.fixture(autouse=True)
def _secrets(settings: Any) -> None:
    settings.FACEBOOK_CLIENT_SECRET = FB_SECRET
    settings.INSTAGRAM_CLIENT_SECRET = IG_SECRET
    settings.THREADS_CLIENT_SECRET = TH_SECRET
    settings.PUBLIC_BASE_URL = "https://social.example"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _hand_signed(payload: dict[str, Any], secret: str) -> str:
    """Built independently of build_signed_request, as Meta's docs describe it."""
    body = _b64(json.dumps(payload).encode())
    return _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()) + "." + body


def _payload(user_id: str, **extra: Any) -> dict[str, Any]:
    return {"algorithm": "HMAC-SHA256", "issued_at": 1767225600, "user_id": user_id, **extra}


def test_parse_accepts_a_valid_request_and_names_the_secret() -> None:
    signed = parse_signed_request(
        _hand_signed(_payload("123"), IG_SECRET), {"facebook": FB_SECRET, "instagram": IG_SECRET}
    )
    assert signed.user_id == "123" and signed.signed_by == "instagram"


def test_build_matches_the_hand_built_form() -> None:
    assert build_signed_request(_payload("9"), FB_SECRET).split(".")[1] == _b64(
        json.dumps(_payload("9"), separators=(",", ":")).encode()
    )
    assert parse_signed_request(build_signed_request(_payload("9"), FB_SECRET), {"f": FB_SECRET})


@pytest.mark.parametrize(
    "signed_request",
    [
        _hand_signed(_payload("1"), "another-secret"),  # bad signature
        _hand_signed(_payload("1", algorithm="HMAC-SHA1"), FB_SECRET),  # wrong algorithm
        _hand_signed({"user_id": "1"}, FB_SECRET),  # no algorithm
        "no-dot-here",
        "%%%." + _b64(b"{}"),
        _b64(b"sig") + "." + _b64(b"not json"),
        _b64(b"sig") + "." + _b64(b"[1, 2]"),
    ],
)
def test_parse_rejects(signed_request: str) -> None:
    with pytest.raises(SignedRequestError):
        parse_signed_request(signed_request, {"facebook": FB_SECRET})


def test_empty_secrets_never_verify() -> None:
    with pytest.raises(SignedRequestError):
        parse_signed_request(_hand_signed(_payload("1"), ""), {"facebook": ""})


def _accounts(store: Store) -> dict[str, SocialAccount]:
    return {
        "page": SocialAccountFactory.create(
            store=store, platform="facebook", platform_user_id="42"
        ),
        "ig_fb": SocialAccountFactory.create(
            store=store, platform="instagram", platform_user_id="42"
        ),
        "threads": SocialAccountFactory.create(
            store=store, platform="threads", platform_user_id="42"
        ),
    }


@pytest.mark.django_db
def test_deauthorize_disconnects_only_the_signing_apps_accounts(store: Store) -> None:
    accounts = _accounts(store)
    other_user = SocialAccountFactory.create(platform="facebook", platform_user_id="43")
    response = Client().post(
        "/connect/meta/deauthorize", {"signed_request": _hand_signed(_payload("42"), FB_SECRET)}
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"success": True, "disconnected": 2}
    status = {k: SocialAccount.objects.get(pk=a.pk) for k, a in accounts.items()}
    assert status["page"].status == status["ig_fb"].status == "disconnected"
    assert status["page"].access_token_encrypted == ""
    assert status["threads"].status == "connected"  # the Threads app did not sign
    other_user.refresh_from_db()
    assert other_user.status == "connected"


@pytest.mark.django_db
def test_deauthorize_from_the_threads_app(store: Store) -> None:
    accounts = _accounts(store)
    Client().post(
        "/connect/meta/deauthorize", {"signed_request": _hand_signed(_payload("42"), TH_SECRET)}
    )
    accounts["threads"].refresh_from_db()
    accounts["page"].refresh_from_db()
    assert (accounts["threads"].status, accounts["page"].status) == ("disconnected", "connected")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"signed_request": _hand_signed(_payload("42"), "wrong")},
        {"signed_request": _hand_signed(_payload("42", algorithm="none"), FB_SECRET)},
    ],
)
@pytest.mark.parametrize("url", ["/connect/meta/deauthorize", "/connect/meta/data-deletion"])
def test_unverified_requests_change_nothing(store: Store, body: dict[str, str], url: str) -> None:
    accounts = _accounts(store)
    response = Client().post(url, body)
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert all(SocialAccount.objects.get(pk=a.pk).status == "connected" for a in accounts.values())
    assert not DataDeletionRequest.objects.exists()


@pytest.mark.django_db
def test_data_deletion_deletes_and_reports_its_status(store: Store) -> None:
    accounts = _accounts(store)
    response = Client().post(
        "/connect/meta/data-deletion", {"signed_request": _hand_signed(_payload("42"), FB_SECRET)}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"url", "confirmation_code"}
    code = body["confirmation_code"]
    assert body["url"] == f"https://social.example/connect/meta/data-deletion/{code}"
    deletion = DataDeletionRequest.objects.get(confirmation_code=code)
    assert (deletion.status, deletion.accounts_deleted, deletion.app) == (
        "completed",
        2,
        "facebook",
    )
    page = SocialAccount.objects.get(pk=accounts["page"].pk)
    assert page.status == "disconnected"
    assert (page.handle, page.platform_user_id, page.access_token_encrypted) == ("", "", "")
    assert SocialAccount.objects.get(pk=accounts["threads"].pk).handle != ""

    page_html = Client().get(body["url"].removeprefix("https://social.example"))
    assert page_html.status_code == 200
    assert code in page_html.content.decode() and "Completed" in page_html.content.decode()
    assert Client().get("/connect/meta/data-deletion/unknown").status_code == 404


@pytest.mark.django_db
def test_data_deletion_for_an_unknown_user_still_answers() -> None:
    response = Client().post(
        "/connect/meta/data-deletion", {"signed_request": _hand_signed(_payload("7"), IG_SECRET)}
    )
    assert response.status_code == 200
    assert DataDeletionRequest.objects.get().accounts_deleted == 0


@pytest.mark.django_db
def test_callbacks_take_only_post() -> None:
    assert Client().get("/connect/meta/deauthorize").status_code == 405
