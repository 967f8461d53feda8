"""Threads end to end through real Celery worker and beat processes, PostgreSQL, Redis and
the sandbox over HTTP (see test_worker_beat.py for the stack)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from django.conf import settings as django_settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.beat_entry import DISPATCH
from publishing.models import PostTarget, ServiceHeartbeat, TargetStatus
from publishing.sandbox.core import SandboxServer, serve_in_thread
from tests.factories import SocialAccountFactory
from tests.support.api import post_status, publish
from tests.support.processes import Service, service_env, start_beat, start_worker, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

QUEUES = "default,publish.x,publish.threads"


class Stack:
    def __init__(self, sandbox: SandboxServer, log_dir: Path) -> None:
        self.sandbox = sandbox
        self.log_dir = log_dir
        self.env = service_env(
            sandbox.base_url,
            PUBLISH_LEASE_SECONDS="3",
            RECONCILE_DELAY_SECONDS="1",
            REQUEUE_AFTER_SECONDS="5",
            THREADS_API_BASE_URL=f"{sandbox.base_url}/threads/v1.0",
            THREADS_CONTAINER_POLL_SECONDS="0.05",
        )
        self.services: list[Service] = []

    def worker(self, name: str) -> Service:
        started = timezone.now()
        service = start_worker(self.env, self.log_dir, name, queues=QUEUES)
        self.services.append(service)
        wait_for(
            lambda: ServiceHeartbeat.objects.filter(name="worker", last_seen__gte=started).exists(),
            30,
            f"{name} to start",
        )
        return service

    def beat(self) -> None:
        self.services.append(start_beat(self.env, self.log_dir))

    def calls(self, method: str, path: str) -> int:
        return sum(
            1
            for r in self.sandbox.state.requests("threads")
            if (r["method"], r["path"]) == (method, path)
        )

    def logs(self) -> str:
        return "\n".join(f"--- {s.name}\n{s.log()[-4000:]}" for s in self.services)


@pytest.fixture
def stack(settings: Any, tmp_path: Path) -> Iterator[Stack]:
    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).flushdb()
    DISPATCH.ensure(interval_model=IntervalSchedule, task_model=PeriodicTask, every_seconds=1)
    server, base_url = serve_in_thread()
    settings.X_API_BASE_URL = f"{base_url}/x"
    settings.X_WEB_BASE_URL = f"{base_url}/x-web"
    settings.THREADS_API_BASE_URL = f"{base_url}/threads/v1.0"
    settings.MEDIA_ALLOW_HTTP = True
    settings.MEDIA_ALLOW_LOOPBACK = True
    stack = Stack(server, tmp_path)
    try:
        yield stack
    finally:
        for service in stack.services:
            service.stop()
        server.stop()


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
    assert stack.calls("POST", "/v1.0/me/threads_publish") == 0
    requests.delete(f"{stack.sandbox.base_url}/_sandbox/faults", timeout=5)

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
    assert stack.calls("POST", "/v1.0/me/threads") == 1  # resumed from the container
    assert stack.calls("POST", "/v1.0/me/threads_publish") == 1


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
