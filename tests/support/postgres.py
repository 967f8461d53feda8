"""Dropping the service's database connections from outside, as a failover, a restart, an
operator's pg_terminate_backend or an idle-session timeout does."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection
from psycopg import sql


def _control_connection() -> psycopg.Connection[tuple[object, ...]]:
    """A connection of our own, outside Django and its pool, to the server's maintenance
    database: a database cannot refuse connections while one is connected to it."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        autocommit=True,
    )


def _terminate(
    control: psycopg.Connection[tuple[object, ...]], application_name: str | None, timeout: float
) -> int:
    query = "SELECT pid FROM pg_stat_activity WHERE datname = %s"
    params: tuple[str, ...] = (connection.settings_dict["NAME"],)
    if application_name is not None:
        query += " AND application_name = %s"
        params += (application_name,)
    pids = [pid for (pid,) in control.execute(query, params).fetchall()]
    _terminate_pids(control, pids, timeout)
    return len(pids)


def _terminate_pids(
    control: psycopg.Connection[tuple[object, ...]], pids: list[object], timeout: float
) -> None:
    for pid in pids:
        control.execute("SELECT pg_terminate_backend(%s)", (pid,))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = control.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
        ).fetchone()
        if left == (0,):
            return
        time.sleep(0.05)
    raise AssertionError(f"backends {pids} still alive after {timeout}s")


def terminate_backend(pid: int, *, timeout: float = 10.0) -> None:
    """Terminate one backend (a connection of this process) and wait until it is gone."""
    with _control_connection() as control:
        _terminate_pids(control, [pid], timeout)


def terminate_backends(*, application_name: str | None = None, timeout: float = 10.0) -> int:
    """Terminate the test database's backends (only those of `application_name` when
    given: libpq names a process's backends after its PGAPPNAME) and wait until they are
    gone; how many there were."""
    with _control_connection() as control:
        return _terminate(control, application_name, timeout)


@contextmanager
def database_down(*application_names: str) -> Iterator[None]:
    """The test database refuses new connections, as while it restarts, and the backends of
    `application_names` are terminated; connections are allowed again on leaving. Backends
    already open elsewhere (this test's own) carry on."""
    allow = sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}")
    name = sql.Identifier(connection.settings_dict["NAME"])
    with _control_connection() as control:
        control.execute(allow.format(name, sql.SQL("false")))
        try:
            for application_name in application_names:
                assert _terminate(control, application_name, 10.0) >= 1, application_name
            yield
        finally:
            control.execute(allow.format(name, sql.SQL("true")))
