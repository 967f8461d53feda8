"""The one HTTP seam for webhooks: the URL guard and the POST, with a timeout and no
redirects. Nothing here touches the database."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings

from publishing.media import (
    MediaFetchError,
    PinnedAdapter,
    PinnedTarget,
    check_url,
    host_header,
    pinned_session,
)
from webhooks.signing import SignedRequest

# Enough of a refusal's body to show the merchant why, no more.
ERROR_BODY_CHARS = 300

_local = threading.local()


class WebhookUrlError(ValueError):
    """The URL may not receive webhooks under the current settings; the message says why."""


def webhook_url_check(url: str) -> PinnedTarget:
    """Raise WebhookUrlError unless ``url`` may receive webhooks now.

    The host checks are the media SSRF guard's (publishing.media.check_url): public
    addresses only, unless settings allow loopback or private ranges; link-local never.
    Returns the vetted address, the only one a send may connect to.
    """
    parts = urlsplit(url)
    schemes = ("https", "http") if settings.MEDIA_ALLOW_HTTP else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise WebhookUrlError(f"The webhook URL must be an absolute {' or '.join(schemes)} URL.")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlError("The webhook URL must not contain a user name or password.")
    try:
        return check_url(url)
    except MediaFetchError as exc:
        if isinstance(exc.__cause__, socket.gaierror):
            raise WebhookUrlError(f"The webhook host {parts.hostname!r} does not resolve.") from exc
        raise WebhookUrlError(
            f"The webhook host {parts.hostname!r} is not a public address."
        ) from exc


@dataclass(frozen=True)
class SendOutcome:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _session(target: PinnedTarget) -> requests.Session:
    # One session (and so one connection pool) per worker thread: sessions are not
    # documented as thread-safe, and keep-alive to the same receiver saves a handshake.
    # The adapter connects only to pinned addresses: DNS answered once, in the check.
    session: requests.Session | None = getattr(_local, "session", None)
    if session is None:
        _local.adapter = PinnedAdapter()
        session = pinned_session(_local.adapter)
        _local.session = session
    _local.adapter.pin(target)
    return session


def webhook_send(*, url: str, request: SignedRequest) -> SendOutcome:
    """POST the signed request. Never raises for the receiver's faults."""
    started = time.monotonic()

    def outcome(status_code: int | None, error: str) -> SendOutcome:
        return SendOutcome(status_code, error, round((time.monotonic() - started) * 1000))

    try:
        # Again right before sending: the host's DNS may have changed since creation.
        target = webhook_url_check(url)
    except WebhookUrlError as exc:
        return outcome(None, str(exc))
    try:
        with _session(target).post(
            url,
            data=request.body,
            headers={**request.headers, "Host": host_header(target)},
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            # A redirect could lead anywhere, past the guard: it counts as a failure.
            allow_redirects=False,
            stream=True,
        ) as response:
            status_code = response.status_code
            if 200 <= status_code < 300:
                return outcome(status_code, "")
            if response.is_redirect:
                return outcome(status_code, f"HTTP {status_code}: redirects are not followed.")
            return outcome(status_code, f"HTTP {status_code}: {_body_start(response)}".rstrip())
    except requests.Timeout:
        return outcome(None, f"No answer within {settings.WEBHOOK_TIMEOUT_SECONDS:g} s.")
    except requests.ConnectionError:
        return outcome(None, "The connection to the webhook URL failed.")
    except requests.RequestException as exc:
        return outcome(None, f"The request failed: {type(exc).__name__}.")


def _body_start(response: requests.Response) -> str:
    try:
        chunk = next(response.iter_content(ERROR_BODY_CHARS * 4), b"")
    except requests.RequestException:
        return ""
    text = chunk.decode("utf-8", errors="replace") if isinstance(chunk, bytes) else str(chunk)
    return text[:ERROR_BODY_CHARS]
