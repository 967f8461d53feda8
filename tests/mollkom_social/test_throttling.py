"""The per-key rate holds under parallel requests, on Redis and on the embedded default."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from django.db import connection
from rest_framework.test import APIClient

from accounts.models import RateWindow
from tests.factories import ApiKeyFactory, StoreFactory

PARALLEL = 24
ALLOWED = 8


def parallel_statuses(raw_key: str) -> tuple[Counter[int], list[Any]]:
    barrier = threading.Barrier(PARALLEL)
    statuses: Counter[int] = Counter()
    refusals: list[Any] = []
    lock = threading.Lock()

    def one() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        try:
            barrier.wait()
            response = client.get(f"/functions/v1/social-publish/{uuid.uuid4()}")
            with lock:
                statuses[response.status_code] += 1
                if response.status_code == 429:
                    refusals.append(response)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, refusals


def assert_exactly_the_rate_passes(settings: Any) -> None:
    settings.API_THROTTLE_RATE = f"{ALLOWED}/min"
    _, raw_key = ApiKeyFactory.create_with_raw(store=StoreFactory.create())
    statuses, refusals = parallel_statuses(raw_key)
    # Past the throttle, an unknown post is a 404.
    assert statuses == {404: ALLOWED, 429: PARALLEL - ALLOWED}
    # The window opened with the first request: every refusal waits out the rest of it.
    for refusal in refusals:
        retry_after = int(refusal["Retry-After"])
        assert 0 < retry_after <= 60
        assert refusal.json() == {
            "success": False,
            "error": {
                "code": "rate_limited",
                "message": f"Request was throttled. Expected available in {retry_after} seconds.",
                "details": {"retry_after_seconds": retry_after},
            },
        }


def test_parallel_requests_pass_exactly_the_rate_on_redis(
    transactional_db: None, settings: Any
) -> None:
    assert_exactly_the_rate_passes(settings)
    assert not RateWindow.objects.exists()  # counted in Redis, not the database


def test_parallel_requests_pass_exactly_the_rate_on_the_file_cache(
    transactional_db: None, settings: Any, tmp_path: Path
) -> None:
    # The embedded default's cache (settings.py without REDIS_URL).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    assert_exactly_the_rate_passes(settings)
    assert RateWindow.objects.get().hits == PARALLEL


def test_a_window_that_ran_out_starts_again(db: None, settings: Any, tmp_path: Path) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.API_THROTTLE_RATE = "1/min"
    _, raw_key = ApiKeyFactory.create_with_raw(store=StoreFactory.create())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    url = f"/functions/v1/social-publish/{uuid.uuid4()}"
    assert [client.get(url).status_code for _ in range(2)] == [404, 429]
    RateWindow.objects.update(started_at=0)  # the window opened long ago
    assert [client.get(url).status_code for _ in range(2)] == [404, 429]
