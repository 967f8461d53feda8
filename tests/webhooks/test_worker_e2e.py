"""An emitted event reaches the storefront through a real Celery worker process (on the
`default` queue), PostgreSQL and Redis, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Store
from publishing.models import ServiceHeartbeat
from tests.support.processes import Service, service_env, start_worker, wait_for
from tests.webhooks.conftest import endpoint_for
from tests.webhooks.receiver import Receiver
from webhooks.models import WebhookDelivery
from webhooks.services import event_emit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Service]:
    # Messages left in the test broker by earlier (non-worker) tests are not ours.
    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).flushdb()
    started = timezone.now()
    # No platform is called here: the sandbox address is never used.
    service = start_worker(service_env("http://127.0.0.1:9"), tmp_path)
    try:
        wait_for(
            lambda: ServiceHeartbeat.objects.filter(name="worker", last_seen__gte=started).exists(),
            30,
            f"the worker to start\n{service.log()}",
        )
        yield service
    finally:
        service.stop()


def test_emitted_event_is_delivered_by_a_real_worker(
    store: Store, receiver: Receiver, worker: Service, settings: Any
) -> None:
    endpoint_for(receiver, store, events=["target.failed"])
    data = {"platform": "x", "post_id": "5b0f", "status": "failed", "results": []}
    with transaction.atomic():
        event = event_emit(store=store, type="target.failed", data=data)
        assert event is not None
    # Sent only after commit, by the worker.
    wait_for(lambda: receiver.accepted(), 30, f"the webhook\n{worker.log()}")
    [received] = receiver.accepted()
    assert received.json["id"] == str(event.pk)
    assert received.json["data"] == data
    wait_for(
        lambda: WebhookDelivery.objects.get().status == "delivered",
        10,
        f"the delivery to be recorded\n{worker.log()}",
    )
    assert WebhookDelivery.objects.get().attempts.count() == 1
    assert "webhooks.deliver" in worker.log()
