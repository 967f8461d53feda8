"""YouTube (Data API v3): videos and Shorts through a resumable upload (PLATFORMS.md 6).

``POST /upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`` with the video
resource opens an upload session; its URI (the ``Location`` header) is a checkpoint. The file is
streamed from the media URL and ``PUT`` to the session in chunks (multiples of 256 KiB) with
``Content-Range``; ``308 Resume Incomplete`` and its ``Range`` say how far the server got. A
later attempt first asks the session where it stands (``Content-Range: bytes */total``) and
goes on from there; a session that answers 200/201 already made the video, so it is never
uploaded twice. Only the final chunk creates the video, so ``before_create`` comes right before
it and only its lost answer leaves the outcome unknown.

Shorts have no API field (PLATFORMS.md 6.3): YouTube classifies a vertical or square video of up
to 3 minutes as a Short. A Short gets the documented ``#Shorts`` hint and a ``/shorts/`` URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

import requests

from publishing.media import MediaFetchError
from publishing.platforms import youtube_rules as rules
from publishing.platforms.base import (
    Checkpoint,
    Content,
    Credentials,
    NotSupportedError,
    OutcomeUnknownError,
    PermanentError,
    PlatformClient,
    PublishResult,
    RetryableError,
    RuleViolation,
)
from publishing.platforms.http import Http
from publishing.platforms.search import Page, search_listing
from publishing.platforms.youtube_errors import google_error, raise_for_response

UPLOAD_PATH = "/upload/youtube/v3/videos"
API_PATH = "/youtube/v3"
CHUNK_GRANULE = 256 * 1024  # Google's resumable protocol: chunks are multiples of this
MAX_VIDEO_BYTES = 274_877_906_944  # videos.insert mediaUpload.maxSize in the discovery doc
VIDEO_TYPES = ("video/", "application/octet-stream")
_RANGE_RE = re.compile(r"bytes=0-(\d+)")
_NO_SCOPE_REASONS = frozenset({"insufficientPermissions", "forbidden"})


class VideoStream(Protocol):
    """What the upload needs of :class:`publishing.media.MediaStream`."""

    @property
    def content_type(self) -> str: ...

    @property
    def content_length(self) -> int | None: ...

    def __iter__(self) -> Iterator[bytes]: ...


MediaOpener = Callable[..., AbstractContextManager[VideoStream]]


def _next_offset(response: requests.Response) -> int:
    """The first byte the server still needs, from a 308's ``Range: bytes=0-N``."""
    found = _RANGE_RE.fullmatch(response.headers.get("Range", "").strip())
    return int(found.group(1)) + 1 if found else 0


# --- The client -----------------------------------------------------------------------


class YouTubeClient(PlatformClient):
    slug = "youtube"
    display_name = "YouTube"

    def __init__(
        self,
        *,
        api_base: str,
        web_base: str,
        http: Http,
        open_media: MediaOpener,
        chunk_size: int = 8 * 1024 * 1024,
        media_deadline: float | None = None,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.web_base = web_base.rstrip("/")
        self.http = http
        self.open_media = open_media
        # Rounded to Google's granule; the chunk is the only buffer, so memory stays flat.
        self.chunk_size = max(CHUNK_GRANULE, chunk_size // CHUNK_GRANULE * CHUNK_GRANULE)
        self.media_deadline = media_deadline

    def validate(self, content: Content) -> list[RuleViolation]:
        return rules.validate(content)

    # -- publish -------------------------------------------------------------------

    def publish(
        self,
        credentials: Credentials,
        content: Content,
        checkpoint: Checkpoint,
        *,
        before_create: Callable[[], None],
    ) -> PublishResult:
        if video_id := checkpoint.get("video_id"):
            return self._result(content, str(video_id))
        try:
            with self.open_media(
                content.media[0].url,
                max_bytes=MAX_VIDEO_BYTES,
                allowed_types=VIDEO_TYPES,
                deadline_seconds=self.media_deadline,
            ) as stream:
                video = self._send(credentials, content, checkpoint, stream, before_create)
        except MediaFetchError as exc:
            error = RetryableError if exc.retryable else PermanentError
            raise error(str(exc), code="media_fetch_failed") from exc
        if isinstance(video, PublishResult):
            return video
        video_id = str(video["id"])
        checkpoint.set("video_id", video_id)
        return self._result(content, video_id)

    def _send(
        self,
        credentials: Credentials,
        content: Content,
        checkpoint: Checkpoint,
        stream: VideoStream,
        before_create: Callable[[], None],
    ) -> dict[str, Any] | PublishResult:
        total = stream.content_length
        if not total:
            # Google's protocol allows an unknown total, but then the final chunk cannot be
            # told apart in advance, and before_create must come right before it.
            raise PermanentError(
                "The video's server must send its size (Content-Length), and it must not be empty.",
                code="media_rejected",
            )
        session, offset, done = self._resume(credentials, content, checkpoint, total)
        if done is not None:
            return done
        if session is None:
            session = self._start(credentials, content, total, stream.content_type)
            checkpoint.set("session_uri", session)
            checkpoint.set("total", total)
            checkpoint.set("final_sent", False)
        return self._upload(credentials, session, stream, total, offset, checkpoint, before_create)

    def _resume(
        self, credentials: Credentials, content: Content, checkpoint: Checkpoint, total: int
    ) -> tuple[str | None, int, dict[str, Any] | PublishResult | None]:
        """``(session, offset, video)`` from the checkpointed session, if it is still usable."""
        session = checkpoint.get("session_uri")
        if not session or checkpoint.get("total") != total:
            return None, 0, None
        response = self.http.request(
            "PUT",
            session,
            headers={**self._auth(credentials), "Content-Range": f"bytes */{total}"},
            data=b"",
        )
        if response.status_code in (200, 201):
            return session, total, response.json()
        if response.status_code == 308:
            return session, _next_offset(response), None
        if response.status_code not in (404, 410):
            raise_for_response(response)
        # The session is gone (they last about a week). If the final chunk was sent, the video
        # may exist: look for it before uploading it again.
        if checkpoint.get("final_sent"):
            found = self.find_published(credentials, content, since_epoch=0.0)
            if found is not None:
                checkpoint.set("video_id", found.platform_post_id)
                return session, total, found
        checkpoint.set("session_uri", None)
        return None, 0, None

    def _start(
        self, credentials: Credentials, content: Content, total: int, media_type: str
    ) -> str:
        response = self.http.request(
            "POST",
            f"{self.api_base}{UPLOAD_PATH}",
            params={"uploadType": "resumable", "part": "snippet,status"},
            json=rules.video_resource(content),
            headers={
                **self._auth(credentials),
                "X-Upload-Content-Length": str(total),
                "X-Upload-Content-Type": media_type
                if media_type.startswith("video/")
                else "application/octet-stream",
            },
        )
        raise_for_response(response)
        location = response.headers.get("Location", "")
        if not location:
            raise RetryableError(
                "YouTube opened no upload session; will try again.", code="platform_down"
            )
        return location

    def _upload(
        self,
        credentials: Credentials,
        session: str,
        stream: VideoStream,
        total: int,
        offset: int,
        checkpoint: Checkpoint,
        before_create: Callable[[], None],
    ) -> dict[str, Any]:
        """PUT the bytes from ``offset`` in chunks; the finished video resource.

        The media is read from its start again: bytes the server already has are read and
        dropped (the media URL is not asked for a range, which not every host honours).
        """
        source = iter(stream)
        skip, pending = offset, bytearray()
        while True:
            _fill(pending, source, self.chunk_size, skip=skip)
            skip = 0
            # One copy: slicing the bytearray first would make a second chunk-sized buffer.
            with memoryview(pending) as view:
                body = bytes(view[: self.chunk_size])
            last = offset + len(body) - 1
            final = last + 1 == total
            if not final and len(body) < self.chunk_size:
                raise RetryableError(
                    "The video download ended early; will try again.", code="media_fetch_failed"
                )
            if final:
                checkpoint.set("final_sent", True)
                before_create()
            response = self.http.request(
                "PUT",
                session,
                creates=final,
                data=body,
                headers={
                    **self._auth(credentials),
                    "Content-Range": f"bytes {offset}-{last}/{total}",
                },
            )
            if response.status_code in (200, 201):
                video: dict[str, Any] = response.json()
                return video
            if response.status_code == 308:
                reached = _next_offset(response)
                if reached < offset:  # the server lost bytes we no longer hold: next attempt
                    raise RetryableError(
                        "YouTube lost part of the upload; resuming.", code="platform_down"
                    )
                del pending[: reached - offset]
                offset = reached
                checkpoint.set("offset", offset)  # also renews this attempt's lease
                continue
            if response.status_code in (404, 410) and not final:
                checkpoint.set("session_uri", None)
                raise RetryableError(
                    "YouTube's upload session expired; starting again.", code="platform_down"
                )
            raise_for_response(response, creates=final)
            raise OutcomeUnknownError(  # a 2xx/3xx YouTube does not document
                "YouTube answered the upload unexpectedly; checking whether the video was made.",
                code="outcome_unknown",
                platform_message=f"HTTP {response.status_code}",
            )

    def _result(self, content: Content, video_id: str) -> PublishResult:
        if rules.post_format(content) == "short":
            return PublishResult(video_id, f"{self.web_base}/shorts/{video_id}")
        return PublishResult(video_id, f"{self.web_base}/watch?v={video_id}")

    # -- reconcile and delete ------------------------------------------------------

    def find_published(
        self,
        credentials: Credentials,
        content: Content,
        *,
        since_epoch: float,
        exclude: frozenset[str] = frozenset(),
        saved: Mapping[str, Any] | None = None,
    ) -> PublishResult | None:
        """A video with this title uploaded since ``since_epoch``, from the channel's videos
        newest first (search.list ``forMine``: private ones included), every page.

        Matched on the title: search results carry a shortened description. A publish that
        is sent again also asks its upload session first, so a miss here cannot upload twice
        while the session lives.
        """
        wanted = rules.title(content)

        def page(cursor: str | None) -> Page:
            params = {
                "part": "snippet",
                "forMine": "true",
                "type": "video",
                "order": "date",
                "maxResults": "50",
            }
            if cursor:
                params["pageToken"] = cursor
            response = self.http.request(
                "GET",
                f"{self.api_base}{API_PATH}/search",
                params=params,
                headers=self._auth(credentials),
            )
            raise_for_response(response)
            body = response.json()
            return list(body.get("items") or []), body.get("nextPageToken") or None

        found = search_listing(
            page,
            matches=lambda item: (
                bool(_video_id(item))
                and _video_id(item) not in exclude
                and str((item.get("snippet") or {}).get("title", "")) == wanted
            ),
            created_at=lambda item: _epoch(str((item.get("snippet") or {}).get("publishedAt"))),
            since_epoch=since_epoch,
            budget=self.search,
            platform="YouTube",
        )
        return None if found is None else self._result(content, _video_id(found))

    def delete(self, credentials: Credentials, platform_post_id: str) -> None:
        response = self.http.request(
            "DELETE",
            f"{self.api_base}{API_PATH}/videos",
            params={"id": platform_post_id},
            headers=self._auth(credentials),
        )
        if response.status_code == 404:
            return  # already gone (videoNotFound): what the merchant asked for
        reason, said = google_error(response)
        if response.status_code == 403 and reason in _NO_SCOPE_REASONS:
            # youtube.upload lets an app upload but not delete (PLATFORMS.md 6.1).
            raise NotSupportedError(
                "The YouTube connection does not allow deleting videos; reconnect YouTube "
                "granting it to manage your videos (youtube.force-ssl), or delete the video in "
                "YouTube Studio.",
                code="not_supported",
                status_code=403,
                platform_message=f"{reason}: {said}",
            )
        raise_for_response(response)

    @staticmethod
    def _auth(credentials: Credentials) -> dict[str, str]:
        return {"Authorization": f"Bearer {credentials.access_token}"}


def _fill(pending: bytearray, source: Iterable[bytes], size: int, *, skip: int) -> None:
    """Top ``pending`` up to ``size`` bytes from ``source``, first dropping ``skip`` bytes."""
    iterator = iter(source)
    while len(pending) < size:
        piece = next(iterator, b"")
        if not piece:
            return
        if skip:
            cut = min(skip, len(piece))
            piece, skip = piece[cut:], skip - cut
        pending.extend(piece)


def _epoch(value: str) -> float:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _video_id(item: dict[str, Any]) -> str:
    return str((item.get("id") or {}).get("videoId") or "")
