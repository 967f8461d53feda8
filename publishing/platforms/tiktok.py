"""TikTok Content Posting API: Direct Post of a video by FILE_UPLOAD (PLATFORMS.md 4.2).

creator_info first (what privacy levels and interactions this creator allows), then
``video/init`` with ``post_info`` and ``source_info`` ``FILE_UPLOAD``, the file streamed from its
media URL and ``PUT`` to the returned ``upload_url`` in chunks, then ``status/fetch`` until the
publish is final. PULL_FROM_URL is not used: TikTok fetches only from URL prefixes verified in
our developer portal (``url_ownership_unverified``), and merchants' media live on their hosts.

When the post becomes real: an init whose upload never completes is never published, so the
call that commits is the final chunk, not ``video/init``. ``before_create`` comes right before
that chunk; a lost init answer is simply retried (the orphaned publish_id expires unused).
The publish_id, upload URL and bytes uploaded are checkpointed: a later attempt asks
status/fetch about that publish_id first, and resumes the upload from ``uploaded_bytes``, or
polls, or reports its FAILED reason, so a video is never sent twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol

from publishing.media import MediaFetchError
from publishing.platforms import tiktok_rules as rules
from publishing.platforms.base import (
    Checkpoint,
    Content,
    Credentials,
    NotSupportedError,
    PermanentError,
    PlatformClient,
    PublishResult,
    RetryableError,
    RuleViolation,
)
from publishing.platforms.http import Http
from publishing.platforms.tiktok_errors import failed_publish, raise_for_response

CREATOR_INFO = "/v2/post/publish/creator_info/query/"
VIDEO_INIT = "/v2/post/publish/video/init/"
STATUS_FETCH = "/v2/post/publish/status/fetch/"
MIB = 1024 * 1024
MIN_CHUNK = 5 * MIB  # Media Transfer Guide: chunks 5-64 MB, the last up to 128 MB
MAX_CHUNK = 64 * MIB
MAX_CHUNKS = 1000
MAX_VIDEO_BYTES = 4 * 1024 * MIB
VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/webm", "application/octet-stream")
JSON_HEADERS = {"Content-Type": "application/json; charset=UTF-8"}


class VideoStream(Protocol):
    @property
    def content_type(self) -> str: ...

    @property
    def content_length(self) -> int | None: ...

    def __iter__(self) -> Iterator[bytes]: ...


MediaOpener = Callable[..., AbstractContextManager[VideoStream]]


def chunk_plan(size: int, preferred: int) -> tuple[int, int]:
    """``(chunk_size, total_chunk_count)`` by TikTok's rules: a file under 5 MB is one chunk;
    otherwise ``total = floor(size / chunk)`` and the last chunk absorbs the remainder (under
    two chunks, so at most 128 MB)."""
    if size < MIN_CHUNK:
        return size, 1
    chunk = min(max(preferred, MIN_CHUNK, -(-size // MAX_CHUNKS)), MAX_CHUNK)
    return chunk, max(size // chunk, 1)


def chunk_range(index: int, chunk: int, count: int, size: int) -> tuple[int, int]:
    """First and last byte of chunk ``index``."""
    first = index * chunk
    return first, (size if index == count - 1 else first + chunk) - 1


class TikTokClient(PlatformClient):
    slug = "tiktok"
    display_name = "TikTok"

    def __init__(
        self,
        *,
        api_base: str,
        web_base: str,
        http: Http,
        open_media: MediaOpener,
        chunk_size: int = 10 * MIB,
        poll_interval: float = 5.0,
        max_wait: float = 600.0,
        media_deadline: float | None = None,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.web_base = web_base.rstrip("/")
        self.http = http
        self.open_media = open_media
        self.chunk_size = chunk_size
        self.poll_interval = poll_interval
        self.max_wait = max_wait
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
        if post_id := checkpoint.get("post_id"):
            return self._result(credentials, checkpoint, str(post_id))
        # A checkpointed publish_id is asked about first: it may be half uploaded, processing,
        # done or failed, and only a publish that can no longer finish is started afresh.
        offset, post_info = 0, {}
        if publish_id := checkpoint.get("publish_id"):
            offset = self._where(credentials, checkpoint, str(publish_id))
        if offset < 0 or not publish_id:
            creator = self._creator(credentials)
            post_info = _post_info(content, creator)
            checkpoint.set("username", str(creator.get("creator_username") or ""))
            checkpoint.set("privacy", post_info["privacy_level"])
            checkpoint.set("publish_id", None)
            offset = 0
        if not checkpoint.get("publish_id") or offset < int(checkpoint.get("total") or 0):
            self._stream(credentials, content, checkpoint, post_info, offset, before_create)
        return self._poll(credentials, checkpoint)

    def _where(self, credentials: Credentials, checkpoint: Checkpoint, publish_id: str) -> int:
        """Where to resume the upload: ``total`` when only polling is left, -1 to start over."""
        data = self._status(credentials, publish_id)
        status = data.get("status")
        if status == "FAILED":
            raise failed_publish(str(data.get("fail_reason") or ""))
        total = int(checkpoint.get("total") or 0)
        if status != "PROCESSING_UPLOAD":
            return total
        uploaded = int(data.get("uploaded_bytes") or 0)
        if total and uploaded >= total:
            return total
        chunk, count = (
            int(checkpoint.get("chunk_size") or 0),
            int(checkpoint.get("chunk_count") or 0),
        )
        if not chunk or not checkpoint.get("upload_url"):
            return -1
        # Resume at the start of the chunk the server has not fully received.
        return min(uploaded // chunk, count - 1) * chunk

    def _creator(self, credentials: Credentials) -> dict[str, Any]:
        response = self.http.request(
            "POST",
            f"{self.api_base}{CREATOR_INFO}",
            headers={**self._auth(credentials), **JSON_HEADERS},
            json={},
        )
        raise_for_response(response)
        data: dict[str, Any] = response.json().get("data") or {}
        return data

    def _stream(
        self,
        credentials: Credentials,
        content: Content,
        checkpoint: Checkpoint,
        post_info: dict[str, Any],
        offset: int,
        before_create: Callable[[], None],
    ) -> None:
        try:
            with self.open_media(
                content.media[0].url,
                max_bytes=MAX_VIDEO_BYTES,
                allowed_types=VIDEO_TYPES,
                deadline_seconds=self.media_deadline,
            ) as stream:
                if not checkpoint.get("publish_id"):
                    self._init(credentials, checkpoint, post_info, stream.content_length)
                self._upload(credentials, checkpoint, stream, offset, before_create)
        except MediaFetchError as exc:
            error = RetryableError if exc.retryable else PermanentError
            raise error(str(exc), code="media_fetch_failed") from exc

    def _init(
        self,
        credentials: Credentials,
        checkpoint: Checkpoint,
        post_info: dict[str, Any],
        size: int | None,
    ) -> None:
        if not size:
            # The chunk plan is declared in video/init, before any byte is sent.
            raise PermanentError(
                "The video's server must send its size (Content-Length), and it must not be empty.",
                code="media_rejected",
            )
        chunk, count = chunk_plan(size, self.chunk_size)
        response = self.http.request(
            "POST",
            f"{self.api_base}{VIDEO_INIT}",
            headers={**self._auth(credentials), **JSON_HEADERS},
            json={
                "post_info": post_info,
                "source_info": {
                    "source": "FILE_UPLOAD",
                    "video_size": size,
                    "chunk_size": chunk,
                    "total_chunk_count": count,
                },
            },
        )
        raise_for_response(response)
        data = response.json().get("data") or {}
        if not data.get("publish_id") or not data.get("upload_url"):
            raise RetryableError(
                "TikTok answered no upload URL; will try again.", code="platform_down"
            )
        for key, value in (
            ("total", size), ("chunk_size", chunk), ("chunk_count", count),
            ("upload_url", data["upload_url"]), ("offset", 0),
            ("publish_id", data["publish_id"]),
        ):  # fmt: skip
            checkpoint.set(key, value)

    def _upload(
        self,
        credentials: Credentials,
        checkpoint: Checkpoint,
        stream: VideoStream,
        offset: int,
        before_create: Callable[[], None],
    ) -> None:
        """PUT the chunks from ``offset``; the bytes before it are read and dropped (the media
        URL is not asked for a range, which not every host honours). Only one chunk (the last
        may be two chunks long) is ever held in memory."""
        total, chunk = int(checkpoint.get("total")), int(checkpoint.get("chunk_size"))
        count, url = int(checkpoint.get("chunk_count")), str(checkpoint.get("upload_url"))
        pending, source, skip = bytearray(), iter(stream), offset
        for index in range(offset // chunk, count):
            first, last = chunk_range(index, chunk, count, total)
            while len(pending) < last - first + 1:
                piece = next(source, b"")
                if not piece:
                    raise RetryableError(
                        "The video download ended early; will try again.", code="media_fetch_failed"
                    )
                if skip:
                    cut = min(skip, len(piece))
                    piece, skip = piece[cut:], skip - cut
                pending.extend(piece)
            body = bytes(pending[: last - first + 1])
            del pending[: last - first + 1]
            final = index == count - 1
            if final:
                before_create()
            response = self.http.request(
                "PUT",
                url,
                creates=final,
                data=body,
                headers={
                    "Content-Type": _video_type(stream.content_type),
                    "Content-Range": f"bytes {first}-{last}/{total}",
                },
            )
            if response.status_code in (404, 410) and not final:
                checkpoint.set("publish_id", None)  # the upload URL expired: a new init
                raise RetryableError(
                    "TikTok's upload URL expired; starting again.", code="platform_down"
                )
            if response.status_code >= 400:
                raise_for_response(response, creates=final)
            checkpoint.set("offset", last + 1)  # also renews this attempt's lease

    def _status(self, credentials: Credentials, publish_id: str) -> dict[str, Any]:
        response = self.http.request(
            "POST",
            f"{self.api_base}{STATUS_FETCH}",
            headers={**self._auth(credentials), **JSON_HEADERS},
            json={"publish_id": publish_id},
        )
        raise_for_response(response)
        data: dict[str, Any] = response.json().get("data") or {}
        return data

    def _poll(self, credentials: Credentials, checkpoint: Checkpoint) -> PublishResult:
        publish_id = str(checkpoint.get("publish_id"))
        deadline = time.monotonic() + self.max_wait
        while True:
            data = self._status(credentials, publish_id)
            status = data.get("status")
            if status == "FAILED":
                raise failed_publish(str(data.get("fail_reason") or ""))
            if status == "PUBLISH_COMPLETE":
                ids = data.get("publicaly_available_post_id") or []  # TikTok's spelling
                if ids:
                    checkpoint.set("post_id", str(ids[0]))
                    return self._result(credentials, checkpoint, str(ids[0]))
                if checkpoint.get("privacy") != "PUBLIC_TO_EVERYONE":
                    # A video not public to everyone never gets a public id: the publish_id
                    # stands in for it and the URL is the creator's profile.
                    checkpoint.set("post_id", publish_id)
                    return self._result(credentials, checkpoint, publish_id)
            if time.monotonic() >= deadline:
                # Public posts are moderated first: the id can take minutes or hours. The
                # checkpointed publish_id makes the next attempt poll again, nothing more.
                raise RetryableError(
                    "TikTok is still processing the video; checking again later.",
                    code="processing",
                    retry_after=self.poll_interval * 12,
                )
            time.sleep(self.poll_interval)

    def _result(
        self, credentials: Credentials, checkpoint: Checkpoint, post_id: str
    ) -> PublishResult:
        username = checkpoint.get("username") or credentials.handle
        if post_id == checkpoint.get("publish_id"):
            return PublishResult(post_id, f"{self.web_base}/@{username}")
        return PublishResult(post_id, f"{self.web_base}/@{username}/video/{post_id}")

    # -- reconcile and delete ------------------------------------------------------

    def find_published(
        self,
        credentials: Credentials,
        content: Content,
        *,
        since_epoch: float,
        exclude: frozenset[str] = frozenset(),
    ) -> PublishResult | None:
        """Always None: listing a creator's videos needs the ``video.list`` scope, which a
        posting connection does not ask for (PLATFORMS.md 4.1). Nothing is lost: the pipeline
        then sends the target again, and :meth:`publish` first asks status/fetch about the
        checkpointed publish_id, so it finds the video instead of posting it twice."""
        return None

    def delete(self, credentials: Credentials, platform_post_id: str) -> None:
        raise NotSupportedError(
            "TikTok does not let apps delete posts (the Content Posting API has no delete); "
            "delete the video in the TikTok app.",
            code="not_supported",
        )

    @staticmethod
    def _auth(credentials: Credentials) -> dict[str, str]:
        return {"Authorization": f"Bearer {credentials.access_token}"}


def _video_type(content_type: str) -> str:
    kind = content_type.split(";")[0].strip().lower()
    return kind if kind in ("video/mp4", "video/quicktime", "video/webm") else "video/mp4"


def _post_info(content: Content, creator: dict[str, Any]) -> dict[str, Any]:
    """``post_info`` checked against what this creator allows; refuses what they cannot do."""
    info = rules.post_info(content)
    allowed = [str(level) for level in creator.get("privacy_level_options") or []]
    if info["privacy_level"] not in allowed:
        asked = "absent, so SELF_ONLY" if "privacy" not in content.extra else info["privacy_level"]
        raise PermanentError(
            f"This TikTok account does not offer the privacy level {asked}; it offers "
            f"{', '.join(allowed) or 'none'}. Set options.tiktok.privacy to one of them.",
            code="privacy_not_allowed",
        )
    for name, flag in (
        ("disable_comment", "comment_disabled"),
        ("disable_duet", "duet_disabled"),
        ("disable_stitch", "stitch_disabled"),
    ):
        if creator.get(flag):
            if content.extra.get(name) is False:
                what = name.removeprefix("disable_")
                raise PermanentError(
                    f"This TikTok account has turned {what}s off; it cannot allow them on a "
                    f"post. Leave options.tiktok.{name} out or set it to true.",
                    code="interaction_not_allowed",
                )
            info[name] = True
    return info
