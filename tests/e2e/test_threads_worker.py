"""Threads end to end through real Celery worker and beat processes, PostgreSQL, Redis and
the sandbox over HTTP (see test_worker_beat.py for the stack)."""

from __future__ import annotations

import pytest
import requests
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import PostTarget, TargetStatus
from tests.e2e.conftest import Stack
from tests.factories import SocialAccountFactory
from tests.support.api import post_status, publish
from tests.support.processes import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


@pytest.fixture
def threads_account(store: Store) -> SocialAccount:
    return SocialAccountFactory.create(store=store, platform="threads")


def test_worker_killed_between_container_and_publish_makes_one_post(
    api: APIClient, store: Store, threads_account: SocialAccount, stack: Stack
) -> None:
    # Every status read takes 2 s: the worker is killed while the container is processing.
    requests.post(
        f"{stack.sandbox.base_url}/_sandbox/faults",
        json={"platform": "threads", "method": "GET", "path": r"/v1\.0/[0-9]+", "kind": "latency",
              "delay_s": 2, "times": 0},
        timeout=5,
    )  # fmt: skip
    first = stack.worker("first")
    stack.beat()
    answer = publish(
        api,
        store,
        platforms=["threads"],
        content={"text": "وصل حديثاً", "media": [], "link": None},
        wait=False,
    )
    wait_for(
        lambda: PostTarget.objects.filter(checkpoint__has_key="container").exists(),
        20,
        f"the container\n{stack.logs()}",
    )
    first.kill()
    target = PostTarget.objects.get()
    assert (target.status, target.create_started_at) == (TargetStatus.PROCESSING, None)
    assert len(stack.calls("threads", "POST", "/v1.0/me/threads_publish")) == 0
    stack.clear_faults()

    stack.worker("second")
    wait_for(
        lambda: post_status(api, answer["post_id"]) == "published",
        40,
        f"recovery\n{stack.logs()}",
    )
    [post] = stack.sandbox.state.posts("threads")
    target = PostTarget.objects.get()
    assert (target.platform_post_id, target.url) == (post["id"], post["permalink"])
    assert post["container_id"] == target.checkpoint["container"]
    assert (
        len(stack.calls("threads", "POST", "/v1.0/me/threads")) == 1
    )  # resumed from the container
    assert len(stack.calls("threads", "POST", "/v1.0/me/threads_publish")) == 1


def test_x_and_threads_are_published_by_a_real_worker_in_one_request(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    threads_account: SocialAccount,
    stack: Stack,
) -> None:
    stack.worker("worker")
    image = f"{stack.sandbox.base_url}/_sandbox/media/dress.png"
    answer = publish(
        api,
        store,
        platforms=["x", "threads"],
        content={"text": "عرض اليوم", "media": [{"type": "image", "url": image}],
                 "link": "https://shop.example/p/1"},
    )  # fmt: skip
    assert answer["status"] == "published", stack.logs()
    [tweet] = stack.sandbox.state.posts("x")
    [thread] = stack.sandbox.state.posts("threads")
    assert {r["platform"]: r["url"] for r in answer["results"]} == {
        "x": f"{stack.sandbox.base_url}/x-web/{x_account.handle}/status/{tweet['id']}",
        "threads": thread["permalink"],
    }
