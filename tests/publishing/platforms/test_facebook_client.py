"""The Facebook Pages client at its HTTP seam: every request checked against Meta's codegen
specs (Page, PagePost, Photo, AdVideo), every format, Meta's errors mapped."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
import responses

from publishing.platforms.base import (
    AuthError,
    Checkpoint,
    Content,
    Credentials,
    MediaItem,
    OutcomeUnknownError,
    PermanentError,
    PlatformError,
    RetryableError,
)
from publishing.platforms.facebook import FacebookClient
from publishing.platforms.http import Http
from tests.support.meta_spec import assert_valid_facebook_request, request_params

G = "https://graph.facebook.test/v25.0"
V = "https://graph-video.facebook.test/v25.0"
R = "https://rupload.facebook.test/video-upload/v25.0"
PAGE = "101234567890123"
CREDS = Credentials(access_token="pagetok", account_id=PAGE, handle="shop")
PERMALINK = "https://www.facebook.com/shop/posts/pfbid0abc"
IMAGE = MediaItem("image", "https://cdn.test/a.jpg")
IMAGE_B = MediaItem("image", "https://cdn.test/b.jpg")
VIDEO = MediaItem("video", "https://cdn.test/v.mp4")
READY = {"video_status": "ready", "publishing_phase": {"status": "complete"}}


def client() -> FacebookClient:
    return FacebookClient(
        graph_base=G, video_base=V, rupload_base=R, http=Http(timeout=2),
        poll_interval=0.001, max_wait=0.01,
    )  # fmt: skip


def path(call: Any) -> str:
    parts = urlsplit(call.request.url)
    host = parts.netloc.split(".")[0]
    local = parts.path.removeprefix("/video-upload").removeprefix("/v25.0")
    return f"{call.request.method} {host}{local.replace(PAGE, '{p}')}"


def sent(call: Any) -> dict[str, str]:
    return {k: v for k, v in request_params(call.request).items() if k != "access_token"}


def check_all() -> None:
    assert responses.calls
    for call in responses.calls:
        if str(call.request.url).startswith(R):  # rupload is not a Graph node: its own contract
            assert call.request.headers["Authorization"] == "OAuth pagetok"
            assert call.request.headers["file_url"] == VIDEO.url
            continue
        assert_valid_facebook_request(call.request, G, V)
        assert request_params(call.request)["access_token"] == "pagetok"  # the Page token


def meta_error(code: int, message: str = "boom", **extra: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": "OAuthException", "code": code, **extra}}


def run(
    content: Content, checkpoint: Checkpoint | None = None, steps: list[str] | None = None
) -> Any:
    def before() -> None:
        if steps is not None:
            steps.append("before_create")

    return client().publish(CREDS, content, checkpoint or Checkpoint(), before_create=before)


def permalink(post_id: str) -> None:
    responses.get(f"{G}/{post_id}", json={"id": post_id, "permalink_url": PERMALINK})


@responses.activate
def test_text_post_sends_message_and_link_then_reads_the_permalink() -> None:
    responses.post(f"{G}/{PAGE}/feed", json={"id": f"{PAGE}_9"})
    permalink(f"{PAGE}_9")
    steps: list[str] = []
    result = run(Content(text="وصل حديثاً 🌸", link="https://shop.test/p/1"), steps=steps)
    assert (result.platform_post_id, result.url) == (f"{PAGE}_9", PERMALINK)
    assert [path(c) for c in responses.calls] == [
        "POST graph/{p}/feed", "GET graph/{p}_9"]  # fmt: skip
    assert sent(responses.calls[0]) == {"message": "وصل حديثاً 🌸", "link": "https://shop.test/p/1"}
    assert steps == ["before_create"]
    check_all()


@responses.activate
def test_single_photo_is_one_published_upload_with_the_link_in_the_text() -> None:
    responses.post(f"{G}/{PAGE}/photos", json={"id": "55", "post_id": f"{PAGE}_56"})
    permalink(f"{PAGE}_56")
    result = run(Content(text="hi", media=(IMAGE,), link="https://shop.test/p/1"))
    assert result.platform_post_id == f"{PAGE}_56"
    assert sent(responses.calls[0]) == {"message": "hi\nhttps://shop.test/p/1", "url": IMAGE.url}
    check_all()


@responses.activate
def test_several_photos_upload_unpublished_then_attach_and_resume_from_the_checkpoint() -> None:
    responses.post(f"{G}/{PAGE}/photos", json={"id": "71"})
    responses.post(f"{G}/{PAGE}/photos", json={"id": "72"})
    responses.post(f"{G}/{PAGE}/feed", json={"id": f"{PAGE}_80"})
    permalink(f"{PAGE}_80")
    saved: list[dict[str, Any]] = []
    run(Content(text="two", media=(IMAGE, IMAGE_B)), Checkpoint(save=saved.append))
    assert [sent(c) for c in responses.calls[:2]] == [
        {"url": IMAGE.url, "published": "false"},
        {"url": IMAGE_B.url, "published": "false"},
    ]
    feed = sent(responses.calls[2])
    assert json.loads(feed["attached_media"]) == [{"media_fbid": "71"}, {"media_fbid": "72"}]
    assert saved[1]["photos"] == ["71", "72"]
    check_all()

    responses.calls.reset()  # a retry with one photo already uploaded uploads only the other
    run(Content(text="two", media=(IMAGE, IMAGE_B)), Checkpoint(data={"photos": ["71"]}))
    assert [path(c) for c in responses.calls][:2] == [
        "POST graph/{p}/photos",
        "POST graph/{p}/feed",
    ]


@responses.activate
def test_video_goes_to_the_video_host_and_is_polled_until_ready() -> None:
    responses.post(f"{V}/{PAGE}/videos", json={"id": "300"})
    processing = {"video_status": "processing", "publishing_phase": {"status": "not_started"}}
    responses.get(f"{G}/300", json={"id": "300", "status": processing})
    responses.get(f"{G}/300", json={"id": "300", "status": READY,
                                    "permalink_url": "/shop/videos/300/"})  # fmt: skip
    steps: list[str] = []
    result = run(Content(text="clip", media=(VIDEO,)), steps=steps)
    # Meta answers a video's permalink as a path on facebook.com.
    assert (result.platform_post_id, result.url) == (
        "300",
        "https://www.facebook.com/shop/videos/300/",
    )
    assert sent(responses.calls[0]) == {"file_url": VIDEO.url, "description": "clip"}
    assert [path(c) for c in responses.calls] == [
        "POST graph-video/{p}/videos", "GET graph/300", "GET graph/300"]  # fmt: skip
    check_all()


@responses.activate
def test_video_error_is_permanent_with_meta_reason_and_clears_the_checkpoint() -> None:
    errors = [{"code": 1363008, "message": "Video format unsupported"}]
    status = {"video_status": "error", "processing_phase": {"status": "error", "errors": errors}}
    responses.get(f"{G}/300", json={"id": "300", "status": status})
    checkpoint = Checkpoint(data={"video_id": "300"})
    with pytest.raises(PermanentError) as caught:
        run(Content(media=(VIDEO,)), checkpoint)
    assert caught.value.code == "media_rejected"
    assert "Video format unsupported" in caught.value.message
    assert checkpoint.get("video_id") is None


@responses.activate
def test_reel_starts_uploads_the_hosted_file_finishes_and_polls() -> None:
    responses.get(f"{G}/{PAGE}/video_reels", json={"data": [{"id": "1"}]})
    responses.post(f"{G}/{PAGE}/video_reels", json={"video_id": "400", "upload_url": "x"})
    responses.post(f"{R}/400", json={"success": True})
    responses.post(f"{G}/{PAGE}/video_reels", json={"success": True})
    responses.get(f"{G}/400", json={"id": "400", "status": READY, "permalink_url": PERMALINK})
    steps: list[str] = []
    result = run(Content(text="reel", media=(VIDEO,), format="reel"), steps=steps)
    assert result == type(result)("400", PERMALINK)
    assert [path(c) for c in responses.calls] == [
        "GET graph/{p}/video_reels", "POST graph/{p}/video_reels", "POST rupload/400",
        "POST graph/{p}/video_reels", "GET graph/400",
    ]  # fmt: skip
    assert sent(responses.calls[1]) == {"upload_phase": "start"}
    assert sent(responses.calls[3]) == {
        "upload_phase": "finish", "video_id": "400", "video_state": "PUBLISHED",
        "description": "reel"}  # fmt: skip
    check_all()


@responses.activate
def test_a_resumed_reel_whose_finish_was_lost_but_published_is_not_finished_again() -> None:
    responses.get(f"{G}/400", json={"id": "400", "status": READY, "permalink_url": PERMALINK})
    checkpoint = Checkpoint(data={"video_id": "400", "uploaded": True, "finishing": True})
    result = run(Content(media=(VIDEO,), format="reel"), checkpoint)
    assert result.platform_post_id == "400"
    assert all(c.request.method == "GET" for c in responses.calls)


@responses.activate
def test_thirty_reels_today_refuse_the_reel_before_anything_is_uploaded() -> None:
    responses.get(f"{G}/{PAGE}/video_reels", json={"data": [{"id": str(i)} for i in range(30)]})
    with pytest.raises(PermanentError) as caught:
        run(Content(media=(VIDEO,), format="reel"))
    assert caught.value.code == "quota_exceeded"
    assert len(responses.calls) == 1
    check_all()


@responses.activate
def test_find_published_matches_the_text_since_the_attempt_and_skips_excluded() -> None:
    responses.get(f"{G}/{PAGE}/posts", json={"data": [
        {"id": f"{PAGE}_3", "message": "hi", "created_time": "2026-06-01T10:00:30+0000",
         "permalink_url": "u3"},
        {"id": f"{PAGE}_2", "message": "hi", "created_time": "2026-06-01T10:00:10+0000",
         "permalink_url": "u2"},
        {"id": f"{PAGE}_1", "message": "hi", "created_time": "2026-05-01T10:00:00+0000"},
    ]})  # fmt: skip
    since = 1780308000.0  # 2026-06-01T10:00:00Z
    found = client().find_published(
        CREDS, Content(text="hi"), since_epoch=since, exclude=frozenset({f"{PAGE}_3"})
    )
    assert found is not None and (found.platform_post_id, found.url) == (f"{PAGE}_2", "u2")
    assert request_params(responses.calls[0].request)["fields"] == (
        "id,message,created_time,permalink_url"
    )
    check_all()


@responses.activate
def test_delete_and_a_post_already_gone() -> None:
    responses.delete(f"{G}/{PAGE}_9", json={"success": True})
    responses.delete(f"{G}/{PAGE}_8", status=400, json=meta_error(
        100, "Object with ID 'x' does not exist", error_subcode=33))  # fmt: skip
    client().delete(CREDS, f"{PAGE}_9")
    client().delete(CREDS, f"{PAGE}_8")
    check_all()


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "code"),
    [
        (400, meta_error(190, "expired", error_subcode=463), {}, AuthError, "auth_revoked"),
        (
            400,
            meta_error(32, "Page limit"),
            {
                "x-business-use-case-usage": json.dumps(
                    {"1": [{"estimated_time_to_regain_access": 7}]}
                )
            },
            RetryableError,
            "rate_limited",
        ),
        (
            400,
            meta_error(324, "Missing or invalid image file"),
            {},
            PermanentError,
            "media_rejected",
        ),
        (
            400,
            meta_error(506, "Duplicate status message"),
            {},
            PermanentError,
            "duplicate_content",
        ),
        (
            403,
            meta_error(200, "requires pages_manage_posts"),
            {},
            PermanentError,
            "permission_missing",
        ),
        (
            500,
            meta_error(2, "try later", is_transient=True),
            {},
            OutcomeUnknownError,
            "outcome_unknown",
        ),
    ],
)
@responses.activate
def test_meta_errors_on_the_publishing_call(
    status: int,
    body: dict[str, Any],
    headers: dict[str, str],
    error: type[PlatformError],
    code: str,
) -> None:
    responses.post(f"{G}/{PAGE}/feed", status=status, json=body, headers=headers)
    with pytest.raises(error) as caught:
        run(Content(text="hi"))
    assert caught.value.code == code
    if isinstance(caught.value, RetryableError):
        assert caught.value.retry_after == 420  # Meta's 7 minutes


@responses.activate
def test_a_timeout_on_the_publishing_call_is_an_unknown_outcome() -> None:
    import requests

    responses.post(f"{G}/{PAGE}/feed", body=requests.ReadTimeout())
    with pytest.raises(OutcomeUnknownError):
        run(Content(text="hi"))


@pytest.mark.parametrize(
    ("content", "codes"),
    [
        (Content(text="x" * 63207), ["text_too_long"]),
        (Content(media=(IMAGE,) * 11), ["media_count"]),
        (Content(media=(IMAGE, VIDEO)), ["media_count"]),
        (Content(media=(IMAGE,), format="reel"), ["media_count"]),
        (Content(), ["empty"]),
        (Content(text="hi", format="story"), ["unknown_format"]),
        (Content(text="x" * 63206, media=(IMAGE,) * 10), []),
        (Content(link="https://shop.test/p"), []),
    ],
)
def test_validate(content: Content, codes: list[str]) -> None:
    assert [v.code for v in client().validate(content)] == codes
