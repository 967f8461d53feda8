"""The admin shows endpoints, events and deliveries with their attempts, never the secret;
the sweep's beat entry exists as the migration creates it."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client
from django_celery_beat.models import PeriodicTask

from accounts.models import Store
from tests.webhooks.conftest import endpoint_for
from tests.webhooks.receiver import Receiver
from webhooks.beat_entry import NAME, TASK
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import delivery_attempt, event_emit


@pytest.fixture
def staff(db: Any) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("support", "s@example.com", "pw"))
    return client


def test_admin_pages_show_deliveries_and_attempts_but_never_the_secret(
    staff: Client, store: Store, receiver: Receiver
) -> None:
    endpoint = endpoint_for(receiver, store)
    event = event_emit(store=store, type="post.published", data={"post_id": "p1"})
    assert event is not None
    receiver.answers = [503]
    delivery = WebhookDelivery.objects.get()
    delivery_attempt(delivery_id=delivery.pk)

    pages = [
        "/admin/webhooks/webhookendpoint/",
        f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/",
        "/admin/webhooks/webhookevent/",
        f"/admin/webhooks/webhookevent/{event.pk}/change/",
        "/admin/webhooks/webhookdelivery/",
        "/admin/webhooks/webhookdelivery/?status__exact=pending&event__type__exact=post.published",
        f"/admin/webhooks/webhookdelivery/?endpoint__store__id__exact={store.pk}",
        f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/",
    ]
    stored = WebhookEndpoint.objects.get()
    for page in pages:
        response = staff.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert receiver.secret not in html and stored.secret_encrypted not in html, page
    delivery_page = staff.get(f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/")
    assert "try later" in delivery_page.content.decode()  # the attempt's error, inline
    assert staff.get("/admin/webhooks/webhookendpoint/add/").status_code == 403


def test_sweep_beat_entry_runs_every_configured_interval(db: Any, settings: Any) -> None:
    settings.WEBHOOK_SWEEP_INTERVAL_SECONDS = 7
    migration = importlib.import_module("webhooks.migrations.0002_sweep_schedule")
    [operation] = migration.Migration.operations
    operation.code(apps, None)
    operation.code(apps, None)  # idempotent
    entry = PeriodicTask.objects.get(name=NAME)
    assert (entry.task, entry.enabled) == (TASK, True)
    assert (entry.interval.every, entry.interval.period) == (7, "seconds")
    operation.reverse_code(apps, None)
    assert not PeriodicTask.objects.filter(name=NAME).exists()
    assert WebhookEvent.objects.count() == 0


def test_switching_an_endpoint_off_in_the_admin_stops_its_pending_deliveries(
    staff: Client, store: Store, receiver: Receiver
) -> None:
    endpoint = endpoint_for(receiver, store)
    event_emit(store=store, type="post.published", data={"post_id": "p1"})
    response = staff.post(
        f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/",
        {"events": '["post.published", "post.failed"]'},  # "enabled" unticked
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.events) == (False, ["post.published", "post.failed"])
    assert endpoint.disabled_reason == "Disabled by support (support)."
    assert WebhookDelivery.objects.get().status == "failed"
