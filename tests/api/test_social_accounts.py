"""The accounts API: listing a store's connections, and disconnecting one (with revocation
at the platform and its scheduled posts cancelled)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from accounts.services import social_account_connect
from publishing.models import PostTarget, TargetStatus
from publishing.sandbox import instagram as instagram_sandbox
from publishing.sandbox.core import SandboxServer
from publishing.services.pipeline import target_publish
from tests.factories import ApiKeyFactory, SocialAccountFactory, StoreFactory
from tests.support.api import PUBLISH_URL, publish

URL = "/functions/v1/social-accounts"


def later(minutes: int = 30) -> str:
    return (timezone.now() + timedelta(minutes=minutes)).isoformat()


def other_store_api() -> tuple[Store, APIClient]:
    other = StoreFactory.create()
    _, key = ApiKeyFactory.create_with_raw(store=other)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return other, client


def raw_tokens(account: SocialAccount) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token_encrypted, refresh_token_encrypted"
            " FROM accounts_socialaccount WHERE id = %s",
            [account.pk],
        )
        access, refresh = cursor.fetchone()
    return access, refresh


# --- List -------------------------------------------------------------------------------


def test_list_shows_the_live_accounts_and_never_a_token(api: APIClient, store: Store) -> None:
    expires = timezone.now() + timedelta(hours=2)
    x = SocialAccountFactory.create(store=store, platform="x", token_expires_at=expires)
    x.refresh_token = "x-refresh-secret-value"
    x.save()
    instagram = SocialAccountFactory.create(store=store, platform="instagram")
    gone = SocialAccountFactory.create(
        store=store, platform="threads", status=SocialAccount.Status.DISCONNECTED
    )
    SocialAccountFactory.create(platform="x")  # another store's

    response = api.get(f"{URL}?store_id={store.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "accounts": [
            {
                "id": instagram.pk,
                "platform": "instagram",
                "account_id": instagram.platform_account_id,
                "handle": instagram.handle,
                "status": "connected",
                "status_reason": None,
                "token_expires_at": None,
                "login_kind": "facebook",
                "connected_at": instagram.connected_at.isoformat(),
            },
            {
                "id": x.pk,
                "platform": "x",
                "account_id": x.platform_account_id,
                "handle": x.handle,
                "status": "connected",
                "status_reason": None,
                "token_expires_at": expires.isoformat(),
                "login_kind": None,
                "connected_at": x.connected_at.isoformat(),
            },
        ],
    }
    text = response.content.decode()
    for account in (x, instagram, gone):
        secrets = [account.access_token, account.access_token_encrypted]
        assert not [s for s in secrets if s and s in text]
    assert "x-refresh-secret-value" not in text
    assert x.refresh_token_encrypted not in text


def test_list_includes_disconnected_accounts_when_asked(api: APIClient, store: Store) -> None:
    live = SocialAccountFactory.create(store=store, platform="x")
    gone = SocialAccountFactory.create(
        store=store, platform="x", status=SocialAccount.Status.DISCONNECTED
    )
    body = api.get(f"{URL}?include_disconnected=true").json()
    assert [(a["id"], a["status"]) for a in body["accounts"]] == [
        (gone.pk, "disconnected"),
        (live.pk, "connected"),
    ]
    assert [a["id"] for a in api.get(f"{URL}?include_disconnected=false").json()["accounts"]] == [
        live.pk
    ]


def test_list_for_another_store_is_403(api: APIClient, store: Store) -> None:
    other, _ = other_store_api()
    response = api.get(f"{URL}?store_id={other.pk}")
    assert response.status_code == 403
    assert response.json() == {
        "success": False,
        "error": {
            "code": "forbidden",
            "message": "store_id is not the API key's store.",
            "details": {},
        },
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("store_id=not-a-uuid", "store_id"),
        ("include_disconnected=yes", "include_disconnected"),
        ("platform=x", "platform"),  # not a filter this endpoint has
    ],
)
def test_list_refuses_bad_query_parameters(
    api: APIClient, store: Store, query: str, field: str
) -> None:
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "validation_error"
    assert list(body["error"]["details"]) == [field]


def test_accounts_api_needs_an_api_key(db: Any) -> None:
    client = APIClient()
    assert client.get(URL).json()["error"]["code"] == "unauthenticated"
    assert client.delete(f"{URL}/1").status_code == 401


# --- Disconnect: who may, and what -------------------------------------------------------


def test_disconnecting_another_stores_account_is_404_and_changes_nothing(
    api: APIClient, store: Store
) -> None:
    theirs = SocialAccountFactory.create(platform="x")
    response = api.delete(f"{URL}/{theirs.pk}")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "No such account.",
        "details": {},
    }
    theirs.refresh_from_db()
    assert theirs.status == "connected" and theirs.access_token


@pytest.mark.parametrize("account_id", ["abc", "-1", "1.0", "99999999999999999999", "٣"])
def test_disconnecting_an_id_that_names_no_account_is_404(
    api: APIClient, store: Store, account_id: str
) -> None:
    assert api.delete(f"{URL}/{account_id}").status_code == 404


def test_disconnect_with_another_store_id_is_403(api: APIClient, x_account: SocialAccount) -> None:
    other, _ = other_store_api()
    response = api.delete(f"{URL}/{x_account.pk}?store_id={other.pk}")
    assert response.status_code == 403
    x_account.refresh_from_db()
    assert x_account.status == "connected"


def test_disconnecting_twice_is_409(
    api: APIClient, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    assert api.delete(f"{URL}/{x_account.pk}").status_code == 200
    response = api.delete(f"{URL}/{x_account.pk}")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_disconnected"
    revokes = [r for r in sandbox.state.requests("x") if r["path"] == "/2/oauth2/revoke"]
    assert len(revokes) == 1


def test_disconnect_keeps_the_row_for_history_with_its_tokens_wiped(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    x_account.refresh_token = "x-refresh"
    x_account.token_expires_at = timezone.now() + timedelta(hours=1)
    x_account.save()
    published = publish(api, store, wait=False)
    target_publish(target_id=PostTarget.objects.get(post_id=published["post_id"]).pk)

    body = api.delete(f"{URL}/{x_account.pk}").json()

    assert body["success"] is True
    assert body["message"] == "Account disconnected"
    assert body["account"]["id"] == x_account.pk
    assert body["account"]["status"] == "disconnected"
    assert body["account"]["status_reason"] == "Disconnected by the store. Revocation: revoked."
    assert body["account"]["token_expires_at"] is None
    assert raw_tokens(x_account) == ("", "")
    # The published post still names the account and still reads as published.
    post = api.get(f"{PUBLISH_URL}/{published['post_id']}").json()
    assert post["status"] == "published"
    assert PostTarget.objects.get(post_id=published["post_id"]).account_id == x_account.pk


# --- Disconnect: scheduled posts --------------------------------------------------------


def test_disconnect_cancels_the_accounts_scheduled_targets_and_says_why(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    SocialAccountFactory.create(store=store, platform="threads")
    both = publish(api, store, platforms=["x", "threads"], schedule_at=later())["post_id"]
    only_x = publish(api, store, schedule_at=later(60))["post_id"]

    body = api.delete(f"{URL}/{x_account.pk}").json()

    assert body["cancelled_targets"] == 2
    reason = {
        "code": "account_disconnected",
        "message": "Cancelled: the store disconnected its X account before the post was due.",
        "platform_message": None,
    }
    post = api.get(f"{PUBLISH_URL}/{both}").json()
    assert post["results"] == [
        {
            "platform": "x",
            "status": "cancelled",
            "post_id": None,
            "url": None,
            "notices": [],
            "error": reason,
        },
        {"platform": "threads", "status": "scheduled", "post_id": None, "url": None, "notices": []},
    ]
    assert post["status"] == "scheduled"
    alone = api.get(f"{PUBLISH_URL}/{only_x}").json()
    assert (alone["status"], alone["results"][0]["error"]) == ("cancelled", reason)
    # The rest of the first post can still be cancelled.
    assert api.delete(f"{PUBLISH_URL}/{both}").status_code == 200
    assert api.get(f"{PUBLISH_URL}/{both}").json()["status"] == "cancelled"
    # ... but a post with nothing left scheduled cannot be cancelled again.
    assert api.delete(f"{PUBLISH_URL}/{only_x}").status_code == 409


def test_disconnect_leaves_queued_targets_to_fail_for_want_of_an_account(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    queued = publish(api, store, wait=False)["post_id"]
    assert api.delete(f"{URL}/{x_account.pk}").json()["cancelled_targets"] == 0
    target = PostTarget.objects.get(post_id=queued)
    target_publish(target_id=target.pk)
    target.refresh_from_db()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "account_needs_reconnect")
    assert sandbox.state.posts("x") == []


# --- Disconnect: revocation at the platform ---------------------------------------------


def _refused(base_url: str, platform: str, account: SocialAccount, token: str) -> bool:
    """Whether the sandbox now refuses ``token`` on the platform's publishing API."""
    if platform == "x":
        response = requests.get(
            f"{base_url}/x/2/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        return response.status_code == 401
    if platform == "youtube":
        response = requests.get(
            f"{base_url}/youtube/youtube/v3/search?part=id&forMine=true&type=video",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        return response.status_code == 401
    if platform == "tiktok":
        response = requests.post(
            f"{base_url}/tiktok/v2/post/publish/creator_info/query/",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        return response.json()["error"]["code"] == "access_token_invalid"
    assert platform == "instagram"
    response = requests.get(
        f"{base_url}/instagram/fb/v25.0/{account.platform_account_id}/content_publishing_limit",
        params={"access_token": token},
        timeout=5,
    )
    return response.json().get("error", {}).get("code") == 190


@pytest.mark.parametrize(
    ("platform", "path", "form"),
    [
        # X: the sandbox's app, a confidential client, authenticates with Basic auth.
        ("x", "/2/oauth2/revoke", {"token_type_hint": "access_token"}),
        ("youtube", "/oauth2/revoke", {}),
        (
            "tiktok",
            "/v2/oauth/revoke/",
            {"client_key": "mollkom-sandbox", "client_secret": "mollkom-sandbox-secret"},
        ),
        ("instagram", "/fb/v25.0/me/permissions", None),
    ],
)
def test_disconnect_revokes_the_token_at_the_platform(
    api: APIClient,
    store: Store,
    sandbox: SandboxServer,
    platform: str,
    path: str,
    form: dict[str, str] | None,
) -> None:
    account = SocialAccountFactory.create(store=store, platform=platform)
    token = account.access_token
    assert not _refused(sandbox.base_url, platform, account, token)

    body = api.delete(f"{URL}/{account.pk}").json()

    assert body["revocation"]["status"] == "revoked"
    [call] = [r for r in sandbox.state.requests(platform) if r["path"] == path]
    if form is None:  # Meta: the token itself is the credential
        assert (call["method"], call["query"]["access_token"]) == ("DELETE", [token])
    else:
        assert call["method"] == "POST"
        assert call["form"] == {"token": token, **form}
    assert _refused(sandbox.base_url, platform, account, token)


def test_x_revokes_the_refresh_token_before_the_access_token(
    api: APIClient, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    x_account.refresh_token = "x-refresh"
    x_account.save()
    api.delete(f"{URL}/{x_account.pk}")
    calls = [r["form"] for r in sandbox.state.requests("x") if r["path"] == "/2/oauth2/revoke"]
    assert [(c["token"], c["token_type_hint"]) for c in calls] == [
        ("x-refresh", "refresh_token"),
        (x_account.access_token, "access_token"),
    ]


@pytest.mark.parametrize(
    ("platform", "login_kind"),
    [("facebook", ""), ("threads", ""), ("instagram", instagram_sandbox.INSTAGRAM_LOGIN)],
)
def test_disconnect_where_the_platform_offers_no_revocation_says_so(
    api: APIClient, store: Store, sandbox: SandboxServer, platform: str, login_kind: str
) -> None:
    account = SocialAccountFactory.create(store=store, platform=platform, login_kind=login_kind)
    body = api.delete(f"{URL}/{account.pk}").json()
    assert body["revocation"]["status"] == "not_offered"
    assert "settings" in body["revocation"]["message"]
    assert body["account"]["status"] == "disconnected"
    assert sandbox.state.requests() == []


def test_instagram_is_not_revoked_while_the_store_keeps_a_facebook_page(
    api: APIClient, store: Store, sandbox: SandboxServer
) -> None:
    instagram = SocialAccountFactory.create(store=store, platform="instagram")
    page = SocialAccountFactory.create(store=store, platform="facebook")

    body = api.delete(f"{URL}/{instagram.pk}").json()

    assert body["revocation"]["status"] == "skipped"
    assert "Facebook Page" in body["revocation"]["message"]
    assert body["account"]["status"] == "disconnected"
    assert sandbox.state.requests() == []
    page.refresh_from_db()
    assert page.status == "connected"


def test_a_publish_with_a_revoked_token_fails_at_the_platform(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    token = x_account.access_token
    api.delete(f"{URL}/{x_account.pk}")
    # Connected again with the very token that was revoked: the platform refuses it.
    social_account_connect(
        store=store,
        platform="x",
        platform_account_id=x_account.platform_account_id,
        handle=x_account.handle,
        access_token=token,
    )
    post_id = publish(api, store, wait=False)["post_id"]
    target_publish(target_id=PostTarget.objects.get(post_id=post_id).pk)

    [result] = api.get(f"{PUBLISH_URL}/{post_id}").json()["results"]
    assert result["status"] == "failed"
    assert sandbox.state.posts("x") == []
    assert SocialAccount.objects.get(store=store, platform="x", status="needs_reconnect")


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "server_error"},
        {"kind": "timeout", "delay_s": 2.0},
    ],
)
def test_disconnect_goes_ahead_when_the_platform_cannot_confirm_revocation(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    settings: Any,
    fault: dict[str, Any],
) -> None:
    settings.ACCOUNT_REVOKE_TIMEOUT_SECONDS = 0.5
    requests.post(
        f"{sandbox.base_url}/_sandbox/faults",
        json={"platform": "x", "path": "/2/oauth2/revoke", **fault},
        timeout=5,
    ).raise_for_status()
    SocialAccountFactory.create(store=store, platform="threads")
    post_id = publish(api, store, platforms=["x", "threads"], schedule_at=later())["post_id"]

    response = api.delete(f"{URL}/{x_account.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["revocation"]["status"] == "unconfirmed"
    assert "did not confirm the revocation" in body["revocation"]["message"]
    assert body["account"]["status"] == "disconnected"
    assert body["account"]["status_reason"] == (
        "Disconnected by the store. Revocation: unconfirmed."
    )
    assert body["cancelled_targets"] == 1
    assert raw_tokens(x_account) == ("", "")
    results = api.get(f"{PUBLISH_URL}/{post_id}").json()["results"]
    statuses = {r["platform"]: r["status"] for r in results}
    assert statuses == {"x": "cancelled", "threads": "scheduled"}


def test_the_openapi_schema_documents_the_accounts_endpoints(db: Any) -> None:
    response = APIClient().get("/functions/v1/openapi.json", HTTP_ACCEPT="application/json")
    schema = response.json()
    paths = schema["paths"]
    assert set(paths["/functions/v1/social-accounts"]) == {"get"}
    assert set(paths["/functions/v1/social-accounts/{account_id}"]) == {"delete"}
    params = {p["name"] for p in paths["/functions/v1/social-accounts"]["get"]["parameters"]}
    assert params == {"store_id", "include_disconnected"}
