"""Threads (Meta's Threads API): text, single image, single video and carousel posts.

The flow is Meta's container model (PLATFORMS.md 5.2): create a container (one per carousel
item, then the carousel), poll its status until ``FINISHED``, then ``threads_publish`` makes the
post public, and the post's ``permalink`` is read back. Container ids are checkpoints, so a
retry after a crash resumes from the container; ``threads_publish`` is the one call whose lost
answer leaves the outcome unknown.

Parameters go in the query string with ``access_token``, exactly as the official Postman
collection sends them (its auth adds the token to the query). The HTTP seam strips query
strings before recording a call, so the token never reaches the attempt log.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from twitter_text import extract_emojis_with_indices

from publishing.platforms import meta
from publishing.platforms.base import (
    Checkpoint,
    Content,
    Credentials,
    NotSupportedError,
    OutcomeUnknownError,
    PermanentError,
    PlatformClient,
    PlatformError,
    PublishResult,
    RuleViolation,
)
from publishing.platforms.http import Http
from publishing.platforms.search import CLOCK_SLACK_SECONDS, search_listing

MAX_TEXT_LENGTH = 500
MAX_LINKS = 5
MIN_CAROUSEL_ITEMS, MAX_CAROUSEL_ITEMS = 2, 20
MEDIA_TYPES = {"image": "IMAGE", "video": "VIDEO"}
_URL_RE = re.compile(r"https?://[^\s<>\"']+")
# What a container in ERROR says (``error_message``), as advice the merchant can act on.
_CONTAINER_ERRORS = {
    "FAILED_DOWNLOADING_VIDEO": (
        "Threads could not download the video: make sure its URL is public and points "
        "straight at the file."
    ),
    "FAILED_PROCESSING_AUDIO": (
        "Threads could not process the video's sound: use AAC audio, at most 48 kHz."
    ),
    "FAILED_PROCESSING_VIDEO": (
        "Threads could not process the video: use MP4 or MOV with H.264 or HEVC video."
    ),
    "INVALID_ASPEC_RATIO": "Threads takes media with an aspect ratio between 0.01:1 and 10:1.",
    "INVALID_ASPECT_RATIO": "Threads takes media with an aspect ratio between 0.01:1 and 10:1.",
    "INVALID_BIT_RATE": "The video's bit rate is too high: Threads takes at most 25 Mbps.",
    "INVALID_DURATION": "The video is too long: Threads takes videos of at most 5 minutes.",
    "INVALID_FRAME_RATE": "The video's frame rate must be between 23 and 60 frames per second.",
    "INVALID_AUDIO_CHANNELS": "The video's sound must be mono or stereo.",
    "INVALID_AUDIO_CHANNEL_LAYOUT": "The video's sound must be mono or stereo.",
}


# --- Text -----------------------------------------------------------------------------


def threads_length(text: str) -> int:
    """The length Threads counts: one per character, but an emoji counts its UTF-8 bytes.

    PLATFORMS.md 5.3 ("emoji counted by UTF-8 byte length"): 🌸 counts 4, a family emoji
    joined with ZWJs counts every byte of the sequence. Emoji sequences are found with
    twitter-text's emoji regex (already a dependency, for X), which knows ZWJ sequences,
    skin tones, flags and keycaps.
    """
    length = len(text)
    for found in extract_emojis_with_indices(text):
        emoji = found["emoji"]
        length += len(emoji.encode("utf-8")) - len(emoji)
    return length


def is_text_post(content: Content) -> bool:
    return not content.media


def post_text(content: Content) -> str:
    """The text Threads receives.

    A text post carries the link as ``link_attachment`` (a preview card that does not use up
    the 500 characters); Threads only takes ``link_attachment`` on text posts, so a media
    post gets the link on its own line, as X does.
    """
    text = content.text
    if content.link and not is_text_post(content) and content.link not in text:
        text = f"{text}\n{content.link}" if text else content.link
    return text


def _links(content: Content) -> set[str]:
    links = set(_URL_RE.findall(content.text))
    if content.link:
        links.add(content.link)
    return links


# --- Errors ---------------------------------------------------------------------------


def _threads_codes(error: meta.MetaError, creates: bool) -> PlatformError | None:
    """Threads' own error strings (PLATFORMS.md 5.4); Meta sends them as code 100."""
    if "LINK_LIMIT_EXCEEDED" in error.said:
        return PermanentError(
            f"Threads takes at most {MAX_LINKS} different links in a post.",
            code="too_many_links",
            **error.kwargs,
        )
    return None


THREADS = meta.MetaPlatform(
    name="Threads",
    daily_limit="This Threads account reached its limit of 250 posts in 24 hours; retry the "
    "post later.",
    media_advice="Check that every image and video URL is public and the files are JPEG/PNG "
    "images or MP4/MOV videos.",
    specific=_threads_codes,
)


def raise_for_response(response: requests.Response, *, creates: bool = False) -> None:
    """Map Meta's error envelope onto the shared error types (:mod:`.meta`)."""
    meta.raise_for_response(response, THREADS, creates=creates)


def _container_failure(status: str, said: str, item: int | None) -> PermanentError:
    which = f"Item {item}: " if item is not None else ""
    advice = _CONTAINER_ERRORS.get(
        said,
        "Threads could not process the media; check the file's format and that its URL is public.",
    )
    if status == "EXPIRED":
        advice = "Threads discarded the prepared post before it was published."
    return PermanentError(
        which + advice, code="media_rejected", platform_message=f"{status}: {said}"
    )


# --- The client -----------------------------------------------------------------------


class ThreadsClient(PlatformClient):
    slug = "threads"
    display_name = "Threads"

    def __init__(
        self,
        *,
        api_base: str,
        http: Http,
        poll_interval: float = 2.0,
        max_wait: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_base = api_base
        self.http = http
        # Containers are polled after poll_interval, doubling up to 30 s, for max_wait in
        # all; then the attempt ends as retryable and the next one polls the same container.
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self.sleep = sleep

    # -- rules ---------------------------------------------------------------------

    def validate(self, content: Content) -> list[RuleViolation]:
        problems: list[RuleViolation] = []
        text = post_text(content)
        if is_text_post(content) and not text.strip() and not content.link:
            problems.append(
                RuleViolation(
                    "text_required",
                    "Threads needs text, a link, or at least one image or video.",
                    "content.text",
                )
            )
        length = threads_length(text)
        if length > MAX_TEXT_LENGTH:
            with_link = " (with the link)" if text != content.text else ""
            problems.append(
                RuleViolation(
                    "text_too_long",
                    f"Threads counts this text{with_link} as {length} characters (an emoji "
                    f"counts as several); the limit is {MAX_TEXT_LENGTH}.",
                    "content.text",
                )
            )
        if len(links := _links(content)) > MAX_LINKS:
            problems.append(
                RuleViolation(
                    "too_many_links",
                    f"Threads takes at most {MAX_LINKS} different links in a post; this post "
                    f"has {len(links)}.",
                    "content.text",
                )
            )
        if unknown := sorted({m.type for m in content.media} - set(MEDIA_TYPES)):
            problems.append(
                RuleViolation(
                    "unsupported_media",
                    f"Threads takes images and videos, not {', '.join(unknown)}.",
                    "content.media",
                )
            )
        if len(content.media) > MAX_CAROUSEL_ITEMS:
            problems.append(
                RuleViolation(
                    "too_many_media",
                    f"Threads takes at most {MAX_CAROUSEL_ITEMS} images and videos in a post; "
                    f"this post has {len(content.media)}.",
                    "content.media",
                )
            )
        return problems

    # -- publish -------------------------------------------------------------------

    def publish(
        self,
        credentials: Credentials,
        content: Content,
        checkpoint: Checkpoint,
        *,
        before_create: Callable[[], None],
    ) -> PublishResult:
        published = checkpoint.get("media_id")
        if published:  # an earlier attempt published, then lost the permalink lookup
            return self._result(credentials, str(published))
        if not checkpoint.get("container"):
            # A saved container already holds its slot: re-checking could refuse a post
            # that took the last one and was published with its answer lost.
            self._check_quota(credentials)
        container = self._ready_container(credentials, content, checkpoint)
        if container is None:  # the container says it was published: find the post
            found = self.find_published(
                credentials, content, since_epoch=float(checkpoint.get("created_at", 0))
            )
            if found is None:
                raise OutcomeUnknownError(
                    "Threads says this post was published; looking it up.",
                    code="outcome_unknown",
                    platform_message="container status PUBLISHED",
                )
            return found
        before_create()
        response = self._request(
            "POST", "me/threads_publish", credentials, {"creation_id": container}, creates=True
        )
        raise_for_response(response, creates=True)
        media_id = str(response.json()["id"])
        checkpoint.set("media_id", media_id)
        return self._result(credentials, media_id)

    def _check_quota(self, credentials: Credentials) -> None:
        """Refuse before creating anything when the account has no posts left today.

        Permanent, not retryable: the window is rolling and Meta does not say when a slot
        frees, so a timed retry would be a guess; the merchant sees why and retries.
        """
        response = self._request(
            "GET", "me/threads_publishing_limit", credentials, {"fields": "quota_usage,config"}
        )
        raise_for_response(response)
        data = response.json().get("data") or [{}]
        usage = meta.to_int(data[0].get("quota_usage")) or 0
        total = meta.to_int((data[0].get("config") or {}).get("quota_total"))
        if total is not None and usage >= total:
            raise PermanentError(
                f"This Threads account has published {usage} of its {total} posts allowed in "
                "24 hours; retry the post later.",
                code="quota_exceeded",
                platform_message=f"quota_usage={usage}, quota_total={total}",
            )

    def _ready_container(
        self, credentials: Credentials, content: Content, checkpoint: Checkpoint
    ) -> str | None:
        """The id of a FINISHED container for this content (None: it was already published)."""
        container = checkpoint.get("container")
        if container:
            status = self._wait(credentials, container, checkpoint, resumed=True)
            if status == "PUBLISHED":
                return None
            if status == "FINISHED":
                return str(container)
            # EXPIRED (not published within 24 h): the checkpoint was cleared; start over.
        if len(content.media) >= MIN_CAROUSEL_ITEMS:
            children = self._carousel_items(credentials, content, checkpoint)
            params = {"media_type": "CAROUSEL", "children": ",".join(children)}
        elif content.media:
            item = content.media[0]
            params = {"media_type": MEDIA_TYPES[item.type], f"{item.type}_url": item.url}
        else:
            params = {"media_type": "TEXT"}
            if content.link:
                params["link_attachment"] = content.link
        if text := post_text(content):
            params["text"] = text
        container = self._create_container(credentials, params)
        checkpoint.set("created_at", time.time())
        checkpoint.set("container", container)
        self._wait(credentials, container, checkpoint, resumed=False)
        return container

    def _carousel_items(
        self, credentials: Credentials, content: Content, checkpoint: Checkpoint
    ) -> list[str]:
        children: list[str] = list(checkpoint.get("children") or [])
        resumed = len(children)
        for item in content.media[len(children) :]:
            params = {
                "media_type": MEDIA_TYPES[item.type],
                f"{item.type}_url": item.url,
                "is_carousel_item": "true",
            }
            children.append(self._create_container(credentials, params))
            checkpoint.set("children", children)
        for index, child in enumerate(children):
            status = self._wait(
                credentials, child, checkpoint, resumed=index < resumed, item=index + 1
            )
            if status == "EXPIRED":  # a checkpointed item expired: every item is made again
                return self._carousel_items(credentials, content, checkpoint)
        return children

    def _create_container(self, credentials: Credentials, params: dict[str, str]) -> str:
        # Not a `creates` call: a container is private until published, so a lost answer
        # leaves at most an orphan container that expires on its own.
        response = self._request("POST", "me/threads", credentials, params)
        raise_for_response(response)
        return str(response.json()["id"])

    def _wait(
        self,
        credentials: Credentials,
        container: str,
        checkpoint: Checkpoint,
        *,
        resumed: bool,
        item: int | None = None,
    ) -> str:
        """Poll a container until it is FINISHED (or PUBLISHED); its final status.

        ERROR fails the post with Meta's reason. EXPIRED on a resumed container clears the
        checkpoint so the caller makes a new one. ERROR clears it too, so that a retry the
        merchant asks for starts afresh instead of finding the same failed container.
        """

        def read() -> tuple[str, str]:
            response = self._request(
                "GET", container, credentials, {"fields": "id,status,error_message"}
            )
            raise_for_response(response)
            body = response.json()
            status = str(body.get("status", ""))
            return status, str(body.get("error_message") or status)

        return meta.wait_for_container(
            read=read,
            failure=lambda status, said: _container_failure(status, said, item),
            checkpoint=checkpoint,
            resumed=resumed,
            sleep=self.sleep,
            first_delay=self.poll_interval,
            max_delay=30.0,
            max_wait=self.max_wait,
            platform="Threads",
            container=container,
        )

    def _result(self, credentials: Credentials, media_id: str) -> PublishResult:
        return meta.published_result(
            media_id,
            lambda: self._request("GET", media_id, credentials, {"fields": "permalink"}),
            raise_for_response,
        )

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
        """The saved media id or container first; else the account's threads since the
        window's start, every page, matched on their text."""
        wanted = post_text(content).strip()

        def matches(item: dict[str, Any]) -> bool:
            if str(item.get("id")) in exclude or str(item.get("text", "")).strip() != wanted:
                return False
            # A link-only text post has no text: its link attachment tells it apart.
            return bool(wanted) or item.get("link_attachment_url") in (None, content.link)

        def search() -> PublishResult | None:
            pages = meta.graph_pages(
                lambda params: self._request("GET", "me/threads", credentials, params),
                raise_for_response,
                {
                    "fields": "id,text,timestamp,permalink,link_attachment_url",
                    "since": str(int(since_epoch - CLOCK_SLACK_SECONDS)),
                    "limit": "100",
                },
            )
            found = search_listing(
                pages,
                matches=matches,
                created_at=lambda item: meta.epoch(item.get("timestamp")),
                since_epoch=since_epoch,
                budget=self.search,
                platform="Threads",
            )
            if found is None:
                return None
            return PublishResult(str(found["id"]), str(found.get("permalink", "")))

        return meta.find_container_post(
            saved=saved,
            container_status=lambda container: self._container_status(credentials, container),
            published=lambda media_id: self._result(credentials, media_id),
            search=search,
            platform="Threads",
        )

    def _container_status(self, credentials: Credentials, container: str) -> str:
        response = self._request("GET", container, credentials, {"fields": "id,status"})
        raise_for_response(response)
        return str(response.json().get("status", ""))

    def delete(self, credentials: Credentials, platform_post_id: str) -> None:
        response = self._request("DELETE", platform_post_id, credentials, {})
        if meta.is_gone(response):
            return  # already gone: what the merchant asked for
        error = meta.meta_error(response) if response.status_code >= 400 else {}
        if response.status_code >= 400 and meta.to_int(error.get("code")) == 10:
            raise NotSupportedError(
                "The Threads connection does not allow deleting posts; reconnect Threads and "
                "allow deleting.",
                code="not_supported",
                status_code=response.status_code,
                platform_message=str(error.get("message", "")),
            )
        raise_for_response(response)

    def _request(
        self,
        method: str,
        path: str,
        credentials: Credentials,
        params: dict[str, str],
        *,
        creates: bool = False,
    ) -> requests.Response:
        return self.http.request(
            method,
            f"{self.api_base}/{path}",
            creates=creates,
            params={**params, "access_token": credentials.access_token},
        )
