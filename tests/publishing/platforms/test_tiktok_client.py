"""The TikTok client at its HTTP seam: creator info first, FILE_UPLOAD in chunks by the Media
Transfer Guide's rules, status polling, resuming from the checkpoint, TikTok's error codes mapped
to what the pipeline and the merchant need. Every request is checked against the shapes
PLATFORMS.md documents (tests/support/tiktok_shapes.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import responses

from publishing.platforms.base import (
    AuthError,
    Checkpoint,
    Content,
    Credentials,
    MediaItem,
    NotSupportedError,
    OutcomeUnknownError,
    PermanentError,
    PlatformError,
    RetryableError,
)
from publishing.platforms.http import Http
from publishing.platforms.tiktok import TikTokClient, chunk_plan
from tests.support.tiktok_shapes import MIB, assert_valid_tiktok_request

API = "https://open.tiktokapis.test"
WEB = "https://www.tiktok.test"
UPLOAD_URL = "https://open-upload.tiktokapis.test/upload/?upload_id=u1"
PUBLISH_ID = "v_pub_file~v2-1.123"
CREDS = Credentials(access_token="act.tok", account_id="open1", handle="shop")
TEXT = "Summer dress, new in #dress"


@dataclass
class FakeStream:
    data: bytes
    content_type: str = "video/mp4"

    @property
    def content_length(self) -> int:
        return len(self.data)

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), 64 * 1024):
            yield self.data[start : start + 64 * 1024]


def client(data: bytes) -> TikTokClient:
    @contextmanager
    def open_media(url: str, **kwargs: Any) -> Iterator[FakeStream]:
        yield FakeStream(data)

    return TikTokClient(
        api_base=API, web_base=WEB, http=Http(timeout=2), open_media=open_media,
        chunk_size=5 * MIB, poll_interval=0, max_wait=0.5,
    )  # fmt: skip


def content(**extra: Any) -> Content:
    video = (MediaItem("video", "https://cdn.test/v.mp4"),)
    return Content(text=TEXT, media=video, link="https://shop.test/p/1", extra=extra)


def envelope(data: dict[str, Any], code: str = "ok") -> dict[str, Any]:
    return {"data": data, "error": {"code": code, "message": "", "log_id": "log1"}}


def creator(**overrides: Any) -> None:
    data = {
        "creator_username": "shop_tt", "creator_nickname": "Shop",
        "privacy_level_options": ["PUBLIC_TO_EVERYONE", "FOLLOWER_OF_CREATOR", "SELF_ONLY"],
        "comment_disabled": False, "duet_disabled": False, "stitch_disabled": False,
        "max_video_post_duration_sec": 600, **overrides,
    }  # fmt: skip
    responses.post(f"{API}/v2/post/publish/creator_info/query/", json=envelope(data))


def init() -> None:
    data = {"publish_id": PUBLISH_ID, "upload_url": UPLOAD_URL}
    responses.post(f"{API}/v2/post/publish/video/init/", json=envelope(data))


def statuses(*answers: dict[str, Any]) -> None:
    for answer in answers:
        responses.post(f"{API}/v2/post/publish/status/fetch/", json=envelope(answer))


def chunks(count: int) -> None:
    for index in range(count):
        responses.put(UPLOAD_URL, status=201 if index == count - 1 else 206)


def calls() -> list[tuple[str, str]]:
    """Every request, checked against TikTok's documented shapes; ``(method, path)`` in order."""
    seen = []
    for call in responses.calls:
        request = call.request
        path = urlsplit(request.url or "").path
        body = request.body if isinstance(request.body, bytes | str) else None
        assert_valid_tiktok_request(request.method or "", path, dict(request.headers), body)
        seen.append((request.method or "", path))
    return seen


def puts() -> list[str]:
    return [
        c.request.headers["Content-Range"] for c in responses.calls if c.request.method == "PUT"
    ]


def init_body() -> dict[str, Any]:
    [call] = [c for c in responses.calls if (c.request.url or "").endswith("/video/init/")]
    body: dict[str, Any] = json.loads(call.request.body or b"")
    return body


COMPLETE = {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [7301]}


@pytest.mark.parametrize(
    ("size", "plan"),
    [
        (1000, (1000, 1)),
        (5 * MIB - 1, (5 * MIB - 1, 1)),
        (5 * MIB, (5 * MIB, 1)),
        (16 * MIB + 7, (5 * MIB, 3)),
        (4096 * MIB, (5 * MIB, 819)),
    ],
)
def test_chunk_plan_follows_the_media_transfer_guide(size: int, plan: tuple[int, int]) -> None:
    assert chunk_plan(size, 5 * MIB) == plan
    assert chunk_plan(size, 500 * MIB)[0] <= 64 * MIB


@responses.activate
def test_a_video_is_posted_in_chunks_after_creator_info_and_polled_until_complete() -> None:
    data = bytes(range(256)) * (16 * MIB // 256) + b"tail"
    creator()
    init()
    chunks(3)
    statuses({"status": "PROCESSING_UPLOAD", "uploaded_bytes": len(data)}, COMPLETE)
    checkpoint, marks = Checkpoint(), list[int]()
    result = client(data).publish(
        CREDS, content(privacy_level="PUBLIC_TO_EVERYONE", disable_duet=True), checkpoint,
        before_create=lambda: marks.append(len(responses.calls)),
    )  # fmt: skip

    assert (result.platform_post_id, result.url) == ("7301", f"{WEB}/@shop_tt/video/7301")
    publish = "/v2/post/publish"
    assert calls() == [
        ("POST", f"{publish}/creator_info/query/"), ("POST", f"{publish}/video/init/"),
        ("PUT", "/upload/"), ("PUT", "/upload/"), ("PUT", "/upload/"),
        ("POST", f"{publish}/status/fetch/"), ("POST", f"{publish}/status/fetch/"),
    ]  # fmt: skip
    total = len(data)
    assert puts() == [
        f"bytes 0-{5 * MIB - 1}/{total}",
        f"bytes {5 * MIB}-{10 * MIB - 1}/{total}",
        f"bytes {10 * MIB}-{total - 1}/{total}",
    ]
    assert b"".join(c.request.body for c in responses.calls[2:5]) == data  # type: ignore[misc]
    assert marks == [4]  # right before the last chunk, the one that commits to the post
    assert init_body() == {
        "post_info": {
            "title": f"{TEXT}\nhttps://shop.test/p/1", "privacy_level": "PUBLIC_TO_EVERYONE",
            "disable_comment": False, "disable_duet": True, "disable_stitch": False,
        },
        "source_info": {
            "source": "FILE_UPLOAD", "video_size": total, "chunk_size": 5 * MIB,
            "total_chunk_count": 3,
        },
    }  # fmt: skip
    assert checkpoint.data["publish_id"] == PUBLISH_ID
    assert checkpoint.data["offset"] == total
    assert checkpoint.data["post_id"] == "7301"


@responses.activate
def test_without_a_privacy_choice_the_video_is_private_and_answers_the_profile() -> None:
    creator()
    init()
    chunks(1)
    statuses({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": []})
    result = client(b"v" * 1000).publish(CREDS, content(), Checkpoint(), before_create=lambda: None)
    assert (result.platform_post_id, result.url) == (PUBLISH_ID, f"{WEB}/@shop_tt")
    assert init_body()["post_info"]["privacy_level"] == "SELF_ONLY"
    assert init_body()["source_info"]["chunk_size"] == 1000
    calls()


@responses.activate
def test_a_privacy_level_the_creator_does_not_offer_is_refused_before_init() -> None:
    creator(privacy_level_options=["SELF_ONLY"])
    with pytest.raises(PermanentError) as caught:
        client(b"v").publish(
            CREDS,
            content(privacy_level="PUBLIC_TO_EVERYONE"),
            Checkpoint(),
            before_create=lambda: None,
        )
    assert caught.value.code == "privacy_not_allowed"
    assert "it offers SELF_ONLY" in caught.value.message
    assert len(responses.calls) == 1


@responses.activate
def test_interactions_the_creator_turned_off_are_refused_or_sent_off() -> None:
    creator(comment_disabled=True)
    with pytest.raises(PermanentError, match="turned comments off"):
        client(b"v").publish(
            CREDS, content(disable_comment=False), Checkpoint(), before_create=lambda: None
        )
    responses.calls.reset()
    init()
    chunks(1)
    statuses(COMPLETE)
    client(b"v").publish(CREDS, content(), Checkpoint(), before_create=lambda: None)
    assert init_body()["post_info"]["disable_comment"] is True


@responses.activate
def test_failed_publish_is_permanent_with_advice_for_the_fail_reason() -> None:
    creator()
    init()
    chunks(1)
    statuses({"status": "FAILED", "fail_reason": "duration_check_failed"})
    with pytest.raises(PermanentError) as caught:
        client(b"v").publish(CREDS, content(), Checkpoint(), before_create=lambda: None)
    assert "longer than this TikTok account may post" in caught.value.message
    assert "duration_check_failed" in caught.value.message


@responses.activate
def test_a_checkpointed_upload_resumes_from_the_bytes_tiktok_reports() -> None:
    data = b"v" * (11 * MIB)
    statuses({"status": "PROCESSING_UPLOAD", "uploaded_bytes": 5 * MIB}, COMPLETE)
    chunks(1)
    checkpoint = Checkpoint(
        data={"publish_id": PUBLISH_ID, "upload_url": UPLOAD_URL, "total": len(data),
              "chunk_size": 5 * MIB, "chunk_count": 2, "username": "shop_tt",
              "privacy": "PUBLIC_TO_EVERYONE"}
    )  # fmt: skip
    result = client(data).publish(CREDS, content(), checkpoint, before_create=lambda: None)
    assert result.platform_post_id == "7301"
    assert puts() == [f"bytes {5 * MIB}-{len(data) - 1}/{len(data)}"]
    assert [m for m, _ in calls()] == ["POST", "PUT", "POST"]


@responses.activate
def test_a_checkpointed_publish_that_completed_is_only_polled() -> None:
    statuses(COMPLETE, COMPLETE)
    checkpoint = Checkpoint(
        data={"publish_id": PUBLISH_ID, "total": 10, "username": "shop_tt", "privacy": "SELF_ONLY"}
    )
    result = client(b"v" * 10).publish(CREDS, content(), checkpoint, before_create=lambda: None)
    assert result.url == f"{WEB}/@shop_tt/video/7301"
    assert puts() == []


@responses.activate
def test_a_lost_answer_to_the_last_chunk_leaves_the_outcome_unknown() -> None:
    creator()
    init()
    responses.put(UPLOAD_URL, body=requests.ConnectionError("reset"))
    with pytest.raises(OutcomeUnknownError):
        client(b"v").publish(CREDS, content(), Checkpoint(), before_create=lambda: None)


@responses.activate
def test_a_lost_answer_to_init_is_retryable_since_nothing_was_uploaded() -> None:
    creator()
    responses.post(f"{API}/v2/post/publish/video/init/", body=requests.ConnectionError("reset"))
    with pytest.raises(RetryableError):
        client(b"v").publish(CREDS, content(), Checkpoint(), before_create=lambda: None)


@pytest.mark.parametrize(
    ("status", "code", "error", "words"),
    [
        (401, "access_token_invalid", AuthError, "reconnect TikTok"),
        (401, "scope_not_authorized", AuthError, "video.publish"),
        (429, "rate_limit_exceeded", RetryableError, "slow down"),
        (500, "internal_error", RetryableError, "trouble"),
        (403, "spam_risk_too_many_posts", PermanentError, "publish again tomorrow"),
        (403, "unaudited_client_can_only_post_to_private_accounts", PermanentError, "private"),
        (403, "url_ownership_unverified", PermanentError, "verified"),
        (400, "invalid_params", PermanentError, "invalid_params"),
        (200, "invalid_file_upload", PermanentError, "invalid_file_upload"),
    ],
)
@responses.activate
def test_tiktok_error_codes_map_to_the_shared_kinds(
    status: int, code: str, error: type[PlatformError], words: str
) -> None:
    responses.post(
        f"{API}/v2/post/publish/creator_info/query/", status=status, json=envelope({}, code)
    )
    with pytest.raises(error) as caught:
        client(b"v").publish(CREDS, content(), Checkpoint(), before_create=lambda: None)
    assert type(caught.value) is error
    assert words in caught.value.message
    assert code in caught.value.platform_message and "log1" in caught.value.platform_message


@responses.activate
def test_delete_is_not_supported_and_calls_nothing() -> None:
    with pytest.raises(NotSupportedError, match="delete the video in the TikTok app"):
        client(b"").delete(CREDS, "7301")
    assert client(b"").find_published(CREDS, content(), since_epoch=0) is None
    assert len(responses.calls) == 0


def test_validate_counts_the_caption_in_utf16_and_wants_one_video_or_1_to_35_photos() -> None:
    video, photo = MediaItem("video", "https://cdn.test/v.mp4"), MediaItem("image", "https://a.jpg")
    emoji = Content(text="🌸" * 1101, media=(video,))
    assert [v.code for v in client(b"").validate(emoji)] == ["text_too_long"]
    assert client(b"").validate(Content(text="hi", media=(photo,))) == []

    def problems(content: Content) -> list[str]:
        return [v.message for v in client(b"").validate(content)]

    assert problems(Content(text="hi", media=(photo,) * 36)) == [
        "TikTok takes 1 to 35 photos in a photo post; this post has 36."
    ]
    both = "TikTok takes one video, or 1 to 35 photos, and not both in one post."
    assert problems(Content(text="hi", media=(video, photo))) == [both]
    assert problems(Content(text="hi", media=(video, video))) == [both]
    assert problems(Content(text="hi")) == [both]
    long = Content(text="🌸" * 2001, media=(photo,))
    assert "a TikTok photo post's description takes at most 4000" in problems(long)[0]
    assert problems(Content(media=(photo,) * 3, extra={"photo_cover_index": 3})) == [
        "photo_cover_index picks the cover among the post's 3 photos: a number from 0 to 2."
    ]
    assert problems(Content(media=(photo,), extra={"disable_duet": True})) == [
        "disable_duet applies only to videos; a TikTok photo post has no duets or stitches."
    ]
    assert problems(Content(media=(video,), extra={"photo_cover_index": 0})) == [
        "photo_cover_index applies only to photo posts."
    ]
