"""The Instagram client at its HTTP seam: every request checked against Meta's codegen specs,
both hosts, every format, Meta's error envelope mapped to what the pipeline and merchant need."""

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
from publishing.platforms.instagram import InstagramClient
from tests.support.meta_spec import assert_valid_instagram_request

FB = "https://graph.facebook.test/v25.0"
IG = "https://graph.instagram.test/v25.0"
USER = "17841400000000001"
CREDS = Credentials(access_token="tok", account_id=USER, handle="shop", login="facebook")
IG_CREDS = Credentials(access_token="igtok", account_id=USER, handle="shop", login="instagram")
PERMALINK = "https://www.instagram.com/p/DCkkKl_OGb1/"
IMAGE = MediaItem("image", "https://cdn.test/a.jpg")
VIDEO = MediaItem("video", "https://cdn.test/v.mp4")


def client() -> InstagramClient:
    return InstagramClient(
        graph_base=FB, ig_base=IG, http=Http(timeout=2), poll_interval=0.001, max_wait=0.01
    )


def params(call: Any) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(call.request.url).query))


def path(call: Any) -> str:
    found = urlsplit(call.request.url).path.removeprefix("/v25.0").replace(USER, "{user}")
    return f"{call.request.method} {found}"


def quota(base: str = FB, usage: int = 3, total: int = 100) -> None:
    responses.get(
        f"{base}/{USER}/content_publishing_limit",
        json={"data": [{"quota_usage": usage, "config": {"quota_total": total}}]},
    )


def container(cid: str, *codes: str, status: str = "", base: str = FB) -> None:
    for code in codes:
        responses.get(f"{base}/{cid}", json={"id": cid, "status_code": code, "status": status})


def published(media_id: str = "900", base: str = FB) -> None:
    responses.post(f"{base}/{USER}/media_publish", json={"id": media_id})
    responses.get(f"{base}/{media_id}", json={"id": media_id, "permalink": PERMALINK})


def check_all(base: str = FB, host: str = "fb") -> None:
    assert responses.calls
    for call in responses.calls:
        assert_valid_instagram_request(call.request, base, host)


def creates() -> list[dict[str, str]]:
    return [
        {k: v for k, v in params(c).items() if k != "access_token"}
        for c in responses.calls
        if path(c) == "POST /{user}/media"
    ]


def meta_error(code: int, message: str = "boom", **extra: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": "OAuthException", "code": code, **extra}}


def run(content: Content, creds: Credentials = CREDS, **kwargs: Any) -> Any:
    return client().publish(
        creds, content, kwargs.pop("checkpoint", Checkpoint()), before_create=lambda: None
    )


@responses.activate
def test_feed_image_creates_polls_publishes_and_reads_the_permalink() -> None:
    quota()
    responses.post(f"{FB}/{USER}/media", json={"id": "100"})
    container("100", "FINISHED")
    published()
    steps: list[str] = []
    saved: list[dict[str, Any]] = []
    result = client().publish(
        CREDS,
        Content(text="وصل حديثاً 🌸 #فساتين", media=(IMAGE,), link="https://shop.test/p/1"),
        Checkpoint(save=saved.append),
        before_create=lambda: steps.append(path(responses.calls[-1])),
    )
    assert (result.platform_post_id, result.url) == ("900", PERMALINK)
    assert [path(c) for c in responses.calls] == [
        "GET /{user}/content_publishing_limit",
        "POST /{user}/media",
        "GET /100",
        "POST /{user}/media_publish",
        "GET /900",
    ]
    assert steps == ["GET /100"]  # right before media_publish, once the container is ready
    # The link is not clickable in a caption, so it goes in as text on its own line.
    assert creates() == [
        {"image_url": IMAGE.url, "caption": "وصل حديثاً 🌸 #فساتين\nhttps://shop.test/p/1"}
    ]
    assert params(responses.calls[2])["fields"] == "id,status_code,status"
    assert params(responses.calls[3]) == {"creation_id": "100", "access_token": "tok"}
    assert saved[-1]["container"] == "100" and saved[-1]["media_id"] == "900"
    check_all()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # One video alone is inferred as a Reel, shared to the feed.
        (Content(text="a", media=(VIDEO,)),
         {"media_type": "REELS", "video_url": VIDEO.url, "share_to_feed": "true", "caption": "a"}),
        # A Feed video is a Reel that is also in the feed (media_type=VIDEO is deprecated).
        (Content(text="a", media=(VIDEO,), format="feed"),
         {"media_type": "REELS", "video_url": VIDEO.url, "share_to_feed": "true", "caption": "a"}),
        (Content(text="a", media=(VIDEO,), format="reel",
                 extra={"share_to_feed": False, "cover_url": "https://cdn.test/c.jpg"}),
         {"media_type": "REELS", "video_url": VIDEO.url, "share_to_feed": "false",
          "cover_url": "https://cdn.test/c.jpg", "caption": "a"}),
        # A Story takes no caption: the shared text and link are left out.
        (Content(text="a", media=(IMAGE,), link="https://s.t/1", format="story"),
         {"media_type": "STORIES", "image_url": IMAGE.url}),
        (Content(media=(VIDEO,), format="story"),
         {"media_type": "STORIES", "video_url": VIDEO.url}),
    ],
)  # fmt: skip
@responses.activate
def test_each_single_container_format_sends_its_parameters(
    content: Content, expected: dict[str, str]
) -> None:
    quota()
    responses.post(f"{FB}/{USER}/media", json={"id": "100"})
    container("100", "IN_PROGRESS", "FINISHED")
    published()
    run(content)
    assert creates() == [expected]
    check_all()


@responses.activate
def test_carousel_creates_items_then_the_carousel_and_checkpoints_each() -> None:
    quota()
    for cid in ("1", "2", "3"):
        responses.post(f"{FB}/{USER}/media", json={"id": cid})
    container("1", "FINISHED")
    container("2", "IN_PROGRESS", "FINISHED")
    container("3", "FINISHED")
    published()
    saved: list[dict[str, Any]] = []
    run(Content(text="two", media=(IMAGE, VIDEO)), checkpoint=Checkpoint(save=saved.append))
    assert creates() == [
        {"is_carousel_item": "true", "image_url": IMAGE.url},
        {"is_carousel_item": "true", "video_url": VIDEO.url, "media_type": "VIDEO"},
        {"media_type": "CAROUSEL", "children": "1,2", "caption": "two"},
    ]
    assert [s.get("children") for s in saved[:2]] == [["1"], ["1", "2"]]
    check_all()


@responses.activate
def test_instagram_login_accounts_use_graph_instagram_com() -> None:
    quota(IG)
    responses.post(f"{IG}/{USER}/media", json={"id": "100"})
    container("100", "FINISHED", base=IG)
    published(base=IG)
    run(Content(text="a", media=(IMAGE,)), IG_CREDS)
    assert all(str(c.request.url).startswith(IG) for c in responses.calls)
    assert params(responses.calls[0])["access_token"] == "igtok"
    check_all(IG, "ig")


@responses.activate
def test_a_retry_resumes_from_the_checkpointed_container() -> None:
    quota()
    create = responses.post(f"{FB}/{USER}/media", json={"id": "999"})
    container("100", "FINISHED")
    published()
    run(Content(text="a", media=(IMAGE,)), checkpoint=Checkpoint(data={"container": "100"}))
    assert create.call_count == 0
    # The saved container holds its quota slot already: no quota check, straight on.
    assert not any("publishing_limit" in str(call.request.url) for call in responses.calls)
    assert params(responses.calls[1]) == {"creation_id": "100", "access_token": "tok"}


@responses.activate
def test_a_carousel_resumes_from_its_checkpointed_items() -> None:
    quota()
    responses.post(f"{FB}/{USER}/media", json={"id": "3"})
    container("1", "FINISHED")
    container("3", "FINISHED")
    published()
    run(Content(text="two", media=(IMAGE, IMAGE)), checkpoint=Checkpoint(data={"children": ["1"]}))
    assert [c["children"] for c in creates() if "children" in c] == ["1,3"]
    assert len(creates()) == 2  # the second item, then the carousel


@responses.activate
def test_a_container_already_published_is_found_not_published_again() -> None:
    quota()
    container("100", "PUBLISHED")
    publish = responses.post(f"{FB}/{USER}/media_publish", json={"id": "1"})
    responses.get(
        f"{FB}/{USER}/media",
        json={"data": [{"id": "77", "caption": "a", "timestamp": "x", "permalink": PERMALINK}]},
    )
    result = run(
        Content(text="a", media=(IMAGE,)),
        checkpoint=Checkpoint(data={"container": "100", "created_at": 1000.0}),
    )
    assert (result.platform_post_id, publish.call_count) == ("77", 0)
    check_all()


@responses.activate
def test_container_error_is_permanent_with_advice_and_clears_the_checkpoint() -> None:
    quota()
    responses.post(f"{FB}/{USER}/media", json={"id": "100"})
    said = "Error: Media upload has failed with error code 2207026"
    container("100", "ERROR", status=said)
    checkpoint = Checkpoint()
    with pytest.raises(PermanentError) as caught:
        run(Content(media=(VIDEO,)), checkpoint=checkpoint)
    assert caught.value.code == "media_rejected"
    assert "H.264" in caught.value.message
    assert caught.value.platform_message == f"ERROR: {said}"
    assert checkpoint.get("container") is None


@responses.activate
def test_a_new_container_that_expired_is_permanent() -> None:
    quota()
    responses.post(f"{FB}/{USER}/media", json={"id": "100"})
    container("100", "EXPIRED")
    with pytest.raises(PermanentError) as caught:
        run(Content(media=(IMAGE,)))
    assert "discarded" in caught.value.message


@responses.activate
def test_still_processing_after_the_wait_is_retryable_and_keeps_the_container() -> None:
    quota()
    responses.post(f"{FB}/{USER}/media", json={"id": "100"})
    responses.get(f"{FB}/100", json={"id": "100", "status_code": "IN_PROGRESS"})
    checkpoint = Checkpoint()
    with pytest.raises(RetryableError) as caught:
        run(Content(media=(VIDEO,)), checkpoint=checkpoint)
    assert caught.value.code == "media_processing"
    assert checkpoint.get("container") == "100"


@responses.activate
def test_quota_exhausted_fails_before_anything_is_created() -> None:
    quota(usage=50, total=50)  # the limit is read live: Meta's pages say 50 or 100
    with pytest.raises(PermanentError) as caught:
        run(Content(media=(IMAGE,)))
    assert caught.value.code == "quota_exceeded"
    assert "50 of its 50" in caught.value.message
    assert len(responses.calls) == 1
    check_all()


BUC = {"x-business-use-case-usage": json.dumps(
    {"1": [{"type": "instagram", "estimated_time_to_regain_access": 7}]}
)}  # fmt: skip


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "code", "retry_after"),
    [
        (400, meta_error(190, error_subcode=463), {}, AuthError, "auth_revoked", None),
        (400, meta_error(80002, is_transient=True), BUC, RetryableError, "rate_limited", 420.0),
        (403, meta_error(4), {}, RetryableError, "rate_limited", 60.0),
        (500, meta_error(2, is_transient=True), {}, RetryableError, "platform_down", None),
        (400, meta_error(-2, error_subcode=2207003), {}, RetryableError, "platform_down", None),
        (400, meta_error(24, error_subcode=2207008), {}, RetryableError, "platform_down", 60.0),
        (400, meta_error(9004, error_subcode=2207052), {}, PermanentError, "media_rejected",
         None),
        (400, meta_error(36003, error_subcode=2207009), {}, PermanentError, "media_rejected",
         None),
        (400, meta_error(4, error_subcode=2207051), {}, PermanentError, "blocked", None),
        (400, meta_error(25, error_subcode=2207050), {}, PermanentError, "account_restricted",
         None),
        (400, meta_error(10), {}, PermanentError, "permission_missing", None),
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
        responses.post(f"{FB}/{USER}/media", status=status, body="<html>Bad gateway</html>")
    else:
        responses.post(f"{FB}/{USER}/media", status=status, json=body, headers=headers)
    with pytest.raises(error) as caught:
        run(Content(media=(IMAGE,)))
    assert getattr(caught.value, "code", None) == code
    if retry_after is not None:
        assert getattr(caught.value, "retry_after", None) == retry_after


@pytest.mark.parametrize(
    "body",
    [meta_error(2, is_transient=True), meta_error(4, error_subcode=2207051),
     meta_error(-1, error_subcode=2207001)],
)  # fmt: skip
@responses.activate
def test_a_failed_answer_to_media_publish_is_an_unknown_outcome(body: dict[str, Any]) -> None:
    quota()
    container("100", "FINISHED")
    responses.post(f"{FB}/{USER}/media_publish", status=500, json=body)
    with pytest.raises(OutcomeUnknownError):
        run(Content(media=(IMAGE,)), checkpoint=Checkpoint(data={"container": "100"}))


@responses.activate
def test_the_daily_limit_on_media_publish_is_a_clear_permanent_failure() -> None:
    quota()
    container("100", "FINISHED")
    responses.post(
        f"{FB}/{USER}/media_publish", status=400, json=meta_error(9, error_subcode=2207042)
    )
    with pytest.raises(PermanentError) as caught:
        run(Content(media=(IMAGE,)), checkpoint=Checkpoint(data={"container": "100"}))
    assert caught.value.code == "quota_exceeded"


@responses.activate
def test_a_lost_permalink_lookup_resumes_from_the_media_id() -> None:
    responses.get(f"{FB}/900", json={"id": "900", "permalink": PERMALINK})
    result = run(Content(media=(IMAGE,)), checkpoint=Checkpoint(data={"media_id": "900"}))
    assert result.url == PERMALINK and len(responses.calls) == 1
    check_all()


@responses.activate
def test_find_published_matches_the_caption_since_the_create_time() -> None:
    responses.get(
        f"{FB}/{USER}/media",
        json={"data": [
            {"id": "2", "caption": "other", "permalink": "p2"},
            {"id": "1", "caption": "new\nhttps://s.t/1", "permalink": "p1"},
        ]},
    )  # fmt: skip
    content = Content(text="new", media=(IMAGE,), link="https://s.t/1")
    found = client().find_published(CREDS, content, since_epoch=10_000)
    assert found is not None and (found.platform_post_id, found.url) == ("1", "p1")
    assert params(responses.calls[0])["since"] == "9940"
    check_all()


@responses.activate
def test_find_published_looks_for_a_story_among_the_stories() -> None:
    responses.get(
        f"{FB}/{USER}/stories",
        json={"data": [
            {"id": "5", "timestamp": "2026-06-01T12:00:30+0000", "permalink": "s5"},
            {"id": "4", "timestamp": "2026-06-01T10:00:00+0000", "permalink": "s4"},
        ]},
    )  # fmt: skip
    story = Content(media=(IMAGE,), format="story")
    since = 1780315200.0  # 2026-06-01T12:00:00Z
    found = client().find_published(CREDS, story, since_epoch=since)
    assert found is not None and found.platform_post_id == "5"
    assert client().find_published(CREDS, story, since_epoch=since + 3600) is None
    check_all()


@responses.activate
def test_delete_through_facebook_login_treats_a_post_already_gone_as_deleted() -> None:
    responses.delete(f"{FB}/5", json={"success": True})
    responses.delete(f"{FB}/6", status=400, json=meta_error(100, error_subcode=33))
    responses.delete(f"{FB}/7", status=403, json=meta_error(10, "(#10) no permission"))
    client().delete(CREDS, "5")
    client().delete(CREDS, "6")
    with pytest.raises(NotSupportedError):
        client().delete(CREDS, "7")
    check_all()


@responses.activate
def test_delete_through_instagram_login_is_not_supported_without_a_call() -> None:
    with pytest.raises(NotSupportedError) as caught:
        client().delete(IG_CREDS, "5")
    assert "Facebook Login" in caught.value.message
    assert caught.value.code == "not_supported"
    assert len(responses.calls) == 0


def codes(content: Content) -> list[str]:
    return [v.code for v in client().validate(content)]


def test_validate_checks_caption_hashtags_and_mentions() -> None:
    assert codes(Content(text="a" * 2200, media=(IMAGE,))) == []
    assert codes(Content(text="a" * 2201, media=(IMAGE,))) == ["text_too_long"]
    # The link is part of the caption.
    assert codes(Content(text="a" * 2190, media=(IMAGE,), link="https://s.t/x")) == [
        "text_too_long"
    ]
    tags = " ".join(f"#وسم_{i}" for i in range(31))
    assert codes(Content(text=tags, media=(IMAGE,))) == ["too_many_hashtags"]
    assert codes(Content(text=" ".join(["#a"] * 30), media=(IMAGE,))) == []
    mentions = " ".join(f"@shop{i}" for i in range(21))
    assert codes(Content(text=mentions, media=(IMAGE,))) == ["too_many_mentions"]
    assert codes(Content(text="mail " + "a@b.test " * 25, media=(IMAGE,))) == []


def test_validate_checks_media_per_format() -> None:
    assert codes(Content(text="a")) == ["media_count"]  # Instagram needs media
    assert codes(Content(media=(IMAGE,) * 10)) == []
    assert codes(Content(media=(IMAGE,) * 11)) == ["media_count"]
    assert codes(Content(media=(IMAGE,), format="reel")) == ["media_count"]
    assert codes(Content(media=(VIDEO, VIDEO), format="reel")) == ["media_count"]
    assert codes(Content(media=(IMAGE, VIDEO), format="story")) == ["media_count"]
    assert codes(Content(media=(MediaItem("gif", "https://c.t/a.gif"),))) == ["unsupported_media"]
    assert codes(Content(media=(IMAGE,), format="carousel")) == ["unknown_format"]
    # A Story takes no caption: any text is left out, so none is too long.
    assert codes(Content(text="a" * 3000, media=(VIDEO,), format="story")) == []


def test_validate_checks_the_reel_options() -> None:
    reel = Content(media=(VIDEO,), format="reel", extra={"share_to_feed": False})
    assert codes(reel) == []
    assert codes(Content(media=(VIDEO,), extra={"cover_url": "https://c.t/c.jpg"})) == []
    assert codes(Content(media=(VIDEO,), extra={"share_to_feed": "yes"})) == ["invalid_option"]
    assert codes(Content(media=(VIDEO,), extra={"cover_url": "c.jpg"})) == ["invalid_option"]
    assert codes(Content(media=(IMAGE,), extra={"share_to_feed": True})) == [
        "option_not_for_format"
    ]
    assert codes(Content(media=(VIDEO,), extra={"stickers": 1})) == ["unknown_option"]


def test_the_spec_check_refuses_what_meta_specs_do_not_have() -> None:
    import requests

    def prepared(method: str, url: str) -> requests.PreparedRequest:
        return requests.Request(method, url).prepare()

    bad = [
        (prepared("POST", f"{FB}/{USER}/media?image_url=u&link=x"), FB, "fb"),  # no link param
        (prepared("POST", f"{FB}/{USER}/media_publish"), FB, "fb"),  # creation_id required
        (prepared("POST", f"{FB}/{USER}/media?is_carousel_item=yes"), FB, "fb"),  # a bool
        (prepared("DELETE", f"{IG}/5"), IG, "ig"),  # graph.instagram.com cannot delete
        (prepared("GET", f"{FB}/5?fields=id,nonexistent"), FB, "fb"),
    ]
    for request, base, host in bad:
        with pytest.raises(AssertionError):
            assert_valid_instagram_request(request, base, host)
    good = prepared("POST", f"{IG}/{USER}/media_publish?creation_id=1&access_token=t")
    assert_valid_instagram_request(good, IG, "ig")
