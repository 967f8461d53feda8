"""The end-to-end stack: real Celery worker and beat processes on the test database, the
sandbox over HTTP in this process, the API called in this process."""

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

from publishing.beat_entry import DISPATCH
from publishing.models import ServiceHeartbeat
from publishing.routing import publish_queues
from publishing.sandbox.core import SandboxServer, serve_in_thread
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.processes import Service, service_env, start_beat, start_worker, wait_for
from tests.support.sandbox import platform_urls

LEASE_SECONDS = 3
# One worker for everything unless a test starts its own split.
QUEUES = ",".join(["default", *publish_queues(media=False), *publish_queues(media=True)])


class Stack:
    def __init__(self, sandbox: SandboxServer, log_dir: Path) -> None:
        self.sandbox = sandbox
        self.log_dir = log_dir
        # Short leases and delays, so recoveries happen within a test's patience.
        self.env = service_env(
            sandbox.base_url,
            PUBLISH_LEASE_SECONDS=str(LEASE_SECONDS),
            RECONCILE_DELAY_SECONDS="1",
            REQUEUE_AFTER_SECONDS="5",
            THREADS_CONTAINER_POLL_SECONDS="0.05",
            INSTAGRAM_CONTAINER_POLL_SECONDS="0.05",
            FACEBOOK_VIDEO_POLL_SECONDS="0.05",
        )
        self.services: list[Service] = []

    def worker(
        self, name: str = "worker", concurrency: int = 8, queues: str = QUEUES, **env: str
    ) -> Service:
        started = timezone.now()
        service = start_worker({**self.env, **env}, self.log_dir, name, concurrency, queues=queues)
        self.services.append(service)
        wait_for(
            lambda: ServiceHeartbeat.objects.filter(name="worker", last_seen__gte=started).exists(),
            30,
            f"{name} to start",
        )
        return service

    def beat(self, **env: str) -> Service:
        service = start_beat({**self.env, **env}, self.log_dir)
        self.services.append(service)
        return service

    def fault(self, platform: str = "x", **spec: Any) -> None:
        response = requests.post(
            f"{self.sandbox.base_url}/_sandbox/faults",
            json={"platform": platform, **spec},
            timeout=5,
        )
        assert response.status_code == 200, response.text

    def clear_faults(self) -> None:
        requests.delete(f"{self.sandbox.base_url}/_sandbox/faults", timeout=5)

    def calls(self, platform: str, method: str, path: str) -> list[dict[str, Any]]:
        """The requests the platform received on that method and path."""
        return [
            r
            for r in self.sandbox.state.requests(platform)
            if (r["method"], r["path"]) == (method, path)
        ]

    def logs(self) -> str:
        return "\n".join(f"--- {s.name}\n{s.log()[-4000:]}" for s in self.services)


@pytest.fixture
def stack(settings: Any, tmp_path: Path) -> Iterator[Stack]:
    # Messages left in the test broker by earlier (non-worker) tests are not ours.
    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).flushdb()
    # The flush between transactional tests empties beat's tables: put the entry back,
    # ticking every second.
    DISPATCH.ensure(interval_model=IntervalSchedule, task_model=PeriodicTask, every_seconds=1)
    server, base_url = serve_in_thread()
    for name, value in platform_urls(base_url).items():
        setattr(settings, name, value)
    settings.MEDIA_ALLOW_HTTP = True
    settings.MEDIA_ALLOW_LOOPBACK = True
    stack = Stack(server, tmp_path)
    try:
        yield stack
    finally:
        for service in stack.services:
            service.stop()
        server.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's browser: the machine's own Chromium (tests.support.browser)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}
