"""Facebook Pages: text and link posts, a photo, several photos in one post, a video, a Reel.

The flows of PLATFORMS.md 2.2, all with the Page token (the connected account's token is the
Page's; ``Credentials.account_id`` is the page id):

- text / link: ``POST /{page}/feed`` (``message``, ``link``);
- one photo: ``POST /{page}/photos`` with ``url``; the answer's ``post_id`` is the post;
- several photos: each ``POST /{page}/photos`` with ``published=false`` (private; their ids are
  checkpoints), then ``POST /{page}/feed`` with ``attached_media``;
- video: ``POST /{page}/videos`` with ``file_url`` on the video host, then the video's
  ``status`` is polled until ``ready``;
- Reel: ``POST /{page}/video_reels`` ``upload_phase=start`` → the hosted file is handed to the
  rupload host (``file_url`` header) → ``upload_phase=finish`` with ``video_state=PUBLISHED``,
  then the status is polled as for a video. The video id and each phase are checkpoints.

The call that makes the post public is preceded by ``before_create()``; a lost answer there is
an unknown outcome, settled by :meth:`FacebookClient.find_published`, never by a repost. POST
parameters go in a form body (a message may be 63,206 characters, too long for a URL); reads
and deletes carry the token in the query string, which the HTTP seam strips before recording.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from publishing.platforms import facebook_rules as rules
from publishing.platforms import meta
from publishing.platforms.base import (
    Checkpoint,
    Content,
    Credentials,
    PermanentError,
    PlatformClient,
    PlatformError,
    PublishResult,
    RetryableError,
    RuleViolation,
)
from publishing.platforms.facebook_rules import message, post_kind
from publishing.platforms.http import Http
from publishing.platforms.search import search_listing

WEB_BASE = "https://www.facebook.com"  # video permalinks come back as paths on it

# Graph API codes Facebook answers for media it cannot use (the error's own message is shown
# too); each with what the merchant can do about it.
_MEDIA_ADVICE = {
    324: "Facebook could not read the image: use a public URL that points straight at a JPEG "
    "or PNG file.",
    389: "Facebook could not download the video: make sure its URL is public and points straight "
    "at the MP4 file.",
    1500: "Facebook refused a media URL as invalid: check that every image and video URL is "
    "public and complete.",
    6000: "Facebook could not process the video: use an MP4 (H.264 video, AAC sound).",
}
_DUPLICATE_CODE = 506  # "Duplicate status message": the Page just posted this same text


def _facebook_codes(error: meta.MetaError, creates: bool) -> PlatformError | None:
    """Facebook's own codes, before the generic Graph mapping (PLATFORMS.md 1.5, 2.4)."""
    if error.code in _MEDIA_ADVICE:
        advice = _MEDIA_ADVICE[error.code]
        return PermanentError(f"{advice} ({error.said})", code="media_rejected", **error.kwargs)
    if error.code == _DUPLICATE_CODE:
        return PermanentError(
            "Facebook refused a post identical to one the Page just published; change the text.",
            code="duplicate_content",
            **error.kwargs,
        )
    return None


FACEBOOK = meta.MetaPlatform(
    name="Facebook",
    # Code 9 is what Meta answers for a publishing cap; on a Page it is the Reels one.
    daily_limit=f"This Facebook Page reached its limit of posts published through apps in 24 "
    f"hours ({rules.REELS_PER_DAY} for Reels); retry the post later.",
    media_advice="Check that every image and video URL is public and the files are JPEG or PNG "
    "images or MP4 videos.",
    specific=_facebook_codes,
)


def raise_for_response(response: requests.Response, *, creates: bool = False) -> None:
    """Map Meta's error envelope onto the shared error types (:mod:`.meta`)."""
    meta.raise_for_response(response, FACEBOOK, creates=creates)


class FacebookClient(PlatformClient):
    slug = "facebook"
    display_name = "Facebook"

    def __init__(
        self,
        *,
        graph_base: str,
        video_base: str,
        rupload_base: str,
        http: Http,
        poll_interval: float = 3.0,
        max_wait: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.graph_base = graph_base  # graph.facebook.com/vN
        self.video_base = video_base  # graph-video.facebook.com/vN, where videos are sent
        self.rupload_base = rupload_base  # rupload.facebook.com/video-upload/vN, for Reels
        self.http = http
        # A video is polled after poll_interval, doubling up to 60 s, for max_wait in all;
        # then the attempt ends as retryable and the next one polls the same video.
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self.sleep = sleep

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
        kind = post_kind(content)
        if kind == rules.VIDEO:
            return self._video(credentials, content, checkpoint, before_create)
        if kind == rules.REEL:
            return self._reel(credentials, content, checkpoint, before_create)
        done = checkpoint.get("post_id")
        if done:  # an earlier attempt published, then lost the permalink lookup
            return self._post_result(credentials, str(done))
        page, text = credentials.account_id, message(content)
        params: dict[str, str] = {"message": text} if text else {}
        if kind == rules.PHOTOS:
            photos = self._unpublished_photos(credentials, content, checkpoint)
            params["attached_media"] = json.dumps([{"media_fbid": p} for p in photos])
        edge = "feed"
        if kind == rules.TEXT and content.link:
            params["link"] = content.link
        if kind == rules.PHOTO:
            edge, params["url"] = "photos", content.media[0].url
        before_create()
        response = self._post(f"{self.graph_base}/{page}/{edge}", credentials, params, True)
        raise_for_response(response, creates=True)
        body = response.json()
        # A photo answers {"id": photo id, "post_id": the Page post}; a feed post {"id": …}.
        post_id = str(body.get("post_id") or body["id"])
        checkpoint.set("post_id", post_id)
        return self._post_result(credentials, post_id)

    def _unpublished_photos(
        self, credentials: Credentials, content: Content, checkpoint: Checkpoint
    ) -> list[str]:
        """Upload each photo unpublished (private until attached), resuming from those done."""
        photos: list[str] = list(checkpoint.get("photos") or [])
        for item in content.media[len(photos) :]:
            # Not a `creates` call: an unpublished photo is not a post, so a lost answer leaves
            # at most an orphan photo nobody sees.
            response = self._post(
                f"{self.graph_base}/{credentials.account_id}/photos",
                credentials,
                {"url": item.url, "published": "false"},
            )
            raise_for_response(response)
            photos.append(str(response.json()["id"]))
            checkpoint.set("photos", photos)
        return photos

    def _video(
        self,
        credentials: Credentials,
        content: Content,
        checkpoint: Checkpoint,
        before_create: Callable[[], None],
    ) -> PublishResult:
        video = checkpoint.get("video_id")
        if not video:
            params = {"file_url": content.media[0].url}
            if text := message(content):
                params["description"] = text
            before_create()  # a Page video is published as soon as Facebook has processed it
            url = f"{self.video_base}/{credentials.account_id}/videos"
            response = self._post(url, credentials, params, True)
            raise_for_response(response, creates=True)
            video = str(response.json()["id"])
            checkpoint.set("video_id", video)
        return self._wait(credentials, str(video), checkpoint)

    def _reel(
        self,
        credentials: Credentials,
        content: Content,
        checkpoint: Checkpoint,
        before_create: Callable[[], None],
    ) -> PublishResult:
        reels = f"{self.graph_base}/{credentials.account_id}/video_reels"
        video = checkpoint.get("video_id")
        if not video:
            self._check_reel_cap(credentials)
            response = self._post(reels, credentials, {"upload_phase": "start"})
            raise_for_response(response)
            video = str(response.json()["video_id"])
            checkpoint.set("video_id", video)
        if not checkpoint.get("uploaded"):
            # The hosted-file flow: Facebook fetches the file itself from the file_url header.
            response = self.http.request(
                "POST",
                f"{self.rupload_base}/{video}",
                headers={
                    "Authorization": f"OAuth {credentials.access_token}",
                    "file_url": content.media[0].url,
                },
            )
            raise_for_response(response)
            checkpoint.set("uploaded", True)
        # A finish whose answer was lost may have published: the video's status says.
        if not (checkpoint.get("finishing") and self._published(credentials, str(video))):
            params = {"upload_phase": "finish", "video_id": str(video)}
            params["video_state"] = "PUBLISHED"
            if text := message(content):
                params["description"] = text
            checkpoint.set("finishing", True)
            before_create()
            response = self._post(reels, credentials, params, True)
            raise_for_response(response, creates=True)
        return self._wait(credentials, str(video), checkpoint)

    def _check_reel_cap(self, credentials: Credentials) -> None:
        """Refuse a Reel the Page has no room for (30 in a moving 24 h), before uploading.

        Meta asks apps to enforce the cap themselves (Reels Publishing guide). The listing
        counts every Reel of the Page, so it can only err on the side of waiting.
        """
        response = self._get(
            f"{credentials.account_id}/video_reels",
            credentials,
            {"since": str(int(time.time()) - 86400), "fields": "id", "limit": "50"},
        )
        raise_for_response(response)
        count = len(response.json().get("data") or [])
        if count >= rules.REELS_PER_DAY:
            raise PermanentError(
                f"This Facebook Page has published {count} Reels in 24 hours, Facebook's limit "
                f"is {rules.REELS_PER_DAY}; retry the Reel later.",
                code="quota_exceeded",
                platform_message=f"video_reels since 24 h: {count}",
            )

    def _status(self, credentials: Credentials, video: str) -> dict[str, Any]:
        response = self._get(video, credentials, {"fields": "id,status,permalink_url,post_id"})
        raise_for_response(response)
        body: dict[str, Any] = response.json()
        return body

    def _published(self, credentials: Credentials, video: str) -> bool:
        status = self._status(credentials, video).get("status") or {}
        return (status.get("publishing_phase") or {}).get("status") == "complete"

    def _wait(self, credentials: Credentials, video: str, checkpoint: Checkpoint) -> PublishResult:
        """Poll the video until Facebook says it is ``ready`` and published; the post.

        ``error`` (or ``expired``) fails the post with Meta's reason and clears the checkpoint,
        so a retry the merchant asks for uploads afresh.
        """
        delay, waited = self.poll_interval, 0.0
        while True:
            body = self._status(credentials, video)
            status = body.get("status") or {}
            state = str(status.get("video_status", ""))
            publishing = (status.get("publishing_phase") or {}).get("status", "complete")
            if state == "ready" and publishing == "complete":
                url = str(body.get("permalink_url") or f"/{video}")
                return PublishResult(video, url if "://" in url else f"{WEB_BASE}{url}")
            if state in ("error", "expired"):
                for key in ("video_id", "uploaded", "finishing"):
                    checkpoint.set(key, None)
                raise PermanentError(
                    f"Facebook could not process the video: {_video_errors(status) or state}. "
                    f"{_MEDIA_ADVICE[6000]}",
                    code="media_rejected",
                    platform_message=f"{state}: {_video_errors(status)}",
                )
            if waited >= self.max_wait:
                raise RetryableError(
                    "Facebook is still processing the video; will check again.",
                    code="media_processing",
                    retry_after=meta.PROCESSING_RETRY_AFTER_S,
                    platform_message=f"video {video}: {state or 'no status'}",
                )
            self.sleep(delay)
            waited += delay
            delay = min(delay * 2, 60.0)

    def _post_result(self, credentials: Credentials, post_id: str) -> PublishResult:
        """The published post and its permalink. The post exists by now whatever happens
        here, so a failed lookup leaves the link empty rather than failing a live post."""
        try:
            response = self._get(post_id, credentials, {"fields": "id,permalink_url"})
            raise_for_response(response)
            url = str(response.json().get("permalink_url") or "")
        except (PlatformError, ValueError):
            url = ""
        return PublishResult(post_id, url)

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
        """The saved post or video first; else the Page's posts back to the window's start,
        every page, matched on their text (videos and Reels are listed there too, with their
        description)."""
        saved = saved or {}
        if post_id := saved.get("post_id"):
            return self._post_result(credentials, str(post_id))
        if (video := saved.get("video_id")) and self._published(credentials, str(video)):
            return self._wait(credentials, str(video), Checkpoint())  # the video is the post
        # A video still processing is listed on the Page with its description, as are posts.
        wanted = message(content).strip()
        found = search_listing(
            meta.graph_pages(
                lambda params: self._get(f"{credentials.account_id}/posts", credentials, params),
                raise_for_response,
                {"fields": "id,message,created_time,permalink_url", "limit": "100"},
            ),
            matches=lambda item: (
                str(item.get("id")) not in exclude
                and str(item.get("message", "")).strip() == wanted
            ),
            created_at=lambda item: meta.epoch(item.get("created_time")),
            since_epoch=since_epoch,
            budget=self.search,
            platform="Facebook",
        )
        if found is None:
            return None
        return PublishResult(str(found["id"]), str(found.get("permalink_url", "")))

    def delete(self, credentials: Credentials, platform_post_id: str) -> None:
        """``DELETE /{id}`` for a Page post, photo post or video (PagePost, AdVideo specs)."""
        response = self.http.request(
            "DELETE",
            f"{self.graph_base}/{platform_post_id}",
            params={"access_token": credentials.access_token},
        )
        if meta.is_gone(response):
            return  # already gone: what the merchant asked for
        raise_for_response(response)

    # -- HTTP ----------------------------------------------------------------------

    def _get(
        self, path: str, credentials: Credentials, params: dict[str, str]
    ) -> requests.Response:
        return self.http.request(
            "GET",
            f"{self.graph_base}/{path}",
            params={**params, "access_token": credentials.access_token},
        )

    def _post(
        self, url: str, credentials: Credentials, params: dict[str, str], creates: bool = False
    ) -> requests.Response:
        return self.http.request(
            "POST",
            url,
            creates=creates,
            data={**params, "access_token": credentials.access_token},
        )


def _video_errors(status: dict[str, Any]) -> str:
    found = []
    for phase in ("uploading_phase", "processing_phase", "publishing_phase"):
        for error in (status.get(phase) or {}).get("errors") or []:
            if isinstance(error, dict) and error.get("message"):
                found.append(str(error["message"]))
    return "; ".join(found)
