"""Fetching media from the URLs a post names: pinned, bounded and on a deadline.

``open_media`` streams: the body is read one network read at a time (at most
CHUNK_SIZE), so memory stays flat whatever the file's size. ``fetch_media`` collects a
small file (an image) into bytes on top of it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin

import requests
from django.conf import settings
from urllib3.exceptions import HTTPError as Urllib3Error

from publishing.media.addresses import check_url
from publishing.media.errors import MediaFetchError
from publishing.media.pinning import PinnedAdapter, host_header, pinned_session

MAX_REDIRECTS = 5
CHUNK_SIZE = 64 * 1024


@dataclass(frozen=True)
class FetchedMedia:
    url: str
    content_type: str
    data: bytes


def _too_large(max_bytes: int) -> MediaFetchError:
    return MediaFetchError(f"The media is larger than {max_bytes // (1024 * 1024)} MB.")


class MediaStream:
    """An open media download: iterate it for chunks, or ``read`` it like a file.

    Every read checks the size limit and the total deadline, so a server that lies
    about Content-Length or drips one byte per read timeout is cut off.
    """

    def __init__(
        self,
        response: requests.Response,
        *,
        url: str,
        content_type: str,
        max_bytes: int,
        deadline: float,
        allowed_seconds: float | None = None,
    ) -> None:
        self.url = url
        self.content_type = content_type
        declared = response.headers.get("Content-Length", "")
        self.content_length: int | None = int(declared) if declared.isdigit() else None
        self._response = response
        self._max_bytes = max_bytes
        self._deadline = deadline
        self._allowed_seconds = allowed_seconds
        self._received = 0
        self._pending = b""

    @property
    def received(self) -> int:
        return self._received

    def _past_deadline(self) -> MediaFetchError:
        allowed = self._allowed_seconds
        took = f"took longer than {allowed:g} s" if allowed is not None else "took too long"
        return MediaFetchError(
            # Whether it is tried again is the pipeline's to say (it gives up after some tries).
            f"Downloading the media {took}: its host sends it too slowly. Nothing was published.",
            retryable=True,
        )

    def _bound_read(self, remaining: float) -> None:
        """No single read may outlast the deadline: the socket's timeout set at connect time
        (MEDIA_FETCH_TIMEOUT) would let a host that drips a byte just within it hold the
        thread well past the deadline."""
        sock = getattr(self._response.raw.connection, "sock", None)
        if sock is not None:
            sock.settimeout(max(min(settings.MEDIA_FETCH_TIMEOUT, remaining), 0.001))

    def _next_chunk(self) -> bytes:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise self._past_deadline()
        self._bound_read(remaining)
        try:
            # read1 returns after one network read, however little it brought, so the
            # deadline is checked between reads; read(n) would wait for all n bytes.
            # No decoding: a compressed body could inflate past every limit.
            chunk = self._response.raw.read1(CHUNK_SIZE, decode_content=False)
        except (requests.RequestException, Urllib3Error, OSError) as exc:
            # The socket's clock may fire a hair before ours.
            if time.monotonic() >= self._deadline - 0.05:
                raise self._past_deadline() from exc
            raise MediaFetchError(
                f"Could not download the media: {type(exc).__name__}.", retryable=True
            ) from exc
        self._received += len(chunk)
        if self._received > self._max_bytes:
            raise _too_large(self._max_bytes)
        if not chunk and self.content_length is not None and self._received < self.content_length:
            raise MediaFetchError("The media download ended early.", retryable=True)
        return chunk

    def __iter__(self) -> Iterator[bytes]:
        if self._pending:
            pending, self._pending = self._pending, b""
            yield pending
        while chunk := self._next_chunk():
            yield chunk

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all the rest when negative; only for small files)."""
        if size < 0:
            return self._pending + b"".join(iter(self._next_chunk, b""))
        while not self._pending:
            self._pending = self._next_chunk()
            if not self._pending:
                return b""
        data, self._pending = self._pending[:size], self._pending[size:]
        return data


def _get(url: str, deadline: float, headers: dict[str, str] | None = None) -> requests.Response:
    """One pinned GET of ``url`` (no redirects followed), streamed, within ``deadline``."""
    target = check_url(url)
    adapter = PinnedAdapter()
    adapter.pin(target)
    remaining = max(deadline - time.monotonic(), 0.001)
    timeout = (
        min(settings.MEDIA_FETCH_CONNECT_TIMEOUT, remaining),
        min(settings.MEDIA_FETCH_TIMEOUT, remaining),
    )
    session = pinned_session(adapter)
    try:
        return session.get(
            url,
            headers={"Host": host_header(target), "Accept-Encoding": "identity", **(headers or {})},
            stream=True,
            # Each hop is checked and pinned again below; requests would follow unpinned.
            allow_redirects=False,
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise MediaFetchError(
            f"Could not download the media: {type(exc).__name__}.", retryable=True
        ) from exc
    finally:
        # The response keeps its connection; the session only held the pool.
        session.close()


def _check_response(
    response: requests.Response, *, max_bytes: int, allowed: tuple[str, ...]
) -> str:
    if response.status_code != 200:
        raise MediaFetchError(
            f"Downloading the media answered HTTP {response.status_code}.",
            retryable=response.status_code >= 500 or response.status_code == 429,
        )
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if not content_type.startswith(allowed):
        raise MediaFetchError(f"The media's type {content_type or 'unknown'!r} is not accepted.")
    if response.headers.get("Content-Encoding", "identity").lower() != "identity":
        raise MediaFetchError("The media is served compressed; it must be sent as is.")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    return content_type


@contextmanager
def open_media(
    url: str,
    *,
    max_bytes: int,
    allowed_types: tuple[str, ...],
    deadline_seconds: float | None = None,
) -> Iterator[MediaStream]:
    """Open a media download whose Content-Type starts with one of ``allowed_types``.

    The host of the URL and of every redirect is resolved once, checked and connected to
    at that address. The whole download, redirects included, must end within
    ``deadline_seconds`` (MEDIA_FETCH_DEADLINE by default).
    """
    seconds = settings.MEDIA_FETCH_DEADLINE if deadline_seconds is None else deadline_seconds
    deadline = time.monotonic() + seconds
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        response = _get(current, deadline)
        with response:
            if response.is_redirect:
                current = urljoin(current, response.headers.get("Location", ""))
                continue
            content_type = _check_response(response, max_bytes=max_bytes, allowed=allowed_types)
            yield MediaStream(
                response,
                url=current,
                content_type=content_type,
                max_bytes=max_bytes,
                deadline=deadline,
                allowed_seconds=seconds,
            )
            return
    raise MediaFetchError("The media URL redirects too many times.")


def fetch_media(url: str, *, max_bytes: int, allowed_types: tuple[str, ...]) -> FetchedMedia:
    """Fetch a small media file (an image) whole; larger ones go through ``open_media``."""
    with open_media(url, max_bytes=max_bytes, allowed_types=allowed_types) as stream:
        body = bytearray()
        for chunk in stream:
            body.extend(chunk)
        return FetchedMedia(url=stream.url, content_type=stream.content_type, data=bytes(body))
