"""Worker and beat as real processes while the database drops their connections and
refuses new ones for a few seconds (a failover, a restart): both stay up and carry on."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import PostTarget, ServiceHeartbeat
from tests.e2e.conftest import Stack
from tests.support.api import post_status, publish
from tests.support.postgres import database_down
from tests.support.processes import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

# libpq names each process's backends after PGAPPNAME, so the test drops only theirs.
WORKER_APP = "mollkom-test-worker"
BEAT_APP = "mollkom-test-beat"
OUTAGE_SECONDS = 4


def _seen_after(name: str, moment: datetime) -> bool:
    return ServiceHeartbeat.objects.filter(name=name, last_seen__gt=moment).exists()


def test_beat_and_worker_carry_on_after_the_database_drops_their_connections(
    api: APIClient, store: Store, x_account: SocialAccount, stack: Stack
) -> None:
    stack.worker(PGAPPNAME=WORKER_APP)
    # Beat records its heartbeat every half second and gives up on the pool after one, so
    # the outage reaches it within the test's few seconds, not the production defaults'.
    beat = stack.beat(PGAPPNAME=BEAT_APP, BEAT_HEARTBEAT_SECONDS="0.5", DB_POOL_TIMEOUT="1")
    started = timezone.now()
    wait_for(lambda: _seen_after("beat", started), 30, f"beat to start\n{stack.logs()}")
    # Falls due just after the database is back.
    due = timezone.now() + timedelta(seconds=OUTAGE_SECONDS + 3)
    answer = publish(api, store, schedule_at=due.isoformat())

    with database_down(BEAT_APP, WORKER_APP):
        time.sleep(OUTAGE_SECONDS)
    back = timezone.now()

    assert beat.process.poll() is None, stack.logs()
    wait_for(lambda: _seen_after("beat", back), 30, f"beat's heartbeat\n{stack.logs()}")
    wait_for(lambda: _seen_after("worker", back), 30, f"the worker's heartbeat\n{stack.logs()}")
    wait_for(
        lambda: post_status(api, answer["post_id"]) == "published",
        30,
        f"the post due after the outage\n{stack.logs()}",
    )
    published_at = PostTarget.objects.get().published_at
    assert published_at is not None and published_at >= due
    assert len(stack.sandbox.state.posts("x")) == 1
    assert "beat could not reach the database" in beat.log()
    assert beat.process.poll() is None, stack.logs()
