"""The one HTTP seam every platform client uses.

urllib3 (through requests) rather than httpx: measured on these machines it costs a
fraction of the CPU per call at high thread concurrency (DESIGN.md, "Measured"). Each
thread keeps its own Session, since a Session is not safe to share across threads.
Every call is reported to an optional recorder, which the pipeline turns into a
PublishAttempt row.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from publishing.platforms.base import OutcomeUnknownError, RetryableError


@dataclass(frozen=True)
class CallRecord:
    method: str
    url: str  # without the query string, which may carry tokens
    status_code: int | None
    duration_ms: int
    error: str = ""


Recorder = Callable[[CallRecord], None]

_local = threading.local()


def _session() -> requests.Session:
    session: requests.Session | None = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=20, pool_maxsize=20, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        _local.session = session
    return session


def _strip_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _nothing_was_sent(exc: requests.RequestException) -> bool:
    """True when the connection was never made, so the platform cannot have acted."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        text = repr(exc)
        return "NewConnectionError" in text or "NameResolutionError" in text
    return False


class Http:
    def __init__(self, *, timeout: float, recorder: Recorder | None = None) -> None:
        self.timeout = timeout
        self.recorder = recorder

    def request(
        self, method: str, url: str, *, creates: bool = False, **kwargs: Any
    ) -> requests.Response:
        """Send one request. ``creates`` marks a call whose lost answer leaves the outcome
        unknown (it may have created a post); other calls are safe to repeat."""
        kwargs.setdefault("timeout", self.timeout)
        started = time.monotonic()
        try:
            response = _session().request(method, url, **kwargs)
        except requests.RequestException as exc:
            self._record(method, url, None, started, type(exc).__name__)
            if creates and not _nothing_was_sent(exc):
                raise OutcomeUnknownError(
                    "The platform did not answer in time; checking whether the post was made.",
                    code="outcome_unknown",
                    platform_message=type(exc).__name__,
                ) from exc
            raise RetryableError(
                "Could not reach the platform; will try again.",
                code="network_error",
                platform_message=type(exc).__name__,
            ) from exc
        self._record(method, url, response.status_code, started, "")
        return response

    def _record(
        self, method: str, url: str, status_code: int | None, started: float, error: str
    ) -> None:
        if self.recorder is None:
            return
        duration_ms = int((time.monotonic() - started) * 1000)
        self.recorder(CallRecord(method, _strip_query(url), status_code, duration_ms, error))
