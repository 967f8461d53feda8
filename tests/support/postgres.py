"""Dropping the service's database connections from outside, as a failover, an operator's
pg_terminate_backend or an idle-session timeout does."""

from __future__ import annotations

import time

import psycopg
from django.db import connection


def _control_connection() -> psycopg.Connection[tuple[object, ...]]:
    """A connection of our own to the test database, outside Django and its pool."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        autocommit=True,
    )


def terminate_backends(*, application_name: str | None = None, timeout: float = 10.0) -> int:
    """Terminate the test database's other backends (only those of `application_name` when
    given) and wait until they are gone; how many there were."""
    query = (
        "SELECT pid FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    params: tuple[str, ...] = ()
    if application_name is not None:
        query += " AND application_name = %s"
        params = (application_name,)
    with _control_connection() as control:
        pids = [pid for (pid,) in control.execute(query, params).fetchall()]
        for pid in pids:
            control.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            left = control.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
            ).fetchone()
            if left == (0,):
                return len(pids)
            time.sleep(0.05)
    raise AssertionError(f"backends {pids} still alive after {timeout}s")
