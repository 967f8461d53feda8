"""The webhooks API: happy paths with whole bodies, and every refusal in the API's shape."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Store
from tests.factories import ApiKeyFactory, StoreFactory
from tests.webhooks.receiver import Receiver
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.usefixtures("production_guard")

URL = "/functions/v1/webhooks"
PUBLIC_URL = "https://hooks.shop.example/mollkom"


def create(api: APIClient, **overrides: Any) -> Any:
    body = {"url": PUBLIC_URL, "events": ["post.published", "post.failed"], **overrides}
    return api.post(URL, body, format="json")


def webhook_json(endpoint: WebhookEndpoint) -> dict[str, Any]:
    endpoint.refresh_from_db()
    return {
        "id": str(endpoint.pk),
        "url": endpoint.url,
        "events": endpoint.events,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason or None,
        "consecutive_failures": endpoint.consecutive_failures,
        "created_at": endpoint.created_at.isoformat(),
    }


def other_store_endpoint() -> WebhookEndpoint:
    endpoint, _ = webhook_endpoint_create(
        store=StoreFactory.create(), url=PUBLIC_URL, events=["post.published"]
    )
    return endpoint


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == code
    return body


def test_create_answers_201_with_the_secret_once(api: APIClient, store: Store) -> None:
    response = create(api)
    assert response.status_code == 201
    endpoint = WebhookEndpoint.objects.get()
    body = response.json()
    assert body == {"success": True, "webhook": webhook_json(endpoint), "secret": body["secret"]}
    assert body["webhook"] == {
        "id": str(endpoint.pk),
        "url": PUBLIC_URL,
        "events": ["post.published", "post.failed"],
        "enabled": True,
        "disabled_reason": None,
        "consecutive_failures": 0,
        "created_at": endpoint.created_at.isoformat(),
    }
    assert endpoint.store == store
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    # Stored encrypted (recoverable for signing), never in the clear.
    assert body["secret"] not in endpoint.secret_encrypted
    assert endpoint.secret == body["secret"]


def test_create_with_the_keys_own_store_id(api: APIClient, store: Store) -> None:
    assert create(api, store_id=str(store.pk)).status_code == 201


def test_create_for_another_store_is_403(api: APIClient) -> None:
    body = assert_error(create(api, store_id=str(StoreFactory.create().pk)), 403, "forbidden")
    assert body["error"]["message"] == "store_id is not the API key's store."
    assert WebhookEndpoint.objects.count() == 0


def test_list_and_get_never_show_the_secret(api: APIClient, store: Store) -> None:
    secret = create(api).json()["secret"]
    create(api, url="https://hooks.shop.example/second", events=["account.disconnected"])
    other_store_endpoint()
    first, second = WebhookEndpoint.objects.filter(store=store).order_by("created_at")

    listed = api.get(URL)
    assert listed.json() == {
        "success": True,
        "webhooks": [webhook_json(first), webhook_json(second)],
    }
    detail = api.get(f"{URL}/{first.pk}")
    assert detail.json() == {"success": True, "webhook": webhook_json(first)}
    assert secret not in listed.content.decode() + detail.content.decode()


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_stores_or_unknown_webhook_is_404(api: APIClient, method: str) -> None:
    theirs = other_store_endpoint()
    for webhook_id in (theirs.pk, uuid.uuid4(), "not-a-uuid"):
        response = getattr(api, method)(f"{URL}/{webhook_id}", {"enabled": False}, format="json")
        body = assert_error(response, 404, "not_found")
        assert body["error"]["message"] == "No such webhook."
    theirs.refresh_from_db()
    assert theirs.enabled is True


def test_test_of_another_stores_webhook_is_404(api: APIClient) -> None:
    theirs = other_store_endpoint()
    assert_error(api.post(f"{URL}/{theirs.pk}/test"), 404, "not_found")
    assert WebhookAttempt.objects.count() == 0


def test_delete_removes_the_webhook_and_its_history(api: APIClient, store: Store) -> None:
    endpoint, _ = webhook_endpoint_create(store=store, url=PUBLIC_URL, events=["post.published"])
    response = api.delete(f"{URL}/{endpoint.pk}")
    assert response.json() == {"success": True, "message": "Webhook deleted"}
    assert not WebhookEndpoint.objects.exists()
    assert_error(api.get(f"{URL}/{endpoint.pk}"), 404, "not_found")


def test_patch_changes_events_and_disables_then_re_enables(api: APIClient, store: Store) -> None:
    endpoint, _ = webhook_endpoint_create(store=store, url=PUBLIC_URL, events=["post.published"])
    response = api.patch(
        f"{URL}/{endpoint.pk}", {"events": ["target.failed", "post.failed"]}, format="json"
    )
    assert response.json()["webhook"]["events"] == ["target.failed", "post.failed"]

    response = api.patch(f"{URL}/{endpoint.pk}", {"enabled": False}, format="json")
    assert response.json() == {"success": True, "webhook": webhook_json(endpoint)}
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "Disabled by the store.")

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=7)
    response = api.patch(f"{URL}/{endpoint.pk}", {"enabled": True}, format="json")
    assert response.json()["webhook"] | {"id": "", "created_at": ""} == {
        "id": "",
        "url": PUBLIC_URL,
        "events": ["target.failed", "post.failed"],
        "enabled": True,
        "disabled_reason": None,
        "consecutive_failures": 0,
        "created_at": "",
    }


BAD_CREATE_BODIES: list[tuple[str, dict[str, Any]]] = [
    ("events empty", {"events": []}),
    ("events missing", {"events": None}),
    ("events a string", {"events": "post.published"}),
    ("unknown event", {"events": ["post.published", "post.deleted"]}),
    ("test event is not subscribable", {"events": ["webhook.test"]}),
    ("repeated event", {"events": ["post.failed", "post.failed"]}),
    ("event a number", {"events": [5]}),
    ("url missing", {"url": None}),
    ("url a number", {"url": 5}),
    ("unknown field", {"secret": "mine"}),
    ("store_id not a uuid", {"store_id": "abc"}),
]


@pytest.mark.parametrize(
    "overrides", [b for _, b in BAD_CREATE_BODIES], ids=[n for n, _ in BAD_CREATE_BODIES]
)
def test_invalid_create_is_400_and_writes_nothing(api: APIClient, overrides: Any) -> None:
    body = {"url": PUBLIC_URL, "events": ["post.published"], **overrides}
    body = {k: v for k, v in body.items() if v is not None}
    response = api.post(URL, body, format="json")
    assert_error(response, 400, "validation_error")
    assert WebhookEndpoint.objects.count() == 0


def test_invalid_create_names_each_problem(api: APIClient) -> None:
    response = api.post(
        URL, {"url": PUBLIC_URL, "events": ["post.failed", "post.failed"], "x": 1}, format="json"
    )
    assert response.json() == {
        "success": False,
        "error": {
            "code": "validation_error",
            "message": "The request is not valid.",
            "details": {"x": ["Unknown field."]},
        },
    }
    response = api.post(URL, {"url": PUBLIC_URL, "events": ["post.failed"] * 2}, format="json")
    assert response.json()["error"]["details"] == {"events": ["Repeated events: post.failed."]}


BAD_URLS: list[tuple[str, str, str]] = [
    ("not a url", "yourstore", "The webhook URL must be an absolute https URL."),
    ("ftp", "ftp://hooks.shop.example/x", "The webhook URL must be an absolute https URL."),
    ("plain http", "http://hooks.shop.example/x", "The webhook URL must be an absolute https URL."),
    (
        "credentials",
        "https://me:pw@hooks.shop.example/x",
        "The webhook URL must not contain a user name or password.",
    ),
    (
        "loopback",
        "https://127.0.0.1:8000/x",
        "The webhook host '127.0.0.1' is not a public address.",
    ),
    ("localhost", "https://localhost/x", "The webhook host 'localhost' is not a public address."),
    (
        "private",
        "https://intranet.shop.example/x",
        "The webhook host 'intranet.shop.example' is not a public address.",
    ),
    (
        "cloud metadata",
        "https://metadata.shop.example/latest",
        "The webhook host 'metadata.shop.example' is not a public address.",
    ),
    (
        "unresolvable",
        "https://nowhere.invalid/x",
        "The webhook host 'nowhere.invalid' does not resolve.",
    ),
]


@pytest.mark.parametrize(
    ("url", "message"), [(u, m) for _, u, m in BAD_URLS], ids=[n for n, _, _ in BAD_URLS]
)
def test_refused_url_is_400_with_the_reason(api: APIClient, url: str, message: str) -> None:
    response = create(api, url=url)
    assert response.json() == {
        "success": False,
        "error": {"code": "invalid_url", "message": message, "details": {"url": [message]}},
    }
    assert response.status_code == 400
    assert WebhookEndpoint.objects.count() == 0


def test_private_address_allowed_only_when_settings_say_so(api: APIClient, settings: Any) -> None:
    settings.MEDIA_ALLOW_PRIVATE = True
    assert create(api, url="https://intranet.shop.example/x").status_code == 201
    # Link-local (cloud metadata) never.
    assert_error(create(api, url="https://metadata.shop.example/x"), 400, "invalid_url")


def test_store_webhook_limit(api: APIClient, store: Store) -> None:
    for _ in range(10):
        webhook_endpoint_create(store=store, url=PUBLIC_URL, events=["post.published"])
    body = assert_error(create(api), 400, "too_many_webhooks")
    assert body["error"]["message"] == "A store can have at most 10 webhooks."


BAD_PATCHES: list[tuple[str, dict[str, Any]]] = [
    ("empty", {}),
    ("enabled a string", {"enabled": "yes"}),
    ("events empty", {"events": []}),
    ("unknown event", {"events": ["post.deleted"]}),
    ("url cannot change", {"url": "https://hooks.shop.example/other"}),
]


@pytest.mark.parametrize("body", [b for _, b in BAD_PATCHES], ids=[n for n, _ in BAD_PATCHES])
def test_invalid_patch_is_400_and_changes_nothing(
    api: APIClient, store: Store, body: dict[str, Any]
) -> None:
    endpoint, _ = webhook_endpoint_create(store=store, url=PUBLIC_URL, events=["post.published"])
    before = webhook_json(endpoint)
    assert_error(api.patch(f"{URL}/{endpoint.pk}", body, format="json"), 400, "validation_error")
    assert webhook_json(endpoint) == before


def test_without_an_api_key_is_401(store: Store) -> None:
    assert_error(APIClient().get(URL), 401, "unauthenticated")
    assert_error(APIClient().post(URL, {}, format="json"), 401, "unauthenticated")


def test_body_not_json_is_415(api: APIClient) -> None:
    response = api.post(URL, "url=x", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")


def test_test_endpoint_reports_a_delivered_test_event(
    api: APIClient, store: Store, receiver: Receiver
) -> None:
    endpoint, receiver.secret = webhook_endpoint_create(
        store=store, url=receiver.url, events=["post.published"]
    )
    body = api.post(f"{URL}/{endpoint.pk}/test").json()
    assert body == {
        "success": True,
        "delivered": True,
        "status_code": 200,
        "duration_ms": body["duration_ms"],
        "error": None,
    }
    [received] = receiver.accepted()
    event = WebhookEvent.objects.get()
    assert received.json == {
        "id": str(event.pk),
        "type": "webhook.test",
        "created_at": event.created_at.isoformat(),
        "data": {"webhook_id": str(endpoint.pk), "message": "A test event from Mollkom Social."},
    }
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempt_count) == ("delivered", 1)
    assert WebhookAttempt.objects.get().status_code == 200


def test_test_endpoint_reports_a_failure_and_leaves_the_endpoint_alone(
    api: APIClient, store: Store, receiver: Receiver
) -> None:
    endpoint, receiver.secret = webhook_endpoint_create(
        store=store, url=receiver.url, events=["post.published"]
    )
    receiver.answers = [500]
    body = api.post(f"{URL}/{endpoint.pk}/test").json()
    assert body == {
        "success": True,
        "delivered": False,
        "status_code": 500,
        "duration_ms": body["duration_ms"],
        "error": 'HTTP 500: {"error": "try later"}',
    }
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.consecutive_failures) == (True, 0)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.next_attempt_at) == ("failed", None)


def test_another_key_of_the_same_store_sees_the_webhooks(api: APIClient, store: Store) -> None:
    create(api)
    _, raw = ApiKeyFactory.create_with_raw(store=store)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert len(client.get(URL).json()["webhooks"]) == 1


def test_openapi_schema_documents_the_webhooks_api(api: APIClient) -> None:
    schema = APIClient().get("/functions/v1/openapi.json", HTTP_ACCEPT="application/json").json()
    assert set(schema["paths"]["/functions/v1/webhooks"]) >= {"get", "post"}
    assert set(schema["paths"]["/functions/v1/webhooks/{webhook_id}"]) >= {
        "get",
        "patch",
        "delete",
    }
    assert "post" in schema["paths"]["/functions/v1/webhooks/{webhook_id}/test"]
