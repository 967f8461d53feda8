"""Instagram (professional accounts): Feed (image, video, carousel), Reels and Stories.

Meta's container model (PLATFORMS.md 1.3): create a container (one per carousel item, then the
carousel), poll its ``status_code`` until ``FINISHED``, then ``media_publish`` makes the post
public, and its ``permalink`` is read back. Container ids are checkpoints, so a retry after a
crash resumes from the container; ``media_publish`` is the one call whose lost answer leaves
the outcome unknown.

Two hosts serve the same edges (PLATFORMS.md 1.1): graph.facebook.com for accounts connected
through Facebook Login, graph.instagram.com for those connected through Instagram Login. Which
one an account uses arrives in ``Credentials.login``; only the Facebook-Login host can delete.
Parameters go in the query string with ``access_token``, as Meta's examples send them; the HTTP
seam strips query strings before recording a call, so the token never reaches the attempt log.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from publishing.media import MediaFetchError
from publishing.platforms import instagram_rules as rules
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
    RetryableError,
    RuleViolation,
)
from publishing.platforms.http import Http
from publishing.platforms.instagram_rules import (
    INSTAGRAM_LOGIN,
    MAX_CAPTION_LENGTH,
    MAX_CAROUSEL_ITEMS,
    MAX_MENTIONS,
    MIN_CAROUSEL_ITEMS,
    caption,
    post_format,
)
from publishing.platforms.media_relay import ImageNeeds, Relay, image_url
from publishing.platforms.search import CLOCK_SLACK_SECONDS, search_listing

_SUBCODE_RE = re.compile(r"\b(22070\d\d)\b")

# Meta's Instagram subcodes (PLATFORMS.md 1.5) as advice the merchant can act on. They come
# back from a refused call or, for a container that ended in ERROR, inside its ``status``.
_MEDIA_ADVICE = {
    2207004: "The image is larger than Instagram's 8 MB: use a smaller JPEG.",
    2207005: "Instagram takes JPEG images and MP4 or MOV videos; this file is another format.",
    2207009: "Instagram feed images must have an aspect ratio between 4:5 and 1.91:1.",
    2207010: f"The caption is too long: Instagram takes at most {MAX_CAPTION_LENGTH} characters.",
    2207023: "Instagram did not recognise the media type of a file.",
    2207026: "Instagram could not use the video: use MP4 or MOV with H.264 or HEVC video and "
    "AAC sound, 3 seconds to 15 minutes.",
    2207028: f"A carousel takes {MIN_CAROUSEL_ITEMS} to {MAX_CAROUSEL_ITEMS} images and videos.",
    2207040: f"Instagram takes at most {MAX_MENTIONS} @-mentions in a caption.",
    2207052: "Instagram could not download a file: make sure every image and video URL is "
    "public and points straight at the file.",
    2207057: "The cover frame (thumb_offset) is outside the video.",
}
# Meta's server-side failures to fetch or prepare the media: nothing was made, try again.
_RETRY_SUBCODES = frozenset({2207001, 2207003, 2207032, 2207053})
_NOT_FOUND_SUBCODES = frozenset({2207006, 2207008})  # "media not found / temporarily unavailable"
_SPAM_SUBCODE = 2207051
# What Instagram takes of an image_url as it is (PLATFORMS.md 1.4): JPEG only, at most 8 MB,
# at most 1440 px wide (Meta scales wider ones itself, but only after the 8 MB check).
IMAGE_NEEDS = ImageNeeds("Instagram", ("JPEG",), 1440, None, 8 * 1024 * 1024)
_RESTRICTED_SUBCODE = 2207050


# --- Errors ---------------------------------------------------------------------------


def _instagram_codes(error: meta.MetaError, creates: bool) -> PlatformError | None:
    """Instagram's own subcodes, before the generic Graph mapping (PLATFORMS.md 1.5)."""
    subcode, kwargs = error.subcode, error.kwargs
    if subcode == _SPAM_SUBCODE:
        # Sent with code 4, which alone means a rate limit; and Meta says the post may have
        # gone out anyway, so on media_publish it is looked up, never sent again.
        if creates:
            return OutcomeUnknownError(
                "Instagram flagged the publish as possible spam; checking whether the post "
                "was made.",
                code="outcome_unknown",
                **kwargs,
            )
        return PermanentError(
            f"Instagram blocked this as suspected spam: {error.said}", code="blocked", **kwargs
        )
    if subcode in _RETRY_SUBCODES or subcode in _NOT_FOUND_SUBCODES:
        if creates:
            return OutcomeUnknownError(
                "Instagram failed while publishing; checking whether the post was made.",
                code="outcome_unknown",
                **kwargs,
            )
        return RetryableError(
            "Instagram could not prepare the media just now; will try again.",
            code="platform_down",
            retry_after=60.0 if subcode in _NOT_FOUND_SUBCODES else None,
            **kwargs,
        )
    if subcode == _RESTRICTED_SUBCODE:
        return PermanentError(
            "Instagram has restricted this account; the account owner must resolve it in "
            f"the Instagram app. ({error.said})",
            code="account_restricted",
            **kwargs,
        )
    if subcode in _MEDIA_ADVICE:
        return PermanentError(_MEDIA_ADVICE[subcode], code="media_rejected", **kwargs)
    return None


INSTAGRAM = meta.MetaPlatform(
    name="Instagram",
    daily_limit="This Instagram account reached its limit of posts in 24 hours; retry the post "
    "later.",
    media_advice="Check that every image and video URL is public and the files are JPEG images "
    "or MP4/MOV videos.",
    specific=_instagram_codes,
)


def raise_for_response(response: requests.Response, *, creates: bool = False) -> None:
    """Map Meta's error envelope onto the shared error types (:mod:`.meta`)."""
    meta.raise_for_response(response, INSTAGRAM, creates=creates)


def _container_failure(status_code: str, status: str, item: int | None) -> PermanentError:
    which = f"Item {item}: " if item is not None else ""
    if status_code == "EXPIRED":
        advice = "Instagram discarded the prepared post before it was published."
    else:
        found = _SUBCODE_RE.search(status)
        advice = _MEDIA_ADVICE.get(
            int(found.group(1)) if found else 0,
            "Instagram could not process the media; check the file's format and that its URL "
            "is public.",
        )
    return PermanentError(
        which + advice, code="media_rejected", platform_message=f"{status_code}: {status}"
    )


# --- The client -----------------------------------------------------------------------


class InstagramClient(PlatformClient):
    slug = "instagram"
    display_name = "Instagram"

    def __init__(
        self,
        *,
        graph_base: str,
        ig_base: str,
        http: Http,
        poll_interval: float = 3.0,
        max_wait: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        relay: Relay | None = None,
    ) -> None:
        self.graph_base = graph_base  # Facebook Login
        # Converts images Instagram would refuse (a PNG) and serves them from our URL; None
        # hands every URL on as it is.
        self.relay = relay
        self.ig_base = ig_base  # Instagram Login
        self.http = http
        # Containers are polled after poll_interval, doubling up to 60 s (Meta advises about
        # once a minute), for max_wait in all (at most ~5 minutes, as Meta advises); then the
        # attempt ends as retryable and the next one polls the same container.
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self.sleep = sleep

    # -- rules ---------------------------------------------------------------------

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
                    "Instagram says this post was published; looking it up.",
                    code="outcome_unknown",
                    platform_message="container status_code PUBLISHED",
                )
            return found
        before_create()
        response = self._request(
            "POST",
            f"{credentials.account_id}/media_publish",
            credentials,
            {"creation_id": container},
            creates=True,
        )
        raise_for_response(response, creates=True)
        media_id = str(response.json()["id"])
        checkpoint.set("media_id", media_id)
        return self._result(credentials, media_id)

    def _check_quota(self, credentials: Credentials) -> None:
        """Refuse before creating anything when the account has no posts left today.

        The limit is read live, since Meta's own pages disagree on it (50 or 100 posts in 24
        hours, PLATFORMS.md 1.4). Permanent, not retryable: the window is rolling and Meta
        does not say when a slot frees, so a timed retry would be a guess; the merchant sees
        why and retries.
        """
        response = self._request(
            "GET",
            f"{credentials.account_id}/content_publishing_limit",
            credentials,
            {"fields": "quota_usage,config"},
        )
        raise_for_response(response)
        data = response.json().get("data") or [{}]
        usage = meta.to_int(data[0].get("quota_usage")) or 0
        total = meta.to_int((data[0].get("config") or {}).get("quota_total"))
        if total is not None and usage >= total:
            raise PermanentError(
                f"This Instagram account has published {usage} of its {total} posts allowed "
                "in 24 hours; retry the post later.",
                code="quota_exceeded",
                platform_message=f"quota_usage={usage}, quota_total={total}",
            )

    def _image_url(self, url: str, checkpoint: Checkpoint, label: str = "") -> str:
        """The image's URL, or one of ours serving a JPEG of it when Instagram would refuse it."""
        if self.relay is None:
            return url
        try:
            return image_url(self.relay, checkpoint, url, IMAGE_NEEDS, label=label)
        except MediaFetchError as exc:
            error = RetryableError if exc.retryable else PermanentError
            which = f"{label}: " if label else ""
            raise error(f"{which}{exc}", code="media_fetch_failed") from exc

    def _container_params(
        self, content: Content, children: list[str], checkpoint: Checkpoint
    ) -> dict[str, str]:
        fmt, text = post_format(content), caption(content)
        params: dict[str, str] = {}
        if children:
            params = {"media_type": "CAROUSEL", "children": ",".join(children)}
        elif fmt == "story":
            item = content.media[0]
            url = self._image_url(item.url, checkpoint) if item.type == "image" else item.url
            params = {"media_type": "STORIES", f"{item.type}_url": url}
        elif content.media[0].type == "video":
            # Meta publishes every single video as a Reel since 2023 (``media_type=VIDEO`` for
            # the feed is deprecated); a Feed video is a Reel that is also shown in the feed.
            params = {"media_type": "REELS", "video_url": content.media[0].url}
            share = content.extra.get("share_to_feed", True) if fmt == "reel" else True
            params["share_to_feed"] = "true" if share else "false"
            if cover := content.extra.get("cover_url"):
                params["cover_url"] = str(cover)
        else:
            # A feed image needs no media_type.
            params = {"image_url": self._image_url(content.media[0].url, checkpoint)}
        if text:
            params["caption"] = text
        return params

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
        children: list[str] = []
        if post_format(content) == "feed" and len(content.media) >= MIN_CAROUSEL_ITEMS:
            children = self._carousel_items(credentials, content, checkpoint)
        params = self._container_params(content, children, checkpoint)
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
        for index, item in enumerate(content.media[len(children) :], start=len(children)):
            url = item.url
            if item.type == "image":
                url = self._image_url(url, checkpoint, label=f"Item {index + 1}")
            params = {"is_carousel_item": "true", f"{item.type}_url": url}
            if item.type == "video":  # carousel videos are VIDEO items, never Reels
                params["media_type"] = "VIDEO"
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
        # leaves at most an orphan container that expires on its own in 24 hours.
        response = self._request("POST", f"{credentials.account_id}/media", credentials, params)
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
        """Poll a container until it is FINISHED (or PUBLISHED); its final ``status_code``.

        ERROR fails the post with Meta's reason (the ``status`` field) and clears the
        checkpoint, so a retry the merchant asks for starts afresh. EXPIRED on a resumed
        container clears it too, and the caller makes a new one.
        """

        def read() -> tuple[str, str]:
            response = self._request(
                "GET", container, credentials, {"fields": "id,status_code,status"}
            )
            raise_for_response(response)
            body = response.json()
            return str(body.get("status_code", "")), str(body.get("status") or "")

        return meta.wait_for_container(
            read=read,
            failure=lambda status, said: _container_failure(status, said, item),
            checkpoint=checkpoint,
            resumed=resumed,
            sleep=self.sleep,
            first_delay=self.poll_interval,
            max_delay=60.0,
            max_wait=self.max_wait,
            platform="Instagram",
            container=container,
        )

    def _result(self, credentials: Credentials, media_id: str) -> PublishResult:
        return meta.published_result(
            media_id,
            lambda: self._request("GET", media_id, credentials, {"fields": "id,permalink"}),
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
        """The saved media id or container first; else the account's media since the
        window's start, every page.

        Feed posts and Reels are matched on their caption. Stories are listed on their own
        edge and have no caption, so the newest Story since the create call is taken: only a
        Story the merchant posted in that same minute could be mistaken for it.
        """
        story = post_format(content) == "story"
        wanted = caption(content).strip()
        params = {"fields": "id,caption,timestamp,permalink", "limit": "100"}
        if not story:  # the stories edge takes no parameters but fields and paging
            params["since"] = str(int(since_epoch - CLOCK_SLACK_SECONDS))
        edge = f"{credentials.account_id}/{'stories' if story else 'media'}"

        def search() -> PublishResult | None:
            found = search_listing(
                meta.graph_pages(
                    lambda page: self._request("GET", edge, credentials, page),
                    raise_for_response,
                    params,
                ),
                matches=lambda item: (
                    str(item.get("id")) not in exclude
                    and (story or str(item.get("caption", "")).strip() == wanted)
                ),
                created_at=lambda item: meta.epoch(item.get("timestamp")),
                since_epoch=since_epoch,
                budget=self.search,
                platform="Instagram",
            )
            if found is None:
                return None
            return PublishResult(str(found["id"]), str(found.get("permalink", "")))

        return meta.find_container_post(
            saved=saved,
            container_status=lambda container: self._container_status(credentials, container),
            published=lambda media_id: self._result(credentials, media_id),
            search=search,
            platform="Instagram",
        )

    def _container_status(self, credentials: Credentials, container: str) -> str:
        response = self._request("GET", container, credentials, {"fields": "id,status_code"})
        raise_for_response(response)
        return str(response.json().get("status_code", ""))

    def delete(self, credentials: Credentials, platform_post_id: str) -> None:
        if credentials.login == INSTAGRAM_LOGIN:
            # graph.instagram.com has no delete (IGMediaForIGOnlyAPI has no DELETE): say so
            # without a call that can only fail.
            raise NotSupportedError(
                "Instagram only lets apps delete posts for accounts connected through Facebook "
                "Login; delete this post in the Instagram app, or reconnect Instagram through "
                "Facebook to delete from here.",
                code="not_supported",
            )
        response = self._request("DELETE", platform_post_id, credentials, {})
        if meta.is_gone(response):
            return  # already gone: what the merchant asked for
        error = meta.meta_error(response) if response.status_code >= 400 else {}
        if response.status_code >= 400 and meta.to_int(error.get("code")) == 10:
            raise NotSupportedError(
                "The Instagram connection does not allow deleting posts; reconnect Instagram "
                "and allow managing content.",
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
        base = self.ig_base if credentials.login == INSTAGRAM_LOGIN else self.graph_base
        return self.http.request(
            method,
            f"{base}/{path}",
            creates=creates,
            params={**params, "access_token": credentials.access_token},
        )
