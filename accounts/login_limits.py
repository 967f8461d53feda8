"""Brute-force limits on logging in: failed logins are counted per username and per client
address, and past a limit that username or address is refused for a while.

The counts are cache counters (``add`` then ``incr``: atomic on Redis in production, and on
the embedded default's file cache, mollkom_social/cache.py). A username is counted whether or
not it exists, and a locked one is refused before its password is checked, so neither the
answer nor its timing says which usernames exist. A successful login clears its username's
count, never its address's: an attacker with one valid account could otherwise reset the
address count between guesses at other accounts.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lockout:
    retry_after_seconds: int


def _scopes(*, username: str, ip: str) -> list[tuple[str, str, int]]:
    """(scope, cache key suffix, limit); usernames are hashed, so no key names a person."""
    name = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
    return [
        ("username", f"user:{name}", settings.LOGIN_MAX_FAILURES_PER_USERNAME),
        ("ip", f"ip:{ip}", settings.LOGIN_MAX_FAILURES_PER_IP),
    ]


def _count(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:  # the counter expired between the two calls: start a new window
        cache.add(key, 1, timeout=window)
        return 1


def login_lockout(*, username: str, ip: str) -> Lockout | None:
    """The lockout in force for this username or address, if any."""
    keys = [f"login:lock:{suffix}" for _, suffix, _ in _scopes(username=username, ip=ip)]
    until = max(cache.get_many(keys).values(), default=0.0)
    remaining = until - time.time()
    return Lockout(math.ceil(remaining)) if remaining > 0 else None


def login_failed(*, username: str, ip: str) -> None:
    """Count a failed login; lock the username or address that reached its limit."""
    window = settings.LOGIN_LOCKOUT_SECONDS
    for scope, suffix, limit in _scopes(username=username, ip=ip):
        if _count(f"login:fail:{suffix}", window) >= limit:
            cache.set(f"login:lock:{suffix}", time.time() + window, timeout=window)
            cache.delete(f"login:fail:{suffix}")  # counting starts afresh after the lockout
            logger.warning("login locked out", extra={"scope": scope, "ip": ip})


def login_succeeded(*, username: str) -> None:
    """Forget this username's failed logins (its address's count stays)."""
    name = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
    cache.delete(f"login:fail:user:{name}")
