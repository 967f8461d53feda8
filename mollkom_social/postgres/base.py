"""Django's PostgreSQL backend whose pool sweeps its idle connections on the first dead one.

Django gives psycopg_pool ``check=ConnectionPool.check_connection`` (CONN_HEALTH_CHECKS), so a
connection the server terminated is tested and replaced before use. But the pool meets its
dead connections one at a time, and sleeps after each (1 s, 2 s, 4 s…): after a failover or a
restart, when every idle connection is dead at once, a request waits through them all, past
the pool's timeout, and fails. One dead connection almost always means the server dropped
them all, so on the first failed check every idle connection is checked now
(``ConnectionPool.check()``: the dead ones are discarded and reconnected in the background),
and the request's next try gets a live one.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base
from psycopg import Connection
from psycopg_pool import ConnectionPool

logger = logging.getLogger(__name__)


# django-stubs do not describe the pool's internals this builds on.
_PostgresWrapper: Any = base.DatabaseWrapper


class DatabaseWrapper(_PostgresWrapper):
    @property
    def pool(self) -> ConnectionPool | None:
        """Django's own pool property, but the pool it finds was made here (the same
        arguments as Django's, with the sweeping check)."""
        options = self.settings_dict["OPTIONS"].get("pool")
        if options and self.alias != NO_DB_ALIAS and self.alias not in self._connection_pools:
            kwargs = self.get_connection_params()
            kwargs["autocommit"] = True  # as Django's: it sets the mode itself later

            def check(conn: Connection[Any]) -> None:
                _check_or_sweep(conn, pool)

            pool = ConnectionPool(
                kwargs=kwargs,
                open=False,
                configure=self._configure_connection,
                check=check,
                **({} if options is True else options),
            )
            self._connection_pools.setdefault(self.alias, pool)
        created: ConnectionPool | None = super().pool
        return created


def _check_or_sweep(conn: Connection[Any], pool: ConnectionPool) -> None:
    try:
        ConnectionPool.check_connection(conn)
    except Exception:
        logger.warning("a pooled database connection was dead; checking the idle ones")
        pool.check()
        raise
