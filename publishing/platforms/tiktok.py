"""TikTok Content Posting API: Direct Post of a video or of photos (PLATFORMS.md 4.2, 4.3).

creator_info first (what privacy levels and interactions this creator allows), then an init
call, then ``status/fetch`` until the publish is final. TikTok pulls media itself
(``PULL_FROM_URL``) only from URL prefixes verified in our developer portal
(``url_ownership_unverified`` otherwise), listed in TIKTOK_VERIFIED_URL_PREFIXES:

- a video under a verified prefix goes by ``video/init`` with ``PULL_FROM_URL``; any other is
  streamed from its media URL and ``PUT`` to the returned ``upload_url`` in chunks
  (``FILE_UPLOAD``);
- photos can only be pulled (``content/init``, ``media_type`` PHOTO): a photo not under a
  verified prefix, not JPEG or WebP, or larger than 1080p goes through the media relay
  (:mod:`.media_relay`), whose own prefix a merchant verifies once.

A pulled post is made by its init call, so ``before_create`` comes right before it, and a lost
answer cannot be looked up (a posting connection cannot list videos): it is never sent again
blindly, but fails asking the merchant to check the profile first.

With FILE_UPLOAD an init whose upload never completes is never published, so the call that
commits is the final chunk, not ``video/init``. ``before_create`` comes right before
that chunk; a lost init answer is simply retried (the orphaned publish_id expires unused).
The publish_id, upload URL and bytes uploaded are checkpointed: a later attempt asks
status/fetch about that publish_id first, and resumes the upload from ``uploaded_bytes``, or
polls, or reports its FAILED reason, so a video is never sent twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from publishing.media import MediaFetchError
from publishing.platforms import tiktok_rules as rules
from publishing.platforms.base import (
    AuthError,
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
from publishing.platforms.media_relay import ImageNeeds, Relay, image_url
from publishing.platforms.tiktok_errors import failed_publish, raise_for_response

CREATOR_INFO = "/v2/post/publish/creator_info/query/"
VIDEO_INIT = "/v2/post/publish/video/init/"
CONTENT_INIT = "/v2/post/publish/content/init/"
PULL = "PULL_FROM_URL"
STATUS_FETCH = "/v2/post/publish/status/fetch/"
MIB = 1024 * 1024
MIN_CHUNK = 5 * MIB  # Media Transfer Guide: chunks 5-64 MB, the last up to 128 MB
MAX_CHUNK = 64 * MIB
MAX_CHUNKS = 1000
MAX_VIDEO_BYTES = 4 * 1024 * MIB
VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/webm", "application/octet-stream")
JSON_HEADERS = {"Content-Type": "application/json; charset=UTF-8"}
# What TikTok takes of a photo (PLATFORMS.md 4.4): JPEG or WebP, at most 1080p, 20 MB each.
PHOTO_FORMATS, PHOTO_MAX_WIDTH, PHOTO_MAX_HEIGHT = ("JPEG", "WEBP"), 1080, 1920
PHOTO_MAX_BYTES = 20 * MIB


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
        verified_prefixes: tuple[str, ...] = (),
        relay: Relay | None = None,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        # URL prefixes TikTok pulls from (verified in the developer portal); the relay's is one.
        self.verified_prefixes = tuple(p for p in verified_prefixes if p)
        # Makes a photo TikTok would refuse into one it takes, served from a verified prefix;
        # None hands photo URLs on as they are.
        self.relay = relay
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
        if self._pulled(content, checkpoint):
            return self._publish_pulled(credentials, content, checkpoint, before_create)
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

    def _pulled(self, content: Content, checkpoint: Checkpoint) -> bool:
        """Whether TikTok pulls the media: photos always; a video when its URL is under a
        verified prefix. A publish already begun keeps the way it began."""
        if checkpoint.get("publish_id"):
            return checkpoint.get("source") == PULL
        if rules.is_photo_post(content):
            return True
        return bool(self.verified_prefixes) and content.media[0].url.startswith(
            self.verified_prefixes
        )

    def _publish_pulled(
        self,
        credentials: Credentials,
        content: Content,
        checkpoint: Checkpoint,
        before_create: Callable[[], None],
    ) -> PublishResult:
        if checkpoint.get("publish_id"):
            return self._poll(credentials, checkpoint)
        if checkpoint.get("pull_sent"):
            # The init was sent and its answer lost: TikTok may have made the post, and a
            # posting connection cannot look. Sending it again could post it twice, so a person
            # checks first; the marker is cleared so that their retry does send it.
            checkpoint.set("pull_sent", None)
            raise PermanentError(
                "TikTok's answer was lost after the post was sent, and TikTok offers no way to "
                "check it: look at the TikTok profile, and retry only if the post is not there.",
                code="outcome_unknown",
            )
        creator = self._creator(credentials)
        photo = rules.is_photo_post(content)
        info = _checked(content, creator, rules.photo_post_info(content) if photo else None)
        if photo:
            path, body = CONTENT_INIT, self._photo_body(content, checkpoint, info)
        else:
            source = {"source": PULL, "video_url": content.media[0].url}
            path, body = VIDEO_INIT, {"post_info": info, "source_info": source}
        checkpoint.set("username", str(creator.get("creator_username") or ""))
        checkpoint.set("privacy", info["privacy_level"])
        checkpoint.set("source", PULL)
        checkpoint.set("photo", photo)
        checkpoint.set("pull_sent", True)
        before_create()
        try:
            response = self.http.request(
                "POST",
                f"{self.api_base}{path}",
                creates=True,
                headers={**self._auth(credentials), **JSON_HEADERS},
                json=body,
            )
            raise_for_response(response, creates=True)
        except (RetryableError, PermanentError, AuthError):
            checkpoint.set("pull_sent", None)  # refused: nothing was made
            raise
        publish_id = (response.json().get("data") or {}).get("publish_id")
        if not publish_id:
            raise OutcomeUnknownError(
                "TikTok accepted the post without a publish id; checking whether it was made.",
                code="outcome_unknown",
            )
        checkpoint.set("publish_id", str(publish_id))
        return self._poll(credentials, checkpoint)

    def _photo_body(
        self, content: Content, checkpoint: Checkpoint, info: dict[str, Any]
    ) -> dict[str, Any]:
        needs = ImageNeeds(
            "TikTok", PHOTO_FORMATS, PHOTO_MAX_WIDTH, PHOTO_MAX_HEIGHT, PHOTO_MAX_BYTES,
            self.verified_prefixes,
        )  # fmt: skip
        urls: list[str] = []
        for index, item in enumerate(content.media):
            label = f"Photo {index + 1}" if len(content.media) > 1 else ""
            if self.relay is None:
                urls.append(item.url)
                continue
            try:
                urls.append(image_url(self.relay, checkpoint, item.url, needs, label=label))
            except MediaFetchError as exc:
                error = RetryableError if exc.retryable else PermanentError
                which = f"{label}: " if label else ""
                raise error(f"{which}{exc}", code="media_fetch_failed") from exc
        return {
            "media_type": "PHOTO",
            "post_mode": "DIRECT_POST",
            "post_info": info,
            "source_info": {
                "source": PULL,
                "photo_cover_index": rules.cover_index(content),
                "photo_images": urls,
            },
        }

    def _where(self, credentials: Credentials, checkpoint: Checkpoint, publish_id: str) -> int:
        """Where to resume the upload: ``total`` when only polling is left, -1 to start over."""
        data = self._status(credentials, publish_id)
        status = data.get("status")
        if status == "FAILED":
            raise failed_publish(
                str(data.get("fail_reason") or ""), photo=bool(checkpoint.get("photo"))
            )
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
                raise failed_publish(
                    str(data.get("fail_reason") or ""), photo=bool(checkpoint.get("photo"))
                )
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
        saved: Mapping[str, Any] | None = None,
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
    """``post_info`` of a video checked against what this creator allows."""
    return _checked(content, creator, None)


def _checked(
    content: Content, creator: dict[str, Any], info: dict[str, Any] | None
) -> dict[str, Any]:
    """``info`` (a video's ``post_info`` when None) checked against what this creator allows;
    refuses what they cannot do."""
    if info is None:
        info = rules.post_info(content)
    allowed = [str(level) for level in creator.get("privacy_level_options") or []]
    if info["privacy_level"] not in allowed:
        asked = (
            info["privacy_level"] if "privacy_level" in content.extra else "absent, so SELF_ONLY"
        )
        raise PermanentError(
            f"This TikTok account does not offer the privacy level {asked}; it offers "
            f"{', '.join(allowed) or 'none'}. Set options.tiktok.privacy_level to one of them.",
            code="privacy_not_allowed",
        )
    for name, flag in (
        ("disable_comment", "comment_disabled"),
        ("disable_duet", "duet_disabled"),
        ("disable_stitch", "stitch_disabled"),
    ):
        if name in info and creator.get(flag):
            if content.extra.get(name) is False:
                what = name.removeprefix("disable_")
                raise PermanentError(
                    f"This TikTok account has turned {what}s off; it cannot allow them on a "
                    f"post. Leave options.tiktok.{name} out or set it to true.",
                    code="interaction_not_allowed",
                )
            info[name] = True
    return info
