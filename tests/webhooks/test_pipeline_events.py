"""What the publishing pipeline tells a store's webhooks, end to end to a real receiver."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import requests
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from accounts.services import social_account_disconnect
from publishing.models import PostTarget
from publishing.sandbox.core import SandboxServer
from publishing.services.pipeline import target_publish
from publishing.services.reconcile import target_reconcile
from tests.support.api import PUBLISH_URL, publish
from tests.webhooks.conftest import endpoint_for
from tests.webhooks.receiver import Receiver
from webhooks.models import WebhookDelivery
from webhooks.services import delivery_attempt

ALL = [
    "post.published", "post.partially_published", "post.failed", "post.cancelled",
    "target.published", "target.failed", "target.unconfirmed",
    "account.needs_reconnect", "account.disconnected",
]  # fmt: skip


def deliver_all() -> None:
    for delivery in WebhookDelivery.objects.filter(status="pending").order_by("pk"):
        delivery_attempt(delivery_id=delivery.pk)


def received(receiver: Receiver) -> list[tuple[str, dict[str, Any]]]:
    return [(r.json["type"], r.json["data"]) for r in receiver.accepted()]


def test_a_published_post_sends_target_then_post_events(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    receiver: Receiver,
) -> None:
    endpoint_for(receiver, store, ALL)
    answer = publish(api, store, wait=False)
    target_publish(target_id=PostTarget.objects.get().pk)
    deliver_all()
    current = api.get(f"{PUBLISH_URL}/{answer['post_id']}").json()
    del current["success"]
    assert received(receiver) == [
        ("target.published", {"platform": "x", **current}),
        ("post.published", current),
    ]
    assert all(r.verified for r in receiver.received)


def test_a_revoked_token_sends_target_post_and_account_events(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    receiver: Receiver,
) -> None:
    endpoint_for(receiver, store, ALL)
    requests.post(
        f"{sandbox.base_url}/_sandbox/faults",
        json={"platform": "x", "method": "POST", "path": "/2/tweets", "kind": "expired_token"},
        timeout=5,
    )
    publish(api, store, wait=False)
    target_publish(target_id=PostTarget.objects.get().pk)
    deliver_all()
    events = received(receiver)
    assert [kind for kind, _ in events] == [
        "account.needs_reconnect",
        "target.failed",
        "post.failed",
    ]
    assert events[0][1] == {
        "platform": "x",
        "account_id": x_account.platform_account_id,
        "handle": x_account.handle,
        "status": "needs_reconnect",
        "status_reason": "X no longer accepts this account's token; reconnect the X account.",
        "token_expires_at": None,
    }
    assert events[1][1]["results"][0]["error"]["code"] == "auth_revoked"
    assert events[1][1]["results"][0]["notices"] == []  # the same result shape as the API's


def test_a_lost_answer_sends_target_unconfirmed_then_published(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    receiver: Receiver,
    settings: Any,
) -> None:
    settings.PLATFORM_HTTP_TIMEOUT = 0.5
    endpoint_for(receiver, store, ["target.unconfirmed", "target.published"])
    requests.post(
        f"{sandbox.base_url}/_sandbox/faults",
        json={"platform": "x", "method": "POST", "path": "/2/tweets", "kind": "timeout",
              "delay_s": 2, "after_effect": True},
        timeout=5,
    )  # fmt: skip
    publish(api, store, wait=False)
    target = PostTarget.objects.get()
    target_publish(target_id=target.pk)
    target_reconcile(target_id=target.pk)
    deliver_all()
    assert [kind for kind, _ in received(receiver)] == ["target.unconfirmed", "target.published"]


def test_cancel_sends_post_cancelled(
    api: APIClient, store: Store, x_account: SocialAccount, receiver: Receiver
) -> None:
    endpoint_for(receiver, store, ["post.cancelled"])
    at = (timezone.now() + timedelta(hours=1)).isoformat()
    answer = publish(api, store, schedule_at=at)
    api.delete(f"{PUBLISH_URL}/{answer['post_id']}")
    deliver_all()
    [(kind, data)] = received(receiver)
    assert (kind, data["post_id"], data["status"]) == (
        "post.cancelled",
        answer["post_id"],
        "cancelled",
    )


def test_disconnecting_an_account_sends_account_disconnected(
    store: Store, x_account: SocialAccount, receiver: Receiver
) -> None:
    endpoint_for(receiver, store, ["account.disconnected"])
    social_account_disconnect(account=x_account, reason="Disconnected by the merchant.")
    social_account_disconnect(account=x_account)  # already disconnected: no second event
    deliver_all()
    [(kind, data)] = received(receiver)
    assert (kind, data["status"]) == ("account.disconnected", "disconnected")
    x_account.refresh_from_db()
    assert x_account.access_token_encrypted == ""


def test_a_store_without_webhooks_pays_one_query_per_event(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    django_assert_max_num_queries: Any,
) -> None:
    publish(api, store, wait=False)
    target = PostTarget.objects.get()
    with django_assert_max_num_queries(22):
        target_publish(target_id=target.pk)
    assert WebhookDelivery.objects.count() == 0
