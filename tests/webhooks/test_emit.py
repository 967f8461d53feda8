"""event_emit as an outbox: rows only for interested endpoints, sending only after commit."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import transaction

from accounts.models import Store
from tests.factories import StoreFactory
from tests.support.broker import queued_calls
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import event_emit, webhook_endpoint_create, webhook_endpoint_update

pytestmark = pytest.mark.usefixtures("production_guard")

URL = "https://hooks.shop.example/mollkom"
DATA: dict[str, Any] = {
    "post_id": "5b0f",
    "status": "published",
    "schedule_at": None,
    "results": [],
}


@pytest.fixture
def sent() -> Callable[[], list[int]]:
    """The delivery ids handed to the (real, test) broker since the last call."""
    queued_calls("webhooks.deliver")  # start from an empty queue
    return lambda: [args[0] for args in queued_calls("webhooks.deliver")]


def endpoint(store: Store, events: list[str]) -> WebhookEndpoint:
    created, _ = webhook_endpoint_create(store=store, url=URL, events=events)
    return created


def test_without_endpoints_costs_one_query_and_writes_nothing(
    store: Store, django_assert_num_queries: Any, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint(store, ["post.failed"])  # subscribed to something else
    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(1):
        assert event_emit(store=store, type="post.published", data=DATA) is None
    assert callbacks == []
    assert WebhookEvent.objects.count() == 0


def test_deliveries_only_for_enabled_subscribed_endpoints_of_the_store(
    store: Store, sent: Callable[[], list[int]], django_capture_on_commit_callbacks: Any
) -> None:
    wanted = endpoint(store, ["post.failed", "post.published"])
    also_wanted = endpoint(store, ["post.published"])
    disabled = endpoint(store, ["post.published"])
    webhook_endpoint_update(endpoint=disabled, enabled=False)
    endpoint(store, ["target.published"])
    endpoint(StoreFactory.create(), ["post.published"])

    with django_capture_on_commit_callbacks(execute=True):
        event = event_emit(store=store.pk, type="post.published", data=DATA)
        assert sent() == []  # nothing is sent before commit

    assert event is not None
    event.refresh_from_db()
    assert (event.store_id, event.type, event.data) == (store.pk, "post.published", DATA)
    deliveries = WebhookDelivery.objects.filter(event=event).order_by("pk")
    assert {d.endpoint_id for d in deliveries} == {wanted.pk, also_wanted.pk}
    assert {(d.status, d.attempt_count) for d in deliveries} == {("pending", 0)}
    assert sorted(sent()) == [d.pk for d in deliveries]


def test_rolled_back_transaction_leaves_no_event_and_sends_nothing(
    store: Store, sent: Callable[[], list[int]], django_capture_on_commit_callbacks: Any
) -> None:
    endpoint(store, ["post.published"])
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        event_emit(store=store, type="post.published", data=DATA)
        raise RuntimeError("the pipeline's change failed")
    assert WebhookEvent.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0
    assert sent() == []


def test_data_may_hold_uuids_and_datetimes(store: Store, sent: Callable[[], list[int]]) -> None:
    endpoint(store, ["account.disconnected"])
    account_id = uuid.uuid4()
    at = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    event = event_emit(store=store, type="account.disconnected", data={"id": account_id, "at": at})
    assert event is not None
    event.refresh_from_db()
    assert event.data == {"id": str(account_id), "at": "2026-12-01T15:00:00Z"}


def test_unknown_event_type_is_a_programming_error(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown webhook event type"):
        event_emit(store=store, type="post.exploded", data={})
    with pytest.raises(ValueError):
        event_emit(store=store, type="webhook.test", data={})


def test_each_emit_is_its_own_event(store: Store, sent: Callable[[], list[int]]) -> None:
    endpoint(store, ["post.published"])
    first = event_emit(store=store, type="post.published", data=DATA)
    second = event_emit(store=store, type="post.published", data=DATA)
    assert first is not None and second is not None
    assert first.pk != second.pk
    assert WebhookDelivery.objects.count() == 2
