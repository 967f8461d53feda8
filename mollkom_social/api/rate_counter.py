"""Atomic request counters for the API's rate limit.

A key's window opens with its first request and lasts `period` seconds; every request in it
adds one. Counting is one atomic operation, so parallel requests can never read the same
count and all pass (a read-then-write counter let 1,500 parallel requests through a 600/min
limit). With a Redis cache, one Lua script call per request (INCR, PEXPIRE on the first hit);
otherwise (the embedded default's file cache, whose increments are read-then-write) one
UPSERT ... RETURNING on the database that every process of the machine shares.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from redis import Redis
from redis.commands.core import Script

from accounts.models import RateWindow

# Returns the count after this request and the window's remaining milliseconds.
_HIT = """
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {hits, redis.call('PTTL', KEYS[1])}
"""


@dataclass(frozen=True)
class Hit:
    count: int  # requests in the current window, this one included
    retry_after: float  # seconds until the window closes


def rate_hit(*, key: str, period: int) -> Hit:
    """Count one request for `key` in its current `period`-second window."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return _redis_hit(cache, key=key, period=period)
    return _database_hit(key=key, period=period)


# Per Django cache client (one per thread): a Redis client on its pool and the script bound
# to it. Django builds a new Redis client object on every get_client(), which costs about as
# much CPU as the round trip itself; this is on every API request.
_bound: WeakKeyDictionary[Any, Script] = WeakKeyDictionary()


def _redis_hit(cache: RedisCache, *, key: str, period: int) -> Hit:
    full_key = cache.make_and_validate_key(f"rate:{key}")
    # Django's Redis cache has no public client; borrowing its pool costs no new connections.
    cache_client = cache._cache  # type: ignore[attr-defined]
    script = _bound.get(cache_client)
    if script is None:
        client: Redis = cache_client.get_client(full_key, write=True)
        # EVALSHA with the script's digest; redis-py loads the script once if Redis lacks it.
        script = _bound[cache_client] = client.register_script(_HIT)
    hits, ttl_ms = script(keys=[full_key], args=[period * 1000])
    return Hit(count=int(hits), retry_after=max(int(ttl_ms), 0) / 1000)


def _database_hit(*, key: str, period: int) -> Hit:
    now = time.time()
    table = connection.ops.quote_name(RateWindow._meta.db_table)
    # One statement, so atomic on its own: PostgreSQL locks the conflicting row, SQLite the
    # database. The SET expressions read the row as it was, so an expired window restarts
    # at 1 and an open one adds 1. ON CONFLICT ... RETURNING: PostgreSQL 9.5+, SQLite 3.35+.
    sql = f"""
        INSERT INTO {table} (key, started_at, hits) VALUES (%s, %s, 1)
        ON CONFLICT (key) DO UPDATE SET
            hits = CASE WHEN {table}.started_at > %s THEN {table}.hits + 1 ELSE 1 END,
            started_at = CASE WHEN {table}.started_at > %s
                THEN {table}.started_at ELSE excluded.started_at END
        RETURNING hits, started_at
    """  # noqa: S608 (only the table name is interpolated, and it is ours)
    opened_after = now - period
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, now, opened_after, opened_after])
        hits, started_at = cursor.fetchone()
    return Hit(count=int(hits), retry_after=max(started_at + period - now, 0.0))
