"""The embedded default's cache: Django's file cache with atomic counters.

Django's FileBasedCache implements ``add`` as "has_key, then set" and ``incr`` as "get, then
set": two processes (or threads) counting at once lose updates. The login limits
(accounts/login_limits.py) count failed logins with add + incr, which Redis does atomically
in production; here both hold an exclusive lock on a file beside the cache's entries, which
serialises them across threads and processes on the one machine the embedded default runs on.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache


class LockedFileBasedCache(FileBasedCache):
    def __init__(self, dir: str, params: dict[str, Any]) -> None:
        super().__init__(dir, params)
        self._lock_path = os.path.join(os.path.abspath(dir), ".counters.lock")

    @contextmanager
    def _counter_lock(self) -> Iterator[None]:
        os.makedirs(os.path.dirname(self._lock_path), mode=0o700, exist_ok=True)
        # Each call opens its own descriptor: flock then excludes other threads as well as
        # other processes.
        fd = os.open(self._lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def add(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        with self._counter_lock():
            return super().add(key, value, timeout, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        with self._counter_lock():
            return super().incr(key, delta, version)
