"""X video and animated GIF: the chunked v2 upload (initialize, append, finalize, processing
status), the same for both but for the media category (``tweet_video``, ``tweet_gif``).

The media streams from its URL into segments of at most SEGMENT_BYTES, each sent as soon
as it is read, so a worker holds one segment whatever the file's size.

Checkpoint (key ``video`` or ``gif``): the media id, the URL and size it was started for, the
last segment X acknowledged, when the session expires, and once finalized, X's processing state.
A retry resumes appending after the last acknowledged segment (re-reading the URL and
skipping what X already has); if X refuses the resumed session, the checkpoint is dropped
and the next try starts a new upload. The post itself is created only after all of this,
by the caller, behind ``before_create``: restarting an upload never repeats a post.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from publishing.media import MediaFetchError
from publishing.platforms.base import AuthError, Checkpoint, PermanentError, RetryableError
from publishing.platforms.http import Http

VIDEO_TYPES = ("video/mp4",)
MAX_VIDEO_BYTES = 512 * 1024 * 1024
GIF_TYPES = ("image/gif",)
MAX_GIF_BYTES = 15 * 1024 * 1024  # PLATFORMS.md 3.3: an animated GIF, up to 15 MB
# X's v1.1 rule (PLATFORMS.md 3.2); v2 states no maximum, so the documented one is kept.
SEGMENT_BYTES = 5 * 1024 * 1024
# A session that would expire within this margin is not resumed: it could lapse mid-upload.
SESSION_MARGIN_SECONDS = 3600
DEFAULT_SESSION_SECONDS = 86400


class SegmentSource(Protocol):
    """What the upload reads: :class:`publishing.media.MediaStream`, or bytes in hand."""

    @property
    def content_type(self) -> str: ...

    @property
    def content_length(self) -> int | None: ...

    def read(self, size: int = -1) -> bytes: ...


MediaOpener = Callable[..., AbstractContextManager[SegmentSource]]


@dataclass(frozen=True)
class ChunkedKind:
    """What differs between a video and a GIF: X's category, the accepted file, the words."""

    category: str
    checkpoint_key: str
    allowed_types: tuple[str, ...]
    max_bytes: int
    noun: str  # in messages: "X could not process the {noun}"
    label: str  # starts messages about the file: "{label} {url}: ..."


VIDEO = ChunkedKind("tweet_video", "video", VIDEO_TYPES, MAX_VIDEO_BYTES, "video", "Video")
GIF = ChunkedKind("tweet_gif", "gif", GIF_TYPES, MAX_GIF_BYTES, "GIF", "GIF")


def _read_segment(stream: SegmentSource) -> bytes:
    """The next SEGMENT_BYTES of the stream (fewer at its end, empty when done)."""
    segment = bytearray()
    while len(segment) < SEGMENT_BYTES:
        data = stream.read(SEGMENT_BYTES - len(segment))
        if not data:
            break
        segment += data
    return bytes(segment)


@dataclass
class ChunkedUpload:
    """One video's (or GIF's) way to an X media id, resumable through ``checkpoint``."""

    kind: ChunkedKind
    http: Http
    api_base: str
    headers: dict[str, str]
    check: Callable[[requests.Response], None]  # x.raise_for_response
    open_media: MediaOpener
    sleep: Callable[[float], None]
    max_wait: float

    def media_id(self, url: str, checkpoint: Checkpoint) -> str:
        state: dict[str, Any] = dict(checkpoint.get(self.kind.checkpoint_key) or {})
        expires = float(state.get("expires_at", 0))
        if state.get("url") != url or time.time() > expires - SESSION_MARGIN_SECONDS:
            state = {}
        if not state.get("finalized"):
            state = self._upload(url, state, checkpoint)
        self._wait_processed(state, checkpoint)
        return str(state["media_id"])

    # -- upload --------------------------------------------------------------------

    def _upload(self, url: str, state: dict[str, Any], checkpoint: Checkpoint) -> dict[str, Any]:
        try:
            with self.open_media(
                url, max_bytes=self.kind.max_bytes, allowed_types=self.kind.allowed_types
            ) as stream:
                total = stream.content_length
                if total is None:
                    # X needs total_bytes before the first segment. Spooling to disk instead
                    # would move the unbounded buffer from memory to each worker's disk, and a
                    # resumed upload could not tell whether a re-download is the same file.
                    raise PermanentError(
                        f"{self.kind.label} {url}: its server does not say the file's size "
                        "(no Content-Length header), which X needs before the upload starts. "
                        "Serve the file from a host that sends Content-Length.",
                        code="media_size_unknown",
                    )
                if state.get("total_bytes") != total:
                    state = {}  # not the file the session was started for
                resumed = bool(state)
                if not state:
                    state = self._initialize(url, total, stream.content_type, checkpoint)
                self._append_all(stream, state, checkpoint, resumed=resumed)
        except MediaFetchError as exc:
            error = RetryableError if exc.retryable else PermanentError
            raise error(f"{self.kind.label} {url}: {exc}", code="media_unavailable") from exc
        response = self._call(
            checkpoint, resumed, "POST", f"/2/media/upload/{state['media_id']}/finalize"
        )
        data = response.json()["data"]
        state["finalized"] = True
        # No processing_info: nothing to wait for, the media is usable now.
        state["processing_info"] = data.get("processing_info")
        if data.get("expires_after_secs"):
            state["expires_at"] = time.time() + float(data["expires_after_secs"])
        checkpoint.set(self.kind.checkpoint_key, state)
        return state

    def _initialize(
        self, url: str, total: int, media_type: str, checkpoint: Checkpoint
    ) -> dict[str, Any]:
        response = self._call(
            checkpoint,
            False,
            "POST",
            "/2/media/upload/initialize",
            json={
                "media_type": media_type,
                "total_bytes": total,
                "media_category": self.kind.category,
            },
        )
        data = response.json()["data"]
        seconds = float(data.get("expires_after_secs") or DEFAULT_SESSION_SECONDS)
        state = {
            "media_id": str(data["id"]),
            "url": url,
            "total_bytes": total,
            "segment": -1,
            "expires_at": time.time() + seconds,
        }
        checkpoint.set(self.kind.checkpoint_key, state)
        return state

    def _append_all(
        self,
        stream: SegmentSource,
        state: dict[str, Any],
        checkpoint: Checkpoint,
        *,
        resumed: bool,
    ) -> None:
        media_id, sent, index = state["media_id"], 0, 0
        while segment := _read_segment(stream):
            sent += len(segment)
            if sent > state["total_bytes"]:
                raise PermanentError(
                    f"The {self.kind.noun}'s server sent more bytes than its Content-Length said.",
                    code="media_unavailable",
                )
            if index > state["segment"]:  # earlier ones X already has: read past them
                self._call(
                    checkpoint,
                    resumed,
                    "POST",
                    f"/2/media/upload/{media_id}/append",
                    data={"segment_index": str(index)},
                    files={"media": ("segment", segment, "application/octet-stream")},
                )
                state["segment"] = index
                # Also renews the publish lease: a long upload is still owned.
                checkpoint.set(self.kind.checkpoint_key, state)
            index += 1

    def _call(
        self, checkpoint: Checkpoint, resumed: bool, method: str, path: str, **kwargs: Any
    ) -> requests.Response:
        response = self.http.request(
            method, f"{self.api_base}{path}", headers=self.headers, **kwargs
        )
        try:
            self.check(response)
        except PermanentError as exc:
            if not resumed or isinstance(exc, AuthError):
                raise
            # X does not document resuming a session after a crash. If it refuses the
            # resumed one, start over on the next try; no post exists yet to be repeated.
            checkpoint.set(self.kind.checkpoint_key, {})
            raise RetryableError(
                f"X refused to resume the interrupted {self.kind.noun} upload; it will start over.",
                code="upload_restarted",
                status_code=exc.status_code,
                platform_message=exc.platform_message,
            ) from exc
        return response

    # -- processing ----------------------------------------------------------------

    def _wait_processed(self, state: dict[str, Any], checkpoint: Checkpoint) -> None:
        info: dict[str, Any] | None = state.get("processing_info")
        waited = 0.0
        while info is not None and info.get("state") != "succeeded":
            if info.get("state") == "failed":
                error = info.get("error") or {}
                reason = error.get("message") or error.get("name") or "no reason given"
                checkpoint.set(self.kind.checkpoint_key, {})  # a new try must upload again
                raise PermanentError(
                    f"X could not process the {self.kind.noun}: {reason}.",
                    code="media_processing_failed",
                    platform_message=str(reason),
                )
            delay = max(1.0, float(info.get("check_after_secs") or 1))
            if waited + delay > self.max_wait:
                raise RetryableError(
                    f"X is still processing the {self.kind.noun}; it will be checked again.",
                    code="media_processing",
                    retry_after=delay,
                )
            self.sleep(delay)
            waited += delay
            response = self.http.request(
                "GET",
                f"{self.api_base}/2/media/upload",
                headers=self.headers,
                params={"media_id": state["media_id"], "command": "STATUS"},
            )
            self.check(response)
            info = response.json()["data"].get("processing_info")
            state["processing_info"] = info
            checkpoint.set(self.kind.checkpoint_key, state)
