"""The PostgreSQL pool after the database dropped the service's connections."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from django.db import connection

from tests.support.api import PUBLISH_URL
from tests.support.postgres import terminate_backends

pytestmark = pytest.mark.django_db(transaction=True)


def test_request_after_the_database_terminated_the_pooled_connections_succeeds(
    live_server: Any, api_key: str
) -> None:
    url = f"{live_server.url}{PUBLISH_URL}"
    headers = {"Authorization": f"Bearer {api_key}"}
    first = requests.get(url, headers=headers, timeout=10)
    assert first.status_code == 200, first.text
    # This thread's connection goes back to the pool too, so every pooled connection is
    # one the server may be handed next.
    connection.close()

    assert terminate_backends() >= 1

    second = requests.get(url, headers=headers, timeout=10)
    assert second.status_code == 200, second.text
    assert second.json() == {"success": True, "posts": [], "next_cursor": None}


def test_a_pool_full_of_dropped_connections_recovers_at_once(
    live_server: Any, api_key: str
) -> None:
    """A failover drops every idle connection at once: the request that meets the first
    dead one must not wait through all of them (psycopg_pool backs off after each)."""
    url = f"{live_server.url}{PUBLISH_URL}"
    headers = {"Authorization": f"Bearer {api_key}"}
    connection.close()
    pool = connection.pool  # type: ignore[attr-defined]
    assert pool is not None
    held = [pool.getconn() for _ in range(8)]
    for conn in held:
        pool.putconn(conn)
    assert pool.get_stats()["pool_available"] >= 8

    assert terminate_backends() >= 8

    started = time.monotonic()
    answer = requests.get(url, headers=headers, timeout=20)
    assert answer.status_code == 200, answer.text
    assert time.monotonic() - started < 3
