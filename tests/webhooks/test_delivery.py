"""Delivering to a real HTTP receiver: signatures, retries, the sweep, auto-disable.

The worker's services are called directly (no eager Celery); time is driven with
time-machine; the receiver verifies with the documented recipe only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Store
from tests.support.broker import queued_calls
from tests.webhooks.conftest import endpoint_for
from tests.webhooks.receiver import Receiver
from webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from webhooks.services import deliveries_due, delivery_attempt, event_emit
from webhooks.services.delivery import delivery_claim, lease_seconds

DATA = {
    "post_id": "5b0f2c1e-0000-4000-8000-000000000001",
    "status": "published",
    "schedule_at": None,
    "results": [{"platform": "x", "status": "published", "post_id": "1862", "url": None}],
}


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def emit(store: Store, type: str = "post.published", data: Any = DATA) -> WebhookEvent:
    event = event_emit(store=store, type=type, data=data)
    assert event is not None
    return event


def only_delivery() -> WebhookDelivery:
    return WebhookDelivery.objects.get()


@pytest.fixture
def sweep(django_capture_on_commit_callbacks: Any) -> Any:
    """Run the sweep and its after-commit sends; the delivery ids it put on the broker."""

    def run() -> list[int]:
        queued_calls("webhooks.deliver")  # only what this sweep sends
        with django_capture_on_commit_callbacks(execute=True):
            deliveries_due()
        return [args[0] for args in queued_calls("webhooks.deliver")]

    return run


def test_delivered_event_is_signed_and_shaped_as_documented(
    store: Store, receiver: Receiver
) -> None:
    endpoint = endpoint_for(receiver, store)
    event = emit(store)
    delivery_attempt(delivery_id=only_delivery().pk)

    [received] = receiver.accepted()
    assert received.json == {
        "id": str(event.pk),
        "type": "post.published",
        "created_at": event.created_at.isoformat(),
        "data": DATA,
    }
    assert received.json["created_at"].endswith("+00:00")
    headers = received.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["Mollkom-Event-Id"] == str(event.pk)
    assert headers["Mollkom-Event-Type"] == "post.published"
    assert abs(int(headers["Mollkom-Timestamp"]) - timezone.now().timestamp()) < 5
    assert headers["Mollkom-Signature"].startswith("v1=")

    delivery = only_delivery()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert (delivery.attempt_count, delivery.last_status_code, delivery.last_error) == (1, 200, "")
    assert delivery.delivered_at is not None
    assert (delivery.next_attempt_at, delivery.lease_expires_at) == (None, None)
    [attempt] = WebhookAttempt.objects.filter(delivery=delivery)
    assert (attempt.status_code, attempt.error) == (200, "")
    assert attempt.request_bytes == len(received.body)
    assert endpoint.deliveries.count() == 1


def test_receiver_refuses_a_tampered_body_or_a_wrong_secret(
    store: Store, receiver: Receiver
) -> None:
    endpoint_for(receiver, store)
    emit(store)
    delivery_attempt(delivery_id=only_delivery().pk)
    [genuine] = receiver.accepted()
    signed = {k: v for k, v in genuine.headers.items() if k.startswith("Mollkom-")}

    tampered = genuine.body.replace(b'"published"', b'"failed"', 1)
    assert tampered != genuine.body
    answer = requests.post(receiver.url, data=tampered, headers=signed, timeout=5)
    assert answer.status_code == 400
    replayed_later = {**signed, "Mollkom-Timestamp": str(int(signed["Mollkom-Timestamp"]) + 1)}
    answer = requests.post(receiver.url, data=genuine.body, headers=replayed_later, timeout=5)
    assert answer.status_code == 400
    # Unchanged, it still passes: the refusals above are the tampering's doing.
    answer = requests.post(receiver.url, data=genuine.body, headers=signed, timeout=5)
    assert answer.status_code == 200

    receiver.secret = "whsec_" + "A" * 43
    delivery_attempt(delivery_id=emit(store).deliveries.get().pk)  # signed with the real one
    assert receiver.received[-1].verified is False


def test_receiver_down_then_back_gets_the_event_exactly_once(
    store: Store,
    receiver: Receiver,
    clock: Any,
    sweep: Any,
) -> None:
    endpoint = endpoint_for(receiver, store)
    event = emit(store)
    delivery = only_delivery()
    start = timezone.now()

    receiver.answers = [503]
    delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.last_status_code) == (
        "pending",
        1,
        503,
    )
    assert delivery.last_error == 'HTTP 503: {"error": "try later"}'
    assert delivery.next_attempt_at is not None
    assert start + timedelta(seconds=9) <= delivery.next_attempt_at <= start + timedelta(seconds=11)
    assert sweep() == []  # not due yet

    receiver.stop()  # now not even listening
    clock.shift(12)
    assert sweep() == [delivery.pk]
    delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.last_status_code) == (
        "pending",
        2,
        None,
    )
    assert delivery.last_error == "The connection to the webhook URL failed."
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 2

    receiver.start()  # back, on the same port
    clock.shift(20)
    assert sweep() == []  # the 30 s backoff is not over
    clock.shift(15)
    assert sweep() == [delivery.pk]
    delivery_attempt(delivery_id=delivery.pk)
    delivery_attempt(delivery_id=delivery.pk)  # a duplicated message: already delivered

    clock.shift(7200)
    assert sweep() == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("delivered", 3)
    [received] = receiver.accepted()
    assert received.json["id"] == str(event.pk)
    assert len(receiver.received) == 2  # the 503 and the one that landed
    assert list(delivery.attempts.values_list("status_code", "error")) == [
        (503, 'HTTP 503: {"error": "try later"}'),
        (None, "The connection to the webhook URL failed."),
        (200, ""),
    ]
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0  # a success resets the count


def test_a_lost_answer_makes_a_duplicate_with_the_same_event_id(
    store: Store, receiver: Receiver, settings: Any, clock: Any
) -> None:
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    endpoint_for(receiver, store)
    event = emit(store)
    delivery = only_delivery()
    receiver.delay = 1.0  # it takes the event, but answers too late
    delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.last_error == "No answer within 0.3 s."

    receiver.delay = 0
    clock.shift(15)
    delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    first, second = receiver.accepted()
    assert first.headers["Mollkom-Event-Id"] == second.headers["Mollkom-Event-Id"] == str(event.pk)
    assert first.json == second.json  # the same event, byte for byte
    # Each attempt is signed afresh: receivers can refuse stale timestamps.
    assert int(second.headers["Mollkom-Timestamp"]) - int(first.headers["Mollkom-Timestamp"]) == 15


def test_retry_window_ends_in_failed(
    store: Store, receiver: Receiver, settings: Any, clock: Any
) -> None:
    settings.WEBHOOK_RETRY_WINDOW_SECONDS = 60
    endpoint_for(receiver, store)
    emit(store)
    delivery = only_delivery()
    receiver.answers = [500] * 10

    delivery_attempt(delivery_id=delivery.pk)  # t=0, next after ~10 s
    clock.shift(12)
    delivery_attempt(delivery_id=delivery.pk)  # t=12, next after ~30 s: still in the window
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    clock.shift(34)
    delivery_attempt(delivery_id=delivery.pk)  # t=46, next after ~2 min: past the window
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.next_attempt_at is None
    assert delivery.last_error == 'HTTP 500: {"error": "try later"} Gave up after 3 attempts.'
    clock.shift(3600)
    delivery_attempt(delivery_id=delivery.pk)
    assert deliveries_due() == 0
    assert delivery.attempts.count() == 3 == len(receiver.received)


def test_endpoint_disabled_after_consecutive_failures_then_re_enabled_by_patch(
    store: Store, receiver: Receiver, settings: Any, clock: Any, api: APIClient
) -> None:
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    endpoint = endpoint_for(receiver, store)
    receiver.answers = [500] * 3
    first = emit(store).deliveries.get()
    second = emit(store).deliveries.get()
    delivery_attempt(delivery_id=first.pk)
    delivery_attempt(delivery_id=second.pk)
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.consecutive_failures) == (True, 2)

    clock.shift(12)
    delivery_attempt(delivery_id=first.pk)  # the third failure in a row
    endpoint.refresh_from_db()
    assert endpoint.enabled is False
    assert endpoint.consecutive_failures == 3
    assert endpoint.disabled_reason.startswith("Disabled after 3 failed deliveries in a row")
    assert endpoint.disabled_reason.endswith('(last: HTTP 500: {"error": "try later"})')
    # Its pending deliveries stop, with the reason.
    second.refresh_from_db()
    assert second.status == "failed"
    assert second.last_error.startswith("Not sent: the endpoint was disabled (Disabled after 3")
    assert deliveries_due() == 0
    delivery_attempt(delivery_id=second.pk)
    assert len(receiver.received) == 3
    # Nothing more is recorded for it while it is off.
    assert event_emit(store=store, type="post.published", data=DATA) is None

    response = api.patch(f"/functions/v1/webhooks/{endpoint.pk}", {"enabled": True}, format="json")
    webhook = response.json()["webhook"]
    assert (webhook["enabled"], webhook["consecutive_failures"], webhook["disabled_reason"]) == (
        True,
        0,
        None,
    )
    third = emit(store).deliveries.get()
    delivery_attempt(delivery_id=third.pk)
    third.refresh_from_db()
    assert third.status == "delivered"


def test_url_is_checked_again_before_each_send(
    store: Store, receiver: Receiver, settings: Any
) -> None:
    endpoint_for(receiver, store)
    emit(store)
    settings.MEDIA_ALLOW_LOOPBACK = False  # as if the host now resolved to loopback
    delivery_attempt(delivery_id=only_delivery().pk)
    assert receiver.received == []
    delivery = only_delivery()
    assert delivery.status == "pending"
    assert delivery.last_error == "The webhook host '127.0.0.1' is not a public address."
    assert delivery.attempts.get().status_code is None


def test_redirects_are_not_followed(store: Store, receiver: Receiver) -> None:
    endpoint_for(receiver, store)
    emit(store)
    receiver.answers = [302]
    delivery_attempt(delivery_id=only_delivery().pk)
    assert len(receiver.received) == 1  # not the redirect's target
    delivery = only_delivery()
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)
    assert delivery.last_error == "HTTP 302: redirects are not followed."


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_expires(
    store: Store, receiver: Receiver, clock: Any, sweep: Any
) -> None:
    endpoint_for(receiver, store)
    emit(store)
    delivery = only_delivery()
    assert delivery_claim(delivery_id=delivery.pk) == 1  # a worker took it, then died
    assert delivery_claim(delivery_id=delivery.pk) is None
    delivery_attempt(delivery_id=delivery.pk)  # a duplicate message meanwhile: no-op
    assert sweep() == []
    assert receiver.received == []

    clock.shift(lease_seconds() + 1)
    assert sweep() == [delivery.pk]
    delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("delivered", 2)
    assert len(receiver.accepted()) == 1


def test_sweep_resends_a_message_that_may_be_lost(
    store: Store,
    receiver: Receiver,
    clock: Any,
    settings: Any,
    sweep: Any,
) -> None:
    endpoint_for(receiver, store)
    emit(store)  # enqueued on commit, but the message never reaches a worker
    delivery = only_delivery()
    assert sweep() == []  # probably still on its way
    clock.shift(settings.REQUEUE_AFTER_SECONDS + 1)
    assert sweep() == [delivery.pk]
    assert sweep() == []  # just re-sent
    delivery_attempt(delivery_id=delivery.pk)
    assert len(receiver.accepted()) == 1


def test_disabled_endpoint_gets_nothing_already_queued(store: Store, receiver: Receiver) -> None:
    endpoint = endpoint_for(receiver, store)
    emit(store)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        enabled=False, disabled_reason="Switched off by support."
    )
    delivery_attempt(delivery_id=only_delivery().pk)
    assert receiver.received == []
    delivery = only_delivery()
    assert delivery.status == "failed"
    assert delivery.last_error == "Not sent: the endpoint is disabled (Switched off by support.)."


def test_deleted_endpoint_stops_its_deliveries(store: Store, receiver: Receiver) -> None:
    endpoint = endpoint_for(receiver, store)
    delivery = emit(store).deliveries.get()
    endpoint.delete()
    delivery_attempt(delivery_id=delivery.pk)
    assert receiver.received == []


def test_event_body_keeps_arabic_readable(store: Store, receiver: Receiver) -> None:
    endpoint_for(receiver, store, events=["target.failed"])
    data = {"platform": "x", "error": {"message": "فشل النشر"}}
    emit(store, type="target.failed", data=data)
    delivery_attempt(delivery_id=only_delivery().pk)
    [received] = receiver.accepted()
    assert "فشل النشر".encode() in received.body
    assert json.loads(received.body)["data"] == data
