"""The Threads client at its HTTP seam: every request checked against Meta's official
Postman collection, Meta's error envelope mapped to what the pipeline and merchant need."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
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
    RetryableError,
)
from publishing.platforms.http import Http
from publishing.platforms.threads import ThreadsClient, threads_length
from tests.support.threads_spec import assert_valid_threads_request

API = "https://graph.threads.test/v1.0"
CREDS = Credentials(access_token="tok", account_id="42", handle="shop")
PERMALINK = "https://www.threads.net/@shop/post/DCkkKl_OGb1"


def client() -> ThreadsClient:
    return ThreadsClient(api_base=API, http=Http(timeout=2), poll_interval=0.001, max_wait=0.01)


def params(call: Any) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(call.request.url).query))


def path(call: Any) -> str:
    return f"{call.request.method} {urlsplit(call.request.url).path.removeprefix('/v1.0')}"


def quota(usage: int = 3, total: int = 250) -> None:
    responses.get(
        f"{API}/me/threads_publishing_limit",
        json={"data": [{"quota_usage": usage, "config": {"quota_total": total}}]},
    )


def container(cid: str, *statuses: str, error: str = "") -> None:
    for status in statuses:
        body = {"id": cid, "status": status}
        if error and status == "ERROR":
            body["error_message"] = error
        responses.get(f"{API}/{cid}", json=body)


def published(media_id: str = "900") -> None:
    responses.post(f"{API}/me/threads_publish", json={"id": media_id})
    responses.get(f"{API}/{media_id}", json={"id": media_id, "permalink": PERMALINK})


def check_all() -> None:
    for call in responses.calls:
        assert_valid_threads_request(call.request, API)


def meta_error(code: int, message: str = "boom", **extra: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": "OAuthException", "code": code, **extra}}


@responses.activate
def test_text_post_with_link_uses_link_attachment_and_publishes() -> None:
    quota()
    responses.post(f"{API}/me/threads", json={"id": "100"})
    container("100", "FINISHED")
    published()
    steps: list[str] = []
    saved: list[dict[str, Any]] = []
    result = client().publish(
        CREDS,
        Content(text="وصل حديثاً 🌸", link="https://shop.test/p/1"),
        Checkpoint(save=saved.append),
        before_create=lambda: steps.append(path(responses.calls[-1])),
    )
    assert (result.platform_post_id, result.url) == ("900", PERMALINK)
    assert [path(c) for c in responses.calls] == [
        "GET /me/threads_publishing_limit",
        "POST /me/threads",
        "GET /100",
        "POST /me/threads_publish",
        "GET /900",
    ]
    assert steps == ["GET /100"]  # right before threads_publish, after the container is ready
    assert params(responses.calls[1]) == {
        "media_type": "TEXT",
        "text": "وصل حديثاً 🌸",
        "link_attachment": "https://shop.test/p/1",
        "access_token": "tok",
    }
    assert params(responses.calls[3]) == {"creation_id": "100", "access_token": "tok"}
    assert params(responses.calls[2])["fields"] == "id,status,error_message"
    assert saved[-1]["container"] == "100" and saved[-1]["media_id"] == "900"
    check_all()


@responses.activate
def test_image_post_appends_the_link_and_video_waits_for_processing() -> None:
    quota()
    responses.post(f"{API}/me/threads", json={"id": "101"})
    container("101", "IN_PROGRESS", "IN_PROGRESS", "FINISHED")
    published()
    client().publish(
        CREDS,
        Content(
            text="new", media=(MediaItem("video", "https://cdn.test/v.mp4"),), link="https://s.t/1"
        ),
        Checkpoint(),
        before_create=lambda: None,
    )
    assert params(responses.calls[1]) == {
        "media_type": "VIDEO",
        "video_url": "https://cdn.test/v.mp4",
        "text": "new\nhttps://s.t/1",
        "access_token": "tok",
    }
    assert [path(c) for c in responses.calls].count("GET /101") == 3
    check_all()


@responses.activate
def test_carousel_creates_items_then_the_carousel_and_checkpoints_each() -> None:
    quota()
    for cid in ("1", "2", "3"):
        responses.post(f"{API}/me/threads", json={"id": cid})
        container(cid, "FINISHED")
    published()
    saved: list[dict[str, Any]] = []
    media = (MediaItem("image", "https://cdn.test/a.jpg"), MediaItem("video", "https://c.t/b.mp4"))
    client().publish(
        CREDS, Content(text="two", media=media), Checkpoint(save=saved.append),
        before_create=lambda: None,
    )  # fmt: skip
    creates = [params(c) for c in responses.calls if path(c) == "POST /me/threads"]
    assert creates == [
        {"media_type": "IMAGE", "image_url": "https://cdn.test/a.jpg", "is_carousel_item": "true",
         "access_token": "tok"},
        {"media_type": "VIDEO", "video_url": "https://c.t/b.mp4", "is_carousel_item": "true",
         "access_token": "tok"},
        {"media_type": "CAROUSEL", "children": "1,2", "text": "two", "access_token": "tok"},
    ]  # fmt: skip
    assert [s.get("children") for s in saved[:2]] == [["1"], ["1", "2"]]
    check_all()


@responses.activate
def test_a_retry_resumes_from_the_checkpointed_container() -> None:
    quota()
    create = responses.post(f"{API}/me/threads", json={"id": "999"})
    container("100", "FINISHED")
    published()
    client().publish(
        CREDS, Content(text="a"), Checkpoint(data={"container": "100"}), before_create=lambda: None
    )
    assert create.call_count == 0
    # The saved container holds its quota slot already: no quota check, straight on.
    assert not any("publishing_limit" in str(call.request.url) for call in responses.calls)
    assert params(responses.calls[1]) == {"creation_id": "100", "access_token": "tok"}


@responses.activate
def test_a_container_already_published_is_found_not_published_again() -> None:
    quota()
    container("100", "PUBLISHED")
    publish = responses.post(f"{API}/me/threads_publish", json={"id": "1"})
    responses.get(
        f"{API}/me/threads",
        json={"data": [{"id": "77", "text": "a", "timestamp": "x", "permalink": PERMALINK}]},
    )
    result = client().publish(
        CREDS,
        Content(text="a"),
        Checkpoint(data={"container": "100", "created_at": 1000.0}),
        before_create=lambda: None,
    )
    assert (result.platform_post_id, publish.call_count) == ("77", 0)
    check_all()


@responses.activate
def test_container_error_is_permanent_with_advice_and_clears_the_checkpoint() -> None:
    quota()
    responses.post(f"{API}/me/threads", json={"id": "100"})
    container("100", "ERROR", error="INVALID_DURATION")
    checkpoint = Checkpoint()
    with pytest.raises(PermanentError) as caught:
        client().publish(
            CREDS,
            Content(media=(MediaItem("video", "https://cdn.test/v.mp4"),)),
            checkpoint,
            before_create=lambda: None,
        )
    assert caught.value.code == "media_rejected"
    assert "5 minutes" in caught.value.message
    assert caught.value.platform_message == "ERROR: INVALID_DURATION"
    assert checkpoint.get("container") is None


@responses.activate
def test_still_processing_after_the_wait_is_retryable_and_keeps_the_container() -> None:
    quota()
    responses.post(f"{API}/me/threads", json={"id": "100"})
    responses.get(f"{API}/100", json={"id": "100", "status": "IN_PROGRESS"})
    checkpoint = Checkpoint()
    with pytest.raises(RetryableError) as caught:
        client().publish(CREDS, Content(text="a"), checkpoint, before_create=lambda: None)
    assert caught.value.code == "media_processing"
    assert checkpoint.get("container") == "100"


@responses.activate
def test_quota_exhausted_fails_before_anything_is_created() -> None:
    quota(usage=250)
    with pytest.raises(PermanentError) as caught:
        client().publish(CREDS, Content(text="a"), Checkpoint(), before_create=lambda: None)
    assert caught.value.code == "quota_exceeded"
    assert "250" in caught.value.message
    assert len(responses.calls) == 1
    check_all()


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "code", "retry_after"),
    [
        (400, meta_error(190, error_subcode=463), {}, AuthError, "auth_revoked", None),
        (
            400,
            meta_error(17, is_transient=True),
            {"x-business-use-case-usage": json.dumps(
                {"1": [{"type": "threads", "estimated_time_to_regain_access": 7}]}
            )},
            RetryableError,
            "rate_limited",
            420.0,
        ),
        (403, meta_error(4), {}, RetryableError, "rate_limited", 60.0),
        (500, meta_error(2, is_transient=True), {}, RetryableError, "platform_down", None),
        (400, meta_error(1, is_transient=True), {}, RetryableError, "platform_down", None),
        (400, meta_error(9004, error_subcode=2207052), {}, PermanentError, "media_rejected", None),
        (400, meta_error(10), {}, PermanentError, "permission_missing", None),
        (400, meta_error(100, "THREADS_API__LINK_LIMIT_EXCEEDED"), {}, PermanentError,
         "too_many_links", None),
        (400, meta_error(100, "(#100) bad"), {}, PermanentError, "rejected", None),
        (502, None, {}, RetryableError, "platform_down", None),
    ],
)  # fmt: skip
@responses.activate
def test_meta_errors_on_container_creation_are_mapped(
    status: int,
    body: Any,
    headers: dict[str, str],
    error: type[Exception],
    code: str,
    retry_after: float | None,
) -> None:
    quota()
    if body is None:
        responses.post(f"{API}/me/threads", status=status, body="<html>Bad gateway</html>")
    else:
        responses.post(f"{API}/me/threads", status=status, json=body, headers=headers)
    with pytest.raises(error) as caught:
        client().publish(CREDS, Content(text="a"), Checkpoint(), before_create=lambda: None)
    assert getattr(caught.value, "code", None) == code
    if retry_after is not None:
        assert getattr(caught.value, "retry_after", None) == retry_after


@responses.activate
def test_a_failed_answer_to_threads_publish_is_an_unknown_outcome() -> None:
    quota()
    container("100", "FINISHED")
    responses.post(f"{API}/me/threads_publish", status=500, json=meta_error(2, is_transient=True))
    with pytest.raises(OutcomeUnknownError):
        client().publish(
            CREDS, Content(text="a"), Checkpoint(data={"container": "100"}),
            before_create=lambda: None,
        )  # fmt: skip


@responses.activate
def test_a_lost_permalink_lookup_resumes_from_the_media_id() -> None:
    responses.get(f"{API}/900", json={"id": "900", "permalink": PERMALINK})
    result = client().publish(
        CREDS, Content(text="a"), Checkpoint(data={"media_id": "900"}), before_create=lambda: None
    )
    assert result.url == PERMALINK and len(responses.calls) == 1
    check_all()


@responses.activate
def test_find_published_matches_the_text_since_the_create_time() -> None:
    responses.get(
        f"{API}/me/threads",
        json={
            "data": [
                {"id": "2", "text": "other", "permalink": "p2"},
                {"id": "1", "text": "new\nhttps://s.t/1", "permalink": "p1"},
            ]
        },
    )
    content = Content(
        text="new", media=(MediaItem("image", "https://c.t/a.jpg"),), link="https://s.t/1"
    )
    found = client().find_published(CREDS, content, since_epoch=10_000)
    assert found is not None and (found.platform_post_id, found.url) == ("1", "p1")
    assert params(responses.calls[0])["since"] == "9940"
    check_all()


@responses.activate
def test_delete_treats_a_post_already_gone_as_deleted() -> None:
    responses.delete(f"{API}/5", json={"success": True, "deleted_id": "5"})
    responses.delete(f"{API}/6", status=400, json=meta_error(100, error_subcode=33))
    responses.delete(f"{API}/7", status=403, json=meta_error(10, "(#10) no permission"))
    client().delete(CREDS, "5")
    client().delete(CREDS, "6")
    with pytest.raises(NotSupportedError):
        client().delete(CREDS, "7")
    check_all()


def test_threads_counts_emoji_by_their_utf8_bytes() -> None:
    assert threads_length("abc") == 3
    assert threads_length("وصل") == 3  # Arabic letters are one each, though two bytes
    assert threads_length("🌸") == 4
    assert threads_length("❤️") == 6  # U+2764 and the variation selector
    assert threads_length("👨‍👩‍👧") == 18  # three emoji and two joiners


def test_validate_counts_as_threads_does_and_checks_media() -> None:
    rules = client()
    assert rules.validate(Content(text="a" * 500)) == []
    assert rules.validate(Content(text="a" * 497 + "🌸"))[0].code == "text_too_long"
    assert rules.validate(Content(text="", link="https://s.t")) == []
    assert rules.validate(Content(text=" "))[0].code == "text_required"
    image = MediaItem("image", "https://c.t/a.jpg")
    assert rules.validate(Content(media=(image,) * 20)) == []
    assert rules.validate(Content(media=(image,) * 21))[0].code == "too_many_media"
    links = " ".join(f"https://s.t/{i}" for i in range(6))
    assert rules.validate(Content(text=links))[0].code == "too_many_links"
    # The link of a media post is part of its text.
    assert rules.validate(Content(text="a" * 490, media=(image,), link="https://s.t/x"))
