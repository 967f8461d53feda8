"""Database connection hygiene for threads that wait on the network."""

from __future__ import annotations

from django.db import connection


def release_connection() -> None:
    """Give this thread's connection back (to the pool on PostgreSQL) before a wait.

    A publish thread spends most of its time waiting on a platform, and a web thread on
    its targets. Holding a connection through those waits would need one connection per
    thread; releasing it lets a small pool serve many threads. Django reconnects on the
    next query. Never inside a transaction, whose connection must stay.
    """
    if not connection.in_atomic_block:
        connection.close()
