"""X video at the HTTP seam: the chunked upload's requests checked against X's OpenAPI file,
processing polled as X asks, and a retry resuming from its checkpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import jsonschema
import pytest
import requests
import responses

from publishing.platforms.base import (
    Checkpoint,
    Content,
    MediaItem,
    PermanentError,
    RetryableError,
)
from publishing.platforms.http import Http
from publishing.platforms.x import XClient
from publishing.platforms.x_media import SEGMENT_BYTES
from tests.publishing.platforms.test_x_client import API, CREDS, WEB, fetcher, images
from tests.support.specs import SPECS, assert_valid_x_request

VIDEO_URL = "https://cdn.test/v.mp4"
MB = 1024 * 1024


class FakeStream:
    """What ``open_media`` yields: the media server's side, not X's."""

    def __init__(self, data: bytes, *, content_length: int | None) -> None:
        self.url, self.content_type, self.content_length = VIDEO_URL, "video/mp4", content_length
        self._data, self.reads = data, 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        chunk, self._data = self._data[:size], self._data[size:]
        return chunk


def opener(data: bytes, *, declared: bool = True) -> Any:
    @contextmanager
    def open_media(url: str, **_: Any) -> Iterator[FakeStream]:
        yield FakeStream(data, content_length=len(data) if declared else None)

    return open_media


def client(data: bytes, *, declared: bool = True, slept: list[float] | None = None) -> XClient:
    return XClient(
        api_base=API,
        web_base=WEB,
        http=Http(timeout=2),
        fetch_media=fetcher,
        open_media=opener(data, declared=declared),
        sleep=(slept.append if slept is not None else lambda s: None),
    )


def video(text: str = "new in") -> Content:
    return Content(text=text, media=(MediaItem("video", VIDEO_URL),))


def processing(state: str, **extra: Any) -> dict[str, Any]:
    return {
        "data": {"id": "700", "media_key": "7_700", "processing_info": {"state": state, **extra}}
    }


def mock_upload(*statuses: dict[str, Any]) -> None:
    responses.post(
        f"{API}/2/media/upload/initialize",
        json={"data": {"id": "700", "expires_after_secs": 86400}},
    )
    responses.post(f"{API}/2/media/upload/700/append", json={"data": {"expires_at": 1}})
    responses.post(
        f"{API}/2/media/upload/700/finalize", json=processing("pending", check_after_secs=2)
    )
    for status in statuses:
        responses.get(f"{API}/2/media/upload", json=status)
    responses.post(f"{API}/2/tweets", status=201, json={"data": {"id": "9", "text": "x"}})


def assert_valid(request: requests.PreparedRequest) -> None:
    """Every call checked against the spec. openapi-core does not coerce multipart fields
    (``segment_index`` is text on the wire), so an append's form is checked against the
    spec's own AppendMediaUploadRequest schema with the integer read as X reads it."""
    if not (request.url or "").endswith("/append"):
        assert_valid_x_request(request, API)
        return
    assert isinstance(request.body, bytes)
    spec = json.loads((SPECS / "x" / "x-api-v2.openapi.json").read_text())
    schema = spec["components"]["schemas"]["AppendMediaUploadRequest"]
    index = request.body.split(b'name="segment_index"\r\n\r\n')[1].split(b"\r\n")[0]
    assert b'name="media"; filename=' in request.body
    jsonschema.validate({"media": "<bytes>", "segment_index": int(index)}, schema)
    assert "/2/media/upload/{id}/append" in spec["paths"]


def calls() -> list[str]:
    return [f"{c.request.method} {c.request.url}".replace(API, "") for c in responses.calls]


@responses.activate
def test_a_12_mb_video_goes_up_in_3_segments_then_processing_then_the_post() -> None:
    mock_upload(processing("in_progress", check_after_secs=3), processing("succeeded"))
    data = bytes(range(256)) * (12 * MB // 256)
    slept: list[float] = []
    saved: list[dict[str, Any]] = []
    result = client(data, slept=slept).publish(
        CREDS, video(), Checkpoint(save=saved.append), before_create=lambda: None
    )
    assert result.platform_post_id == "9"
    assert calls() == [
        "POST /2/media/upload/initialize",
        "POST /2/media/upload/700/append",
        "POST /2/media/upload/700/append",
        "POST /2/media/upload/700/append",
        "POST /2/media/upload/700/finalize",
        "GET /2/media/upload?media_id=700&command=STATUS",
        "GET /2/media/upload?media_id=700&command=STATUS",
        "POST /2/tweets",
    ]
    for call in responses.calls:
        assert_valid(call.request)
    assert json.loads(responses.calls[0].request.body or "") == {
        "media_type": "video/mp4", "total_bytes": 12 * MB, "media_category": "tweet_video",
    }  # fmt: skip
    appends = [c.request.body for c in responses.calls[1:4]]
    for index, body in enumerate(appends):
        assert isinstance(body, bytes)
        assert f'name="segment_index"\r\n\r\n{index}\r\n'.encode() in body
        assert len(body) < SEGMENT_BYTES + 1024  # one segment per request, never more
    assert slept == [2, 3]  # X's check_after_secs, honoured
    assert json.loads(responses.calls[-1].request.body or "")["media"] == {"media_ids": ["700"]}
    assert [s["video"]["segment"] for s in saved if s.get("video")][:3] == [-1, 0, 1]


@responses.activate
def test_failed_processing_is_permanent_with_xs_reason_and_no_post() -> None:
    failed = processing("failed", error={"code": 1, "name": "InvalidMedia", "message": "Bad codec"})
    mock_upload(failed)
    with pytest.raises(PermanentError) as raised:
        client(b"v" * 1000).publish(CREDS, video(), Checkpoint(), before_create=lambda: None)
    assert raised.value.code == "media_processing_failed"
    assert "Bad codec" in raised.value.message
    assert "POST /2/tweets" not in calls()


def test_a_video_without_content_length_is_refused_before_any_x_call() -> None:
    with responses.RequestsMock() as mocked, pytest.raises(PermanentError) as raised:
        client(b"v" * 1000, declared=False).publish(
            CREDS, video(), Checkpoint(), before_create=lambda: None
        )
    assert raised.value.code == "media_size_unknown"
    assert "Content-Length" in raised.value.message
    assert len(mocked.calls) == 0


@responses.activate
def test_a_retry_resumes_appending_after_the_last_acknowledged_segment() -> None:
    mock_upload(processing("succeeded"))
    data = b"v" * (11 * MB)
    checkpoint = Checkpoint(data={"video": {
        "media_id": "700", "url": VIDEO_URL, "total_bytes": len(data), "segment": 0,
        "expires_at": 9e12,
    }})  # fmt: skip
    client(data).publish(CREDS, video(), checkpoint, before_create=lambda: None)
    assert calls()[:3] == [
        "POST /2/media/upload/700/append",
        "POST /2/media/upload/700/append",
        "POST /2/media/upload/700/finalize",
    ]
    bodies = [c.request.body for c in responses.calls[:2]]
    assert all(isinstance(b, bytes) for b in bodies)
    assert b'name="segment_index"\r\n\r\n1\r\n' in bodies[0]  # type: ignore[operator]
    assert b'name="segment_index"\r\n\r\n2\r\n' in bodies[1]  # type: ignore[operator]


@responses.activate
def test_a_resumed_session_x_refuses_is_restarted_on_the_next_try() -> None:
    responses.post(
        f"{API}/2/media/upload/700/append",
        status=400,
        json={"title": "Invalid Request", "detail": "Invalid media_id", "type": "about:blank"},
    )
    checkpoint = Checkpoint(data={"video": {
        "media_id": "700", "url": VIDEO_URL, "total_bytes": 6 * MB, "segment": 0,
        "expires_at": 9e12,
    }})  # fmt: skip
    with pytest.raises(RetryableError) as raised:
        client(b"v" * (6 * MB)).publish(CREDS, video(), checkpoint, before_create=lambda: None)
    assert raised.value.code == "upload_restarted"
    assert checkpoint.get("video") == {}


def test_validate_allows_one_video_alone() -> None:
    x = client(b"")
    assert x.validate(video()) == []
    two = Content(text="a", media=(MediaItem("video", VIDEO_URL),) * 2)
    mixed = Content(text="a", media=(MediaItem("video", VIDEO_URL), *images(1)))
    assert [v.code for v in x.validate(two)] == ["video_alone"]
    assert [v.code for v in x.validate(mixed)] == ["video_alone"]
    assert [v.code for v in x.validate(Content(text="a", media=images(4)))] == []
