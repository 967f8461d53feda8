"""The X client at its HTTP seam: payloads checked against X's official OpenAPI file,
X's errors mapped to what the pipeline and the merchant need."""

from __future__ import annotations

import time
from typing import Any

import pytest
import responses

from publishing.media import FetchedMedia, MediaFetchError
from publishing.platforms.base import (
    AuthError,
    Checkpoint,
    Content,
    Credentials,
    DuplicateContentError,
    MediaItem,
    OutcomeUnknownError,
    PermanentError,
    RetryableError,
)
from publishing.platforms.http import CallRecord, Http
from publishing.platforms.x import XClient
from tests.support.specs import assert_valid_x_request

API = "https://api.x.test"
WEB = "https://x.test"
CREDS = Credentials(access_token="tok", account_id="42", handle="shop")


def fetcher(url: str, **_: Any) -> FetchedMedia:
    return FetchedMedia(url=url, content_type="image/jpeg", data=b"\xff\xd8jpeg" + url.encode())


def client(records: list[CallRecord] | None = None, fetch: Any = fetcher) -> XClient:
    http = Http(timeout=2, recorder=records.append if records is not None else None)
    return XClient(api_base=API, web_base=WEB, http=http, fetch_media=fetch)


def images(n: int) -> tuple[MediaItem, ...]:
    return tuple(MediaItem("image", f"https://cdn.test/{i}.jpg") for i in range(n))


@responses.activate
def test_text_post_sends_a_valid_create_request_and_builds_the_url() -> None:
    responses.post(
        f"{API}/2/tweets",
        status=201,
        json={"data": {"id": "1850", "text": "hi", "edit_history_tweet_ids": ["1850"]}},
    )
    called: list[str] = []
    result = client().publish(
        CREDS,
        Content(text="مرحبا", link="https://shop.test/p/1"),
        Checkpoint(),
        before_create=lambda: called.append("before"),
    )
    assert result.platform_post_id == "1850"
    assert result.url == "https://x.test/shop/status/1850"
    assert called == ["before"]
    request = responses.calls[0].request
    assert request.headers["Authorization"] == "Bearer tok"
    assert request.body is not None
    import json

    assert json.loads(request.body) == {"text": "مرحبا\nhttps://shop.test/p/1"}
    assert_valid_x_request(request, API)


@responses.activate
def test_images_are_uploaded_then_attached_and_checkpointed() -> None:
    for i in range(3):
        responses.post(
            f"{API}/2/media/upload", json={"data": {"id": f"10{i}", "media_key": f"3_10{i}"}}
        )
    responses.post(f"{API}/2/tweets", status=201, json={"data": {"id": "9", "text": "x"}})
    saved: list[dict[str, Any]] = []
    checkpoint = Checkpoint(save=saved.append)
    client().publish(
        CREDS, Content(text="three", media=images(3)), checkpoint, before_create=lambda: None
    )
    assert [s["media_ids"] for s in saved if "media_ids" in s] == [
        ["100"],
        ["100", "101"],
        ["100", "101", "102"],
    ]
    assert saved[-1]["media_uploaded_at"] > 0
    for call in responses.calls:
        assert_valid_x_request(call.request, API)
    upload = responses.calls[0].request.body
    assert isinstance(upload, bytes)
    assert b'name="media_category"' in upload and b"tweet_image" in upload
    import json

    assert json.loads(responses.calls[3].request.body or "") == {
        "text": "three",
        "media": {"media_ids": ["100", "101", "102"]},
    }


@responses.activate
def test_a_retry_resumes_from_uploaded_media_without_uploading_again() -> None:
    upload = responses.post(f"{API}/2/media/upload", json={"data": {"id": "101"}})
    responses.post(f"{API}/2/tweets", status=201, json={"data": {"id": "9", "text": "x"}})
    checkpoint = Checkpoint(data={"media_ids": ["100"], "media_uploaded_at": time.time()})
    client().publish(
        CREDS, Content(text="two", media=images(2)), checkpoint, before_create=lambda: None
    )
    assert upload.call_count == 1
    assert checkpoint.get("media_ids") == ["100", "101"]


@responses.activate
def test_username_is_looked_up_when_the_account_has_no_handle() -> None:
    responses.post(f"{API}/2/tweets", status=201, json={"data": {"id": "5", "text": "x"}})
    responses.get(f"{API}/2/users/me", json={"data": {"id": "42", "name": "S", "username": "s_1"}})
    result = client().publish(
        Credentials(access_token="t", account_id="42"),
        Content(text="a"),
        Checkpoint(),
        before_create=lambda: None,
    )
    assert result.url == "https://x.test/s_1/status/5"
    assert_valid_x_request(responses.calls[1].request, API)


def _problem(status: int, title: str, detail: str, kind: str = "about:blank") -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": kind, "status": status}


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "code"),
    [
        (401, _problem(401, "Unauthorized", "Unauthorized"), {}, AuthError, "auth_revoked"),
        (
            403,
            _problem(
                403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
            ),
            {},
            DuplicateContentError,
            "duplicate_content",
        ),
        (
            403,
            _problem(
                403,
                "Client Forbidden",
                "App not enrolled",
                "https://api.x.com/2/problems/client-forbidden",
            ),
            {},
            PermanentError,
            "forbidden",
        ),
        (
            402,
            _problem(402, "CreditsDepleted", "Your enrolled account does not have any credits"),
            {},
            PermanentError,
            "no_api_credits",
        ),
        (
            429,
            _problem(429, "Too Many Requests", "Too Many Requests"),
            {"x-rate-limit-reset": str(int(time.time()) + 120)},
            RetryableError,
            "rate_limited",
        ),
        (
            429,
            {
                "title": "UsageCapExceeded",
                "detail": "Usage cap exceeded: Monthly product cap",
                "type": "https://api.x.com/2/problems/usage-capped",
            },
            {},
            PermanentError,
            "usage_capped",
        ),
        (
            400,
            {
                "errors": [{"message": "Invalid media id"}],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.x.com/2/problems/invalid-request",
            },
            {},
            PermanentError,
            "rejected",
        ),
        (
            503,
            _problem(503, "Service Unavailable", "Service Unavailable"),
            {},
            OutcomeUnknownError,
            "outcome_unknown",
        ),
    ],
)
@responses.activate
def test_create_errors_are_mapped(
    status: int, body: dict[str, Any], headers: dict[str, str], error: type[Exception], code: str
) -> None:
    responses.post(f"{API}/2/tweets", status=status, json=body, headers=headers)
    with pytest.raises(error) as raised:
        client().publish(CREDS, Content(text="hi"), Checkpoint(), before_create=lambda: None)
    assert type(raised.value) is error
    assert raised.value.code == code  # type: ignore[attr-defined]
    assert raised.value.status_code == status  # type: ignore[attr-defined]


@responses.activate
def test_rate_limit_waits_until_x_says_it_resets() -> None:
    reset = int(time.time()) + 300
    responses.post(
        f"{API}/2/tweets",
        status=429,
        headers={"x-rate-limit-reset": str(reset)},
        json=_problem(429, "Too Many Requests", "Too Many Requests"),
    )
    with pytest.raises(RetryableError) as raised:
        client().publish(CREDS, Content(text="hi"), Checkpoint(), before_create=lambda: None)
    assert raised.value.retry_after is not None
    assert 290 <= raised.value.retry_after <= 301


@responses.activate
def test_server_error_on_media_upload_is_retryable_not_unknown() -> None:
    responses.post(
        f"{API}/2/media/upload", status=503, json=_problem(503, "Service Unavailable", "x")
    )
    with pytest.raises(RetryableError):
        client().publish(
            CREDS, Content(text="hi", media=images(1)), Checkpoint(), before_create=lambda: None
        )


def test_refused_connection_on_create_is_retryable() -> None:
    http = Http(timeout=1)
    x = XClient(api_base="http://127.0.0.1:9", web_base=WEB, http=http, fetch_media=fetcher)
    with pytest.raises(RetryableError) as raised:
        x.publish(CREDS, Content(text="hi"), Checkpoint(), before_create=lambda: None)
    assert raised.value.code == "network_error"


@responses.activate
def test_unreachable_image_fails_permanently_with_the_reason() -> None:
    def missing(url: str, **_: Any) -> FetchedMedia:
        raise MediaFetchError("Downloading the media answered HTTP 404.")

    with pytest.raises(PermanentError) as raised:
        client(fetch=missing).publish(
            CREDS, Content(text="hi", media=images(1)), Checkpoint(), before_create=lambda: None
        )
    assert "404" in raised.value.message
    assert len(responses.calls) == 0


@responses.activate
def test_every_call_is_recorded_without_its_query_string() -> None:
    responses.get(f"{API}/2/users/42/tweets", json={"meta": {"result_count": 0}})
    records: list[CallRecord] = []
    assert client(records).find_published(CREDS, Content(text="a"), since_epoch=time.time()) is None
    assert [(r.method, r.url, r.status_code) for r in records] == [
        ("GET", f"{API}/2/users/42/tweets", 200)
    ]
    assert_valid_x_request(responses.calls[0].request, API)


@responses.activate
def test_reconciliation_finds_the_post_even_with_links_rewritten() -> None:
    responses.get(
        f"{API}/2/users/42/tweets",
        json={
            "data": [
                {"id": "7", "text": "other", "edit_history_tweet_ids": ["7"]},
                {"id": "8", "text": "Sale\nhttps://t.co/abc", "edit_history_tweet_ids": ["8"]},
            ],
            "meta": {"result_count": 2},
        },
    )
    found = client().find_published(
        CREDS, Content(text="Sale", link="https://shop.test/p/1"), since_epoch=time.time()
    )
    assert found is not None
    assert (found.platform_post_id, found.url) == ("8", "https://x.test/shop/status/8")


@responses.activate
def test_delete_sends_a_valid_request() -> None:
    responses.delete(f"{API}/2/tweets/77", json={"data": {"deleted": True}})
    client().delete(CREDS, "77")
    assert_valid_x_request(responses.calls[0].request, API)


def test_validation_counts_as_x_does() -> None:
    x = client()
    assert x.validate(Content(text="ك" * 280)) == []
    assert [v.code for v in x.validate(Content(text="😀" * 141))] == ["text_too_long"]
    assert [v.code for v in x.validate(Content(text="", media=images(1)))] == []
    assert [v.code for v in x.validate(Content(text="hi", media=images(5)))] == ["too_many_images"]


@responses.activate
def test_media_uploaded_more_than_a_day_ago_is_uploaded_again() -> None:
    upload = responses.post(f"{API}/2/media/upload", json={"data": {"id": "201"}})
    responses.post(f"{API}/2/tweets", status=201, json={"data": {"id": "9", "text": "x"}})
    stale = time.time() - 25 * 3600  # X has forgotten these ids
    checkpoint = Checkpoint(data={"media_ids": ["100"], "media_uploaded_at": stale})
    client().publish(
        CREDS, Content(text="one", media=images(1)), checkpoint, before_create=lambda: None
    )
    assert upload.call_count == 1
    assert checkpoint.get("media_ids") == ["201"]


@responses.activate
def test_the_24_hour_cap_waits_for_its_own_reset() -> None:
    now = int(time.time())
    responses.post(
        f"{API}/2/tweets",
        status=429,
        json=_problem(429, "Too Many Requests", "Too Many Requests"),
        headers={
            "x-rate-limit-remaining": "99", "x-rate-limit-reset": str(now + 600),
            "x-user-limit-24hour-remaining": "0", "x-user-limit-24hour-reset": str(now + 7200),
        },
    )  # fmt: skip
    with pytest.raises(RetryableError) as raised:
        client().publish(CREDS, Content(text="hi"), Checkpoint(), before_create=lambda: None)
    assert raised.value.retry_after is not None and raised.value.retry_after > 7000


@responses.activate
def test_a_failed_username_lookup_after_the_post_still_reports_it_published() -> None:
    responses.post(f"{API}/2/tweets", status=201, json={"data": {"id": "77", "text": "x"}})
    responses.get(f"{API}/2/users/me", status=503, json=_problem(503, "Unavailable", "x"))
    result = client().publish(
        Credentials(access_token="t", account_id="42"),
        Content(text="a"),
        Checkpoint(),
        before_create=lambda: None,
    )
    assert (result.platform_post_id, result.url) == ("77", "https://x.test/i/web/status/77")


@responses.activate
def test_reconciliation_sees_through_the_media_links_x_appends() -> None:
    responses.get(f"{API}/2/users/42/tweets", json={
        "data": [{"id": "8", "text": "Sale\nhttps://t.co/abc https://t.co/media1",
                  "edit_history_tweet_ids": ["8"]}],
        "meta": {"result_count": 1},
    })  # fmt: skip
    found = client().find_published(
        CREDS, Content(text="Sale", link="https://shop.test/p/1", media=images(1)),
        since_epoch=time.time(),
    )  # fmt: skip
    assert found is not None and found.platform_post_id == "8"


@responses.activate
def test_reconciliation_skips_posts_already_accounted_for() -> None:
    responses.get(f"{API}/2/users/42/tweets", json={
        "data": [{"id": "8", "text": "Same text", "edit_history_tweet_ids": ["8"]}],
        "meta": {"result_count": 1},
    })  # fmt: skip
    found = client().find_published(
        CREDS, Content(text="Same text"), since_epoch=time.time(), exclude=frozenset({"8"})
    )
    assert found is None
