from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiKey
from mollkom_social.api.rate_counter import rate_hit

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@cache
def parse_rate(rate: str) -> tuple[int, int]:
    """Parse a rate: "600/min" is (600, 60), requests allowed and the window in seconds."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period[0]]


class ApiKeyRateThrottle(BaseThrottle):
    """Per-key request rate (API_THROTTLE_RATE); 429 with Retry-After when exceeded.

    DRF's own throttles read the request history from the cache and write it back, so
    parallel requests all read the same history and all pass; this one counts atomically
    (rate_counter.py)."""

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, ApiKey):
            return True
        limit, period = parse_rate(settings.API_THROTTLE_RATE)
        hit = rate_hit(key=f"api_key:{request.auth.pk}", period=period)
        if hit.count <= limit:
            return True
        self._wait = hit.retry_after
        return False

    def wait(self) -> float | None:
        return self._wait
