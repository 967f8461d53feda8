"""X animated GIFs at the HTTP seam: an image served as ``image/gif`` with several frames goes
through the chunked upload as ``tweet_gif`` (requests checked against X's OpenAPI file), alone
in its post; a still GIF is an ordinary image; X's GIF limits are applied before any upload."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses

from publishing.media import FetchedMedia
from publishing.platforms.base import Checkpoint, Content, MediaItem, PermanentError
from publishing.platforms.http import Http
from publishing.platforms.x import MAX_IMAGE_BYTES, XClient
from publishing.platforms.x_media import MAX_GIF_BYTES
from publishing.sandbox.control import _gif
from tests.publishing.platforms.test_x_client import API, CREDS, WEB
from tests.publishing.platforms.test_x_video_client import assert_valid, calls, processing

GIF_URL = "https://cdn.test/dance.gif"


def serving(files: dict[str, tuple[str, bytes]], fetched: list[dict[str, Any]]) -> Any:
    def fetch_media(url: str, **kwargs: Any) -> FetchedMedia:
        fetched.append({"url": url, **kwargs})
        content_type, data = files[url]
        return FetchedMedia(url=url, content_type=content_type, data=data)

    return fetch_media


def client(files: dict[str, tuple[str, bytes]], fetched: list[dict[str, Any]]) -> XClient:
    return XClient(
        api_base=API,
        web_base=WEB,
        http=Http(timeout=2),
        fetch_media=serving(files, fetched),
        sleep=lambda seconds: None,
    )


def post(*urls: str) -> Content:
    return Content(text="It moves", media=tuple(MediaItem("image", url) for url in urls))


def mock_gif_upload() -> None:
    responses.post(
        f"{API}/2/media/upload/initialize",
        json={"data": {"id": "800", "media_key": "16_800", "expires_after_secs": 86400}},
    )
    responses.post(f"{API}/2/media/upload/800/append", json={"data": {"expires_at": 1}})
    pending = processing("pending", check_after_secs=1)
    pending["data"].update(id="800", media_key="16_800")
    responses.post(f"{API}/2/media/upload/800/finalize", json=pending)
    done = processing("succeeded")
    done["data"].update(id="800", media_key="16_800")
    responses.get(f"{API}/2/media/upload", json=done)
    responses.post(f"{API}/2/tweets", status=201, json={"data": {"id": "9", "text": "x"}})


@responses.activate
def test_an_animated_gif_goes_up_chunked_as_tweet_gif_then_alone_in_the_post() -> None:
    mock_gif_upload()
    data = _gif("dance", 3, 7 * 1024 * 1024)  # over the 5 MB of an image, within 15 MB
    fetched: list[dict[str, Any]] = []
    saved: list[dict[str, Any]] = []
    result = client({GIF_URL: ("image/gif", data)}, fetched).publish(
        CREDS, post(GIF_URL), Checkpoint(save=saved.append), before_create=lambda: None
    )

    assert result.platform_post_id == "9"
    assert fetched[0]["max_bytes"] == MAX_GIF_BYTES  # an image alone may be a GIF
    assert calls() == [
        "POST /2/media/upload/initialize",
        "POST /2/media/upload/800/append",
        "POST /2/media/upload/800/append",
        "POST /2/media/upload/800/finalize",
        "GET /2/media/upload?media_id=800&command=STATUS",
        "POST /2/tweets",
    ]
    for call in responses.calls:
        assert_valid(call.request)
    assert json.loads(responses.calls[0].request.body or "") == {
        "media_type": "image/gif", "total_bytes": len(data), "media_category": "tweet_gif",
    }  # fmt: skip
    assert json.loads(responses.calls[-1].request.body or "")["media"] == {"media_ids": ["800"]}
    assert saved[-1]["gif"]["finalized"] is True


@responses.activate
def test_a_retry_after_the_upload_only_waits_for_processing() -> None:
    mock_gif_upload()
    data = _gif("dance", 2, 0)
    checkpoint = Checkpoint(data={"gif": {
        "media_id": "800", "url": GIF_URL, "total_bytes": len(data), "segment": 0,
        "expires_at": 9e12, "finalized": True,
        "processing_info": {"state": "in_progress", "check_after_secs": 1},
    }})  # fmt: skip
    client({GIF_URL: ("image/gif", data)}, []).publish(
        CREDS, post(GIF_URL), checkpoint, before_create=lambda: None
    )
    assert calls() == ["GET /2/media/upload?media_id=800&command=STATUS", "POST /2/tweets"]


@responses.activate
def test_a_still_gif_is_an_image_and_can_share_the_post() -> None:
    responses.post(f"{API}/2/media/upload", json={"data": {"id": "101", "media_key": "3_101"}})
    responses.post(f"{API}/2/media/upload", json={"data": {"id": "102", "media_key": "3_102"}})
    responses.post(f"{API}/2/tweets", status=201, json={"data": {"id": "9", "text": "x"}})
    files = {
        GIF_URL: ("image/gif", _gif("still", 1, 0)),
        "https://cdn.test/a.jpg": ("image/jpeg", b"\xff\xd8jpeg"),
    }
    fetched: list[dict[str, Any]] = []
    client(files, fetched).publish(
        CREDS, post(GIF_URL, "https://cdn.test/a.jpg"), Checkpoint(), before_create=lambda: None
    )
    assert calls() == ["POST /2/media/upload", "POST /2/media/upload", "POST /2/tweets"]
    assert b"tweet_image" in (responses.calls[0].request.body or b"")
    for call in responses.calls:
        assert_valid(call.request)
    assert [f["max_bytes"] for f in fetched] == [MAX_IMAGE_BYTES] * 2


@pytest.mark.parametrize(
    ("files", "urls", "code", "words"),
    [
        (
            {GIF_URL: ("image/gif", _gif("dance", 2, 0)),
             "https://cdn.test/a.jpg": ("image/jpeg", b"\xff\xd8jpeg")},
            ("https://cdn.test/a.jpg", GIF_URL),
            "gif_alone",
            "only alone in a post",
        ),
        ({GIF_URL: ("image/gif", _gif("long", 351, 0))}, (GIF_URL,), "media_rejected", "350"),
        (
            {"https://cdn.test/big.jpg": ("image/jpeg", b"j" * (MAX_IMAGE_BYTES + 1))},
            ("https://cdn.test/big.jpg",),
            "media_unavailable",
            "larger than 5 MB",
        ),
    ],
)  # fmt: skip
def test_what_x_would_refuse_fails_before_the_gif_or_the_post_is_sent(
    files: dict[str, tuple[str, bytes]], urls: tuple[str, ...], code: str, words: str
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.post(f"{API}/2/media/upload", json={"data": {"id": "101"}})
        with pytest.raises(PermanentError) as raised:
            client(files, []).publish(CREDS, post(*urls), Checkpoint(), before_create=lambda: None)
        sent = [f"{c.request.method} {c.request.url}".replace(API, "") for c in mocked.calls]
    assert raised.value.code == code
    assert words in raised.value.message
    assert all("initialize" not in call and "tweets" not in call for call in sent)
