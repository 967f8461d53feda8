"""Every bad input answers a clear 4xx in the API's error shape, and writes nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import IdempotencyKey, Post, PostTarget
from tests.factories import StoreFactory

URL = "/functions/v1/social-publish"


def body(store: Store, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "store_id": str(store.pk),
        "platforms": ["x"],
        "content": {"text": "New in store", "media": [], "link": None},
        "schedule_at": (timezone.now() + timedelta(hours=1)).isoformat(),
    }
    data.update(overrides)
    return data


def content(**overrides: Any) -> dict[str, Any]:
    return {"text": "New in store", "media": [], "link": None, **overrides}


def image(n: int = 0) -> dict[str, str]:
    return {"type": "image", "url": f"https://cdn.example.com/p{n}.jpg"}


def assert_nothing_written() -> None:
    assert Post.objects.count() == 0
    assert PostTarget.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0


BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("missing store_id", {"store_id": None}, "validation_error"),
    ("store_id a number", {"store_id": 12}, "validation_error"),
    ("store_id not a uuid", {"store_id": "abc"}, "validation_error"),
    ("platforms empty", {"platforms": []}, "validation_error"),
    ("platforms a string", {"platforms": "x"}, "validation_error"),
    ("unknown platform", {"platforms": ["myspace"]}, "validation_error"),
    ("repeated platform", {"platforms": ["x", "x"]}, "validation_error"),
    ("content missing", {"content": None}, "validation_error"),
    ("text a number", {"content": content(text=5)}, "validation_error"),
    ("media not a list", {"content": content(media="x")}, "validation_error"),
    (
        "media of unknown type",
        {"content": content(media=[{"type": "gif", "url": "https://a.b/c"}])},
        "validation_error",
    ),
    (
        "media url ftp",
        {"content": content(media=[{"type": "image", "url": "ftp://a.b/c.jpg"}])},
        "validation_error",
    ),
    (
        "media url relative",
        {"content": content(media=[{"type": "image", "url": "/c.jpg"}])},
        "validation_error",
    ),
    ("link not a url", {"content": content(link="yourstore")}, "validation_error"),
    ("unknown content field", {"content": content(txt="hi")}, "validation_error"),
    ("unknown top-level field", {"schedule": "2030-01-01T00:00:00Z"}, "validation_error"),
    ("schedule_at naive", {"schedule_at": "2030-01-01T10:00:00"}, "validation_error"),
    ("schedule_at not a date", {"schedule_at": "tomorrow"}, "validation_error"),
    ("schedule_at a number", {"schedule_at": 1893456000}, "validation_error"),
    ("schedule_at in the past", {"schedule_at": "2020-01-01T10:00:00Z"}, "validation_error"),
    ("schedule_at beyond horizon", {"schedule_at": "2099-01-01T10:00:00Z"}, "validation_error"),
    ("wait a string", {"wait": "no"}, "validation_error"),
    ("x text too long", {"content": content(text="a" * 281)}, "platform_rules"),
    (
        "x link pushes text over",
        {"content": content(text="a" * 260, link="https://shop.example.com/p")},
        "platform_rules",
    ),
    ("x five images", {"content": content(media=[image(i) for i in range(5)])}, "platform_rules"),
    (
        "x video with an image",
        {"content": content(media=[{"type": "video", "url": "https://a.b/v.mp4"}, image(1)])},
        "platform_rules",
    ),
    ("x empty text, no media", {"content": content(text="")}, "platform_rules"),
    ("platform not available yet", {"platforms": ["x", "instagram"]}, "platform_rules"),
]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [(o, c) for _, o, c in BAD_BODIES],
    ids=[name for name, _, _ in BAD_BODIES],
)
def test_bad_publish_body_is_400_and_writes_nothing(
    api: APIClient, store: Store, x_account: SocialAccount, overrides: dict[str, Any], code: str
) -> None:
    response = api.post(URL, body(store, **overrides), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 400, response.json()
    payload = response.json()
    assert payload["success"] is False
    assert payload["error"]["code"] == code
    assert payload["error"]["message"]
    assert payload["error"]["details"]
    assert_nothing_written()


def test_platform_rule_details_name_the_platform_and_rule(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    response = api.post(URL, body(store, content=content(text="a" * 281)), format="json")
    assert response.json() == {
        "success": False,
        "error": {
            "code": "platform_rules",
            "message": "The post does not meet the rules of: x.",
            "details": {
                "platforms": {
                    "x": [
                        {
                            "code": "text_too_long",
                            "field": "content.text",
                            "message": "X counts this text (with the link) as 281 characters; "
                            "the limit is 280.",
                        }
                    ]
                }
            },
        },
    }


def test_platform_not_connected_is_400(api: APIClient, store: Store) -> None:
    response = api.post(URL, body(store), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"]["platforms"]["x"][0]["code"] == (
        "account_not_connected"
    )
    assert_nothing_written()


def test_account_needing_reconnect_is_400(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    x_account.status = SocialAccount.Status.NEEDS_RECONNECT
    x_account.save()
    response = api.post(URL, body(store), format="json")
    assert response.json()["error"]["details"]["platforms"]["x"][0]["code"] == (
        "account_needs_reconnect"
    )
    assert_nothing_written()


def test_another_stores_id_is_403(api: APIClient, store: Store, x_account: SocialAccount) -> None:
    other = StoreFactory.create()
    response = api.post(URL, body(other), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert_nothing_written()


def test_malformed_json_is_400(api: APIClient, x_account: SocialAccount) -> None:
    response = api.post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": {
            "code": "malformed_json",
            "message": "The request body is not valid JSON.",
            "details": {},
        },
    }
    assert_nothing_written()


@pytest.mark.parametrize("payload", [[], "text", 5])
def test_body_that_is_not_an_object_is_400(api: APIClient, payload: Any) -> None:
    response = api.post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_form_encoded_body_is_415(api: APIClient, store: Store) -> None:
    response = api.post(URL, {"store_id": str(store.pk)})
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_missing_api_key_is_401(store: Store) -> None:
    response = APIClient().post(URL, body(store), format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert_nothing_written()


def test_unknown_api_key_is_401(store: Store) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer mk_nope")
    response = client.post(URL, body(store), format="json")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The API key is unknown or was revoked."


def test_revoked_api_key_is_401(api: APIClient, store: Store) -> None:
    from accounts.services import api_key_revoke

    for key in store.api_keys.all():
        api_key_revoke(api_key=key)
    response = api.get(f"{URL}/{uuid.uuid4()}")
    assert response.status_code == 401


def test_unknown_path_is_json_404(api: APIClient) -> None:
    response = api.get("/functions/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {
        "success": False,
        "error": {
            "code": "not_found",
            "message": "No endpoint at /functions/v1/nothing-here.",
            "details": {},
        },
    }


def test_unknown_path_without_key_is_json_404() -> None:
    response = APIClient().post("/functions/v1/social-publsh", {}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_wrong_method_is_json_405(api: APIClient) -> None:
    response = api.put(URL, {}, format="json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("post_id", ["not-a-uuid", "123", str(uuid.uuid4())])
def test_unknown_or_malformed_post_id_is_404(api: APIClient, post_id: str) -> None:
    for response in (api.get(f"{URL}/{post_id}"), api.delete(f"{URL}/{post_id}")):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_requests_over_the_rate_are_429_with_retry_after(api: APIClient, settings: Any) -> None:
    settings.API_THROTTLE_RATE = "3/min"
    statuses = [api.get(f"{URL}/{uuid.uuid4()}").status_code for _ in range(4)]
    response = api.get(f"{URL}/{uuid.uuid4()}")
    assert statuses == [404, 404, 404, 429]
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "rate_limited"


def test_api_messages_stay_english_whatever_the_callers_language(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    response = api.post(URL, body(store, platforms=[]), format="json", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.json()["error"]["details"] == {"platforms": ["This list may not be empty."]}
