"""Database connection hygiene: threads that wait on the network, and recovering from a
connection the database dropped."""

from __future__ import annotations

from contextlib import suppress

from django.db import Error as DatabaseError
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


def close_broken_connection() -> None:
    """Drop this thread's connection after a database error, so the next query opens a
    fresh one (through the pool's check on PostgreSQL) instead of failing on the dead one.

    Closing a connection the server already terminated can fail in its turn; there is
    nothing left to report then.
    """
    with suppress(DatabaseError):
        connection.close()
