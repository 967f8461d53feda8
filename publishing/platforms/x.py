"""X (Twitter) API v2: text posts with up to four images, or one animated GIF, or one video.

Images go up through `POST /2/media/upload`, a video and an animated GIF (an image served as
``image/gif`` with several frames, ``x_gif``) through the chunked upload in ``x_media``; then
`POST /2/tweets` creates the post. Uploaded media ids are checkpoints, so a retry reuses them
instead of uploading again.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import requests

from publishing.media import FetchedMedia, MediaFetchError, open_media
from publishing.platforms.base import (
    AuthError,
    Checkpoint,
    Content,
    Credentials,
    DuplicateContentError,
    OutcomeUnknownError,
    PermanentError,
    PlatformClient,
    PlatformError,
    PublishResult,
    RetryableError,
    RuleViolation,
)
from publishing.platforms.http import Http
from publishing.platforms.search import CLOCK_SLACK_SECONDS, Page, search_listing
from publishing.platforms.x_gif import animated_gif
from publishing.platforms.x_media import (
    GIF,
    MAX_GIF_BYTES,
    VIDEO,
    ChunkedKind,
    ChunkedUpload,
    MediaOpener,
)
from publishing.platforms.x_text import X_MAX_WEIGHTED_LENGTH, x_weighted_length

MAX_IMAGES = 4
MEDIA_REUSE_SECONDS = 23 * 3600
MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")

MediaFetcher = Callable[..., FetchedMedia]

_URL_RE = re.compile(r"https?://\S+")


def post_text(content: Content) -> str:
    """The text X receives: the link, when not already in the text, goes on its own line."""
    text = content.text
    if content.link and content.link not in text:
        text = f"{text}\n{content.link}" if text else content.link
    return text


_TRAILING_URLS_RE = re.compile(r"(\s*<url>)+\s*$")


def _comparable(text: str) -> str:
    """A post's text as reconciliation compares it. X rewrites every link as a t.co URL,
    and appends one more t.co URL per attached media to the text it returns; so URLs are
    masked and the trailing run of them dropped (our own link ends the text too)."""
    return _TRAILING_URLS_RE.sub("", _URL_RE.sub("<url>", text)).strip()


def _problem_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        if body.get("detail") or body.get("title"):
            return str(body.get("detail") or body.get("title"))
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("detail") or "")
    return response.text[:300]


def _retry_after(response: requests.Response) -> float | None:
    """Seconds until X lets the account post again: the 15-minute window's reset, or the
    24-hour cap's when that is what ran out (its headers say remaining 0)."""
    resets = []
    for prefix in ("x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour"):
        reset = response.headers.get(f"{prefix}-reset", "")
        exhausted = response.headers.get(f"{prefix}-remaining") == "0"
        if reset.isdigit() and (prefix == "x-rate-limit" or exhausted):
            resets.append(int(reset))
    if resets:
        return max(1.0, max(resets) - time.time())
    after = response.headers.get("Retry-After")
    return float(after) if after and after.isdigit() else None


def raise_for_response(response: requests.Response, *, creates: bool = False) -> None:
    """Map X's answer onto the shared error types; return quietly on success."""
    status = response.status_code
    if status < 400:
        return
    said = _problem_message(response)
    kwargs: dict[str, Any] = {"status_code": status, "platform_message": said}
    if status == 401:
        raise AuthError(
            "X no longer accepts this account's token; reconnect the X account.",
            code="auth_revoked",
            **kwargs,
        )
    if status == 402 or "credits" in said.lower():
        raise PermanentError(
            "X refused the post because the app has no API credits left.",
            code="no_api_credits",
            **kwargs,
        )
    if status == 403 and "duplicate" in said.lower():
        raise DuplicateContentError(
            "X rejects a post identical to one this account published recently; change the text.",
            code="duplicate_content",
            **kwargs,
        )
    if status == 403:
        raise PermanentError(f"X did not allow this post: {said}", code="forbidden", **kwargs)
    if status == 429:
        if "usage" in said.lower() and "cap" in said.lower():
            raise PermanentError(
                "X's usage cap for this app is reached; posting resumes when it resets.",
                code="usage_capped",
                **kwargs,
            )
        raise RetryableError(
            "X's rate limit was reached; the post will be sent when it resets.",
            code="rate_limited",
            retry_after=_retry_after(response),
            **kwargs,
        )
    if status >= 500:
        if creates:
            # X may have created the post before failing to answer: check, don't repost.
            raise OutcomeUnknownError(
                "X failed while creating the post; checking whether it was published.",
                code="outcome_unknown",
                **kwargs,
            )
        raise RetryableError("X is having trouble; will try again.", code="platform_down", **kwargs)
    raise PermanentError(f"X rejected the post: {said}", code="rejected", **kwargs)


class XClient(PlatformClient):
    slug = "x"
    display_name = "X"

    def __init__(
        self,
        *,
        api_base: str,
        web_base: str,
        http: Http,
        fetch_media: MediaFetcher,
        open_media: MediaOpener = open_media,
        sleep: Callable[[float], None] = time.sleep,
        max_processing_wait: float = 300.0,
    ) -> None:
        self.api_base = api_base
        self.web_base = web_base
        self.http = http
        self.fetch_media = fetch_media
        self.open_media = open_media
        self.sleep = sleep
        # Past this, the try ends retryable and the next one polls the same media again.
        self.max_processing_wait = max_processing_wait

    # -- rules ---------------------------------------------------------------------

    def validate(self, content: Content) -> list[RuleViolation]:
        problems: list[RuleViolation] = []
        images = [m for m in content.media if m.type == "image"]
        videos = [m for m in content.media if m.type == "video"]
        text = post_text(content)
        if not text.strip() and not content.media:
            problems.append(
                RuleViolation("text_required", "X needs text or media.", "content.text")
            )
        length = x_weighted_length(text).weighted_length
        if length > X_MAX_WEIGHTED_LENGTH:
            problems.append(
                RuleViolation(
                    "text_too_long",
                    f"X counts this text (with the link) as {length} characters; "
                    f"the limit is {X_MAX_WEIGHTED_LENGTH}.",
                    "content.text",
                )
            )
        if videos and (len(videos) > 1 or images):
            problems.append(
                RuleViolation(
                    "video_alone",
                    "X takes one video per post, without images; this post has "
                    f"{len(videos)} videos and {len(images)} images.",
                    "content.media",
                )
            )
        if len(images) > MAX_IMAGES:
            problems.append(
                RuleViolation(
                    "too_many_images",
                    f"X takes at most {MAX_IMAGES} images in a post; this post has {len(images)}.",
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
        video = next((m for m in content.media if m.type == "video"), None)
        if video is not None:
            upload = self._chunked_upload(VIDEO, credentials, self.open_media)
            media_ids = [upload.media_id(video.url, checkpoint)]
        else:
            media_ids = self._upload_images(credentials, content, checkpoint)
        body: dict[str, object] = {"text": post_text(content)}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        before_create()
        response = self.http.request(
            "POST",
            f"{self.api_base}/2/tweets",
            creates=True,
            json=body,
            headers=self._auth(credentials),
        )
        raise_for_response(response, creates=True)
        post_id = str(response.json()["data"]["id"])
        return PublishResult(platform_post_id=post_id, url=self._post_url(credentials, post_id))

    def _upload_images(
        self, credentials: Credentials, content: Content, checkpoint: Checkpoint
    ) -> list[str]:
        media_ids: list[str] = list(checkpoint.get("media_ids", []))
        # X forgets uploaded media after 24 hours (expires_after_secs): a retry a day later
        # uploads again instead of attaching ids X no longer knows.
        if time.time() - float(checkpoint.get("media_uploaded_at", 0)) > MEDIA_REUSE_SECONDS:
            media_ids = []
        images = [m for m in content.media if m.type == "image"]
        # Only an image alone can be an animated GIF, which X takes up to 15 MB.
        limit = MAX_GIF_BYTES if len(images) == 1 else MAX_IMAGE_BYTES
        for image in images[len(media_ids) :]:
            fetched = self._fetch_image(image.url, limit)
            if gif := animated_gif(fetched.content_type, fetched.data):
                if len(images) > 1:
                    raise PermanentError(
                        f"Image {image.url} is an animated GIF, which X takes only alone in a "
                        f"post; this post has {len(images)} images.",
                        code="gif_alone",
                    )
                if problem := gif.problem():
                    raise PermanentError(f"Image {image.url}: {problem}", code="media_rejected")
                upload = self._chunked_upload(GIF, credentials, _opener(fetched))
                return [upload.media_id(image.url, checkpoint)]
            if len(fetched.data) > MAX_IMAGE_BYTES:
                raise PermanentError(
                    f"Image {image.url}: The media is larger than "
                    f"{MAX_IMAGE_BYTES // (1024 * 1024)} MB.",
                    code="media_unavailable",
                )
            response = self.http.request(
                "POST",
                f"{self.api_base}/2/media/upload",
                headers=self._auth(credentials),
                data={"media_category": "tweet_image"},
                files={"media": ("image", fetched.data, fetched.content_type)},
            )
            raise_for_response(response)
            if not media_ids:
                checkpoint.set("media_uploaded_at", time.time())
            media_ids.append(str(response.json()["data"]["id"]))
            checkpoint.set("media_ids", media_ids)
        return media_ids

    def _fetch_image(self, url: str, max_bytes: int) -> FetchedMedia:
        try:
            return self.fetch_media(url, max_bytes=max_bytes, allowed_types=IMAGE_TYPES)
        except MediaFetchError as exc:
            error = RetryableError if exc.retryable else PermanentError
            raise error(f"Image {url}: {exc}", code="media_unavailable") from exc

    def _chunked_upload(
        self, kind: ChunkedKind, credentials: Credentials, open_media: MediaOpener
    ) -> ChunkedUpload:
        return ChunkedUpload(
            kind=kind,
            http=self.http,
            api_base=self.api_base,
            headers=self._auth(credentials),
            check=raise_for_response,
            open_media=open_media,
            sleep=self.sleep,
            max_wait=self.max_processing_wait,
        )

    def _post_url(self, credentials: Credentials, post_id: str) -> str:
        """The post exists by now: a failed username lookup falls back to the URL form
        that works without it, rather than failing a live post."""
        username = credentials.handle
        if not username:
            try:
                username = self._username(credentials)
            except PlatformError:
                return f"{self.web_base}/i/web/status/{post_id}"
        return f"{self.web_base}/{username}/status/{post_id}"

    def _username(self, credentials: Credentials) -> str:
        response = self.http.request(
            "GET", f"{self.api_base}/2/users/me", headers=self._auth(credentials)
        )
        raise_for_response(response)
        return str(response.json()["data"]["username"])

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
        """The account's posts since the window's start, page by page (``start_time``
        bounds the listing, ``next_token`` walks it), matched on their text."""
        wanted = _comparable(post_text(content))
        start = datetime.fromtimestamp(since_epoch - CLOCK_SLACK_SECONDS, tz=UTC)

        def page(cursor: str | None) -> Page:
            params = {
                "max_results": "100",
                "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                # The spec's name (v2.167); the sandbox refuses tweet.fields, as X does
                # any parameter an endpoint does not declare.
                "post.fields": "created_at",
            }
            if cursor:
                params["pagination_token"] = cursor
            response = self.http.request(
                "GET",
                f"{self.api_base}/2/users/{credentials.account_id}/tweets",
                headers=self._auth(credentials),
                params=params,
            )
            raise_for_response(response)
            body = response.json()
            return list(body.get("data") or []), (body.get("meta") or {}).get("next_token")

        found = search_listing(
            page,
            # X returns text with &, < and > as HTML entities.
            matches=lambda item: (
                str(item.get("id")) not in exclude
                and _comparable(html.unescape(str(item.get("text", "")))) == wanted
            ),
            created_at=lambda item: _epoch(item.get("created_at")),
            since_epoch=since_epoch,
            budget=self.search,
            platform="X",
        )
        if found is None:
            return None
        post_id = str(found["id"])
        return PublishResult(post_id, self._post_url(credentials, post_id))

    def delete(self, credentials: Credentials, platform_post_id: str) -> None:
        response = self.http.request(
            "DELETE",
            f"{self.api_base}/2/tweets/{platform_post_id}",
            headers=self._auth(credentials),
        )
        if response.status_code == 404:
            return  # already gone: what the merchant asked for
        raise_for_response(response)

    @staticmethod
    def _auth(credentials: Credentials) -> dict[str, str]:
        return {"Authorization": f"Bearer {credentials.access_token}"}


class _FetchedSource:
    """A GIF already fetched (to learn that it is one), read again for the chunked upload."""

    def __init__(self, fetched: FetchedMedia) -> None:
        self.content_type = fetched.content_type
        self.content_length: int | None = len(fetched.data)
        self._data = fetched.data
        self._at = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._at + size
        chunk, self._at = self._data[self._at : end], min(end, len(self._data))
        return chunk


def _opener(fetched: FetchedMedia) -> MediaOpener:
    @contextmanager
    def open_fetched(url: str, **_: object) -> Iterator[_FetchedSource]:
        yield _FetchedSource(fetched)

    return open_fetched


def _epoch(value: Any) -> float:
    """X's ``created_at`` (``2026-01-02T03:04:05.000Z``) as seconds; 0 when unreadable."""
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0
