"""End to end through real Celery worker and beat processes, PostgreSQL, Redis and the
sandbox over HTTP. The API runs in this process; workers and beat are separate processes
sharing the test database."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
import requests
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import PostTarget, TargetStatus
from tests.e2e.conftest import Stack
from tests.support.api import PUBLISH_URL, post_status, publish
from tests.support.processes import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def test_immediate_publish_answers_published_through_a_real_worker(
    api: APIClient, store: Store, x_account: SocialAccount, stack: Stack
) -> None:
    stack.worker()
    answer = publish(api, store)
    assert answer["status"] == "published", stack.logs()
    [tweet] = stack.sandbox.state.posts("x")
    assert answer["results"] == [
        {
            "platform": "x",
            "status": "published",
            "post_id": tweet["id"],
            "url": f"{stack.sandbox.base_url}/x-web/{x_account.handle}/status/{tweet['id']}",
            "notices": [],
        }
    ]


def test_scheduled_post_is_published_on_time_by_beat(
    api: APIClient, store: Store, x_account: SocialAccount, stack: Stack
) -> None:
    stack.worker()
    stack.beat()
    at = timezone.now() + timedelta(seconds=4)
    answer = publish(api, store, schedule_at=at.isoformat())
    assert answer["status"] == "scheduled"
    wait_for(
        lambda: post_status(api, answer["post_id"]) == "published",
        30,
        f"the scheduled post\n{stack.logs()}",
    )
    target = PostTarget.objects.get()
    assert target.published_at is not None
    assert at <= target.published_at <= at + timedelta(seconds=5)
    assert len(stack.sandbox.state.posts("x")) == 1


def test_cancelled_post_is_never_published(
    api: APIClient, store: Store, x_account: SocialAccount, stack: Stack
) -> None:
    stack.worker()
    stack.beat()
    answer = publish(api, store, schedule_at=(timezone.now() + timedelta(seconds=3)).isoformat())
    response = api.delete(f"{PUBLISH_URL}/{answer['post_id']}")
    assert response.json() == {"success": True, "message": "Scheduled post cancelled"}
    time.sleep(5)  # well past the due time, with beat ticking every second
    assert post_status(api, answer["post_id"]) == "cancelled"
    assert stack.calls("x", "POST", "/2/tweets") == []


def test_posts_due_while_beat_was_down_go_out_when_it_returns(
    api: APIClient, store: Store, x_account: SocialAccount, stack: Stack
) -> None:
    stack.worker()
    answers = [
        publish(
            api,
            store,
            schedule_at=(timezone.now() + timedelta(seconds=1)).isoformat(),
            content={"text": f"post {i}", "media": [], "link": None},
        )
        for i in range(3)
    ]
    time.sleep(2)
    assert {post_status(api, a["post_id"]) for a in answers} == {"scheduled"}
    stack.beat()
    wait_for(
        lambda: {post_status(api, a["post_id"]) for a in answers} == {"published"},
        30,
        f"the missed posts\n{stack.logs()}",
    )


def test_worker_killed_during_the_create_call_neither_loses_nor_doubles_the_post(
    api: APIClient, store: Store, x_account: SocialAccount, stack: Stack
) -> None:
    # X creates the post, then its answer never comes: the worker is killed waiting for it.
    stack.fault(method="POST", path="/2/tweets", kind="timeout", delay_s=20, after_effect=True)
    first = stack.worker("first")
    stack.beat()
    answer = publish(api, store, wait=False)
    wait_for(
        lambda: PostTarget.objects.filter(create_started_at__isnull=False).exists(),
        20,
        f"the create call\n{stack.logs()}",
    )
    wait_for(lambda: len(stack.sandbox.state.posts("x")) == 1, 10, "X to create the post")
    first.kill()
    assert PostTarget.objects.get().status == TargetStatus.PROCESSING

    stack.worker("second")
    wait_for(
        lambda: post_status(api, answer["post_id"]) == "published",
        40,
        f"recovery\n{stack.logs()}",
    )
    [tweet] = stack.sandbox.state.posts("x")
    assert PostTarget.objects.get().platform_post_id == tweet["id"]
    assert len(stack.calls("x", "POST", "/2/tweets")) == 1  # settled by looking, never sent twice


def test_worker_killed_before_the_create_call_resumes_from_its_checkpoint(
    api: APIClient, store: Store, x_account: SocialAccount, stack: Stack
) -> None:
    # Every upload takes 2 s; the worker is killed once the first image is checkpointed.
    stack.fault(method="POST", path="/2/media/upload", kind="latency", delay_s=2, times=0)
    media = [
        {"type": "image", "url": f"{stack.sandbox.base_url}/_sandbox/media/shoe-{i}.png"}
        for i in range(2)
    ]
    first = stack.worker("first")
    stack.beat()
    answer = publish(api, store, wait=False, content={"text": "new", "media": media, "link": None})
    wait_for(
        lambda: PostTarget.objects.filter(checkpoint__has_key="media_ids").exists(),
        20,
        f"the first upload\n{stack.logs()}",
    )
    first.kill()
    target = PostTarget.objects.get()
    assert (target.status, len(target.checkpoint["media_ids"])) == ("processing", 1)
    assert target.create_started_at is None
    [first_image] = target.checkpoint["media_ids"]
    stack.clear_faults()

    stack.worker("second")
    wait_for(
        lambda: post_status(api, answer["post_id"]) == "published",
        40,
        f"recovery\n{stack.logs()}",
    )
    uploads = stack.calls("x", "POST", "/2/media/upload")
    # The first image was not uploaded again: its upload, the second image's resumed one,
    # and the killed one if the worker got as far as sending it.
    assert len(uploads) in (2, 3)
    assert len(stack.calls("x", "POST", "/2/tweets")) == 1
    [tweet] = stack.sandbox.state.posts("x")
    target = PostTarget.objects.get()
    assert target.attempt_count == 2
    assert tweet["request_body"]["media"]["media_ids"] == target.checkpoint["media_ids"]
    assert target.checkpoint["media_ids"][0] == first_image


def test_many_publishing_threads_share_a_small_connection_pool(
    api: APIClient, store: Store, x_account: SocialAccount, stack: Stack
) -> None:
    requests.post(f"{stack.sandbox.base_url}/_sandbox/latency", json={"ms": 300}, timeout=5)
    # libpq names the worker's connections, so they can be counted on the server. One
    # account's 24 posts must all be in flight at once: no per-store or per-account limit.
    stack.worker(
        concurrency=16, DB_POOL_MAX_SIZE="2", DB_POOL_MIN_SIZE="1", PGAPPNAME="e2e-pool-worker",
        PUBLISH_MAX_CONCURRENT_PER_STORE="0", PUBLISH_MAX_CONCURRENT_PER_ACCOUNT="0",
    )  # fmt: skip
    posts = [
        publish(api, store, wait=False, content={"text": f"item {i}", "media": [], "link": None})
        for i in range(24)
    ]
    peak = 0

    def all_published() -> bool:
        nonlocal peak
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                ["e2e-pool-worker"],
            )
            peak = max(peak, cursor.fetchone()[0])
        return {post_status(api, p["post_id"]) for p in posts} == {"published"}

    wait_for(all_published, 60, f"24 posts through 16 threads\n{stack.logs()}")
    assert len(stack.calls("x", "POST", "/2/tweets")) == 24
    assert 1 <= peak <= 2  # the worker's pool, however many threads wait on X
    # ...and no thread holds a connection while it waits on X, so the calls overlap:
    # holding one would serialise them two at a time.
    arrivals = sorted(
        datetime.fromisoformat(r["at"]).timestamp() for r in stack.calls("x", "POST", "/2/tweets")
    )
    in_flight = max(sum(1 for t in arrivals if a <= t < a + 0.3) for a in arrivals)
    assert in_flight >= 4
