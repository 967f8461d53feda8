"""Counting semaphores with expiry, so one store cannot hold every worker thread.

A slot is one member of a Redis sorted set scored by its expiry time. Acquiring drops the
expired members, then adds ours only if every set involved is under its limit, all in one
Lua script (a store slot is never taken while the account slot is refused). The holder's
process renews its slots in a background thread every third of the TTL, so a long publish
keeps its slot while a worker that crashed or was killed loses its slots within one TTL,
with nothing left to clean up. Times come from the Redis server, never from the machines,
so workers whose clocks disagree still agree on what has expired.

Without Redis (the embedded default, one worker process) the same interface counts in the
process, which is exact there.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import redis

logger = logging.getLogger(__name__)

# KEYS: the sets; ARGV: token, ttl in ms, then one limit per key. Writes after TIME need
# effects replication: the default from Redis 7, asked for on older servers.
_ACQUIRE = """
if redis.replicate_commands then redis.replicate_commands() end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local ttl = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= tonumber(ARGV[i + 2]) then
    return 0
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + ttl, ARGV[1])
  redis.call('PEXPIRE', key, ttl)
end
return 1
"""

# KEYS: the sets; ARGV: token, ttl in ms. Renews only a slot still held: one that expired
# meanwhile may already be someone else's, and adding it back would pass the limit.
_RENEW = """
if redis.replicate_commands then redis.replicate_commands() end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local ttl = tonumber(ARGV[2])
local renewed = 0
for _, key in ipairs(KEYS) do
  local expires = redis.call('ZSCORE', key, ARGV[1])
  if expires and tonumber(expires) > now then
    redis.call('ZADD', key, now + ttl, ARGV[1])
    redis.call('PEXPIRE', key, ttl)
    renewed = renewed + 1
  end
end
return renewed
"""


@dataclass(frozen=True)
class Claim:
    """One semaphore to take a slot of: its key and how many slots it has."""

    key: str
    limit: int


class Slots(Protocol):
    def acquire(self, claims: Sequence[Claim]) -> str | None:
        """A token holding one slot of every claim, or None (and nothing held) if any is full."""

    def release(self, token: str) -> None:
        """Give the token's slots back; releasing twice, or an expired token, is harmless."""


class RedisSlots:
    """Slots shared by every worker process on every machine using the same Redis."""

    def __init__(self, client: redis.Redis, *, ttl_seconds: float) -> None:
        self._client = client
        self._ttl_ms = max(int(ttl_seconds * 1000), 1)
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._held: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._renewer: threading.Thread | None = None
        self._renewer_pid = 0

    def acquire(self, claims: Sequence[Claim]) -> str | None:
        if not claims:
            return uuid.uuid4().hex
        token = uuid.uuid4().hex
        keys = [claim.key for claim in claims]
        limits = [claim.limit for claim in claims]
        if not self._acquire(keys=keys, args=[token, self._ttl_ms, *limits]):
            return None
        with self._lock:
            self._held[token] = keys
            self._ensure_renewer()
        return token

    def release(self, token: str) -> None:
        with self._lock:
            keys = self._held.pop(token, [])
        if keys:
            pipe = self._client.pipeline(transaction=False)
            for key in keys:
                pipe.zrem(key, token)
            pipe.execute()

    def renew_all(self) -> None:
        """Push every slot this process holds one TTL further (the renewer calls it)."""
        with self._lock:
            held = list(self._held.items())
        for token, keys in held:
            if self._renew(keys=keys, args=[token, self._ttl_ms]) < len(keys):
                # Renewal came too late (a stalled process): the work goes on, one over
                # the limit for a while, rather than being abandoned half done.
                logger.warning("a concurrency slot expired while held", extra={"keys": keys})

    def _ensure_renewer(self) -> None:
        # Threads do not survive fork: a child process (prefork pool) starts its own.
        if self._renewer is not None and self._renewer_pid == os.getpid():
            return
        self._renewer_pid = os.getpid()
        self._renewer = threading.Thread(target=self._renew_forever, name="slots", daemon=True)
        self._renewer.start()

    def _renew_forever(self) -> None:
        while not self._wake.wait(self._ttl_ms / 3000):
            try:
                self.renew_all()
            except redis.RedisError:
                logger.warning("could not renew concurrency slots", exc_info=True)


class LocalSlots:
    """Slots counted in this process: exact when one worker process does all the work."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._held: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def acquire(self, claims: Sequence[Claim]) -> str | None:
        with self._lock:
            if any(self._counts.get(c.key, 0) >= c.limit for c in claims):
                return None
            token = uuid.uuid4().hex
            for claim in claims:
                self._counts[claim.key] = self._counts.get(claim.key, 0) + 1
            self._held[token] = [claim.key for claim in claims]
            return token

    def release(self, token: str) -> None:
        with self._lock:
            for key in self._held.pop(token, []):
                self._counts[key] -= 1
                if not self._counts[key]:
                    del self._counts[key]


@contextmanager
def holding(slots: Slots, claims: Sequence[Claim]) -> Iterator[bool]:
    """Hold one slot of every claim for the block; yields False (holding none) if any is full.

    When Redis cannot be reached the block runs unlimited: fairness is worth less than
    publishing at all, and the database rows, not these slots, keep publishing correct.
    """
    try:
        token = slots.acquire(claims)
    except redis.RedisError:
        logger.warning("concurrency slots unavailable; running unlimited", exc_info=True)
        yield True
        return
    if token is None:
        yield False
        return
    try:
        yield True
    finally:
        try:
            slots.release(token)
        except redis.RedisError:
            # Not released: it expires within one TTL, as a crashed worker's would.
            logger.warning("could not release a concurrency slot", exc_info=True)
