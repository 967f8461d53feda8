"""The YouTube client at its HTTP seam: every API request checked against the discovery
document, the resumable upload protocol (chunks, 308 + Range, resuming a session), Google's
error reasons mapped to what the pipeline and the merchant need."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import responses

from publishing.media import MediaFetchError
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
from publishing.platforms.youtube import YouTubeClient
from publishing.platforms.youtube_errors import seconds_until_quota_reset
from tests.support.youtube_spec import assert_valid_youtube_request

API = "https://youtube.googleapis.test"
WEB = "https://www.youtube.test"
SESSION = f"{API}/upload/youtube/v3/videos?uploadType=resumable&upload_id=up1"
KIB = 1024
CHUNK = 256 * KIB
CREDS = Credentials(access_token="tok", account_id="UC1", handle="shop")
VIDEO = MediaItem("video", "https://cdn.test/v.mp4")
TEXT = "Summer dress, new in\nHand embroidered."


@dataclass
class FakeStream:
    data: bytes
    content_type: str = "video/mp4"

    @property
    def content_length(self) -> int:
        return len(self.data)

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), 64 * KIB):  # as MediaStream reads: 64 KiB
            yield self.data[start : start + 64 * KIB]


def opener(data: bytes, opened: list[dict[str, Any]] | None = None) -> Any:
    @contextmanager
    def open_media(url: str, **kwargs: Any) -> Iterator[FakeStream]:
        if opened is not None:
            opened.append({"url": url, **kwargs})
        yield FakeStream(data)

    return open_media


def client(data: bytes = b"v" * (CHUNK * 2 + 100), **kwargs: Any) -> YouTubeClient:
    return YouTubeClient(
        api_base=API, web_base=WEB, http=Http(timeout=2), open_media=opener(data, **kwargs),
        chunk_size=CHUNK,
    )  # fmt: skip


def content(**extra: Any) -> Content:
    fmt = extra.pop("format", "")
    return Content(text=TEXT, media=(VIDEO,), link="https://shop.test/p/1", format=fmt, extra=extra)


class Server:
    """A resumable upload session as Google runs it; keeps the bytes it received."""

    def __init__(self, total: int, *, received: int = 0, video_id: str = "dQw4w9WgXcQ") -> None:
        self.total, self.received, self.video_id = total, received, video_id
        self.body = bytearray()

    def start(self) -> None:
        responses.post(f"{API}/upload/youtube/v3/videos", headers={"Location": SESSION})

    def put(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        header = request.headers["Content-Range"]
        if header == f"bytes */{self.total}":
            return self._state()
        span, total = header.removeprefix("bytes ").split("/")
        first, last = (int(n) for n in span.split("-"))
        assert int(total) == self.total and first == self.received
        body = request.body if isinstance(request.body, bytes) else b""
        assert len(body) == last - first + 1
        assert last + 1 == self.total or len(body) % CHUNK == 0
        self.body.extend(body)
        self.received = last + 1
        return self._state()

    def _state(self) -> tuple[int, dict[str, str], str]:
        if self.received == self.total:
            return 200, {}, json.dumps({"kind": "youtube#video", "id": self.video_id})
        if self.received == 0:
            return 308, {}, ""
        return 308, {"Range": f"bytes=0-{self.received - 1}"}, ""

    def serve(self) -> None:
        responses.add_callback(responses.PUT, SESSION, callback=self.put)


def google_error(status: int, reason: str, message: str = "nope") -> dict[str, Any]:
    return {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"domain": "youtube.api", "reason": reason, "message": message}],
        }
    }


def ranges() -> list[str]:
    return [
        c.request.headers["Content-Range"] for c in responses.calls if c.request.method == "PUT"
    ]


# --- Upload -----------------------------------------------------------------------------


@responses.activate
def test_video_is_uploaded_in_chunks_and_its_metadata_follows_the_discovery_doc() -> None:
    data = bytes(range(256)) * (CHUNK * 2 // 256) + b"tail"
    server, opened = Server(len(data)), list[dict[str, Any]]()
    server.start()
    server.serve()
    saved: list[dict[str, Any]] = []
    creates: list[int] = []
    yt = client(data, opened=opened)

    result = yt.publish(
        CREDS,
        content(title="My dress", tags=["dress", "summer sale"], privacy="unlisted"),
        Checkpoint(save=saved.append),
        before_create=lambda: creates.append(len(server.body)),
    )

    assert result.platform_post_id == "dQw4w9WgXcQ"
    assert result.url == f"{WEB}/watch?v=dQw4w9WgXcQ"
    assert bytes(server.body) == data
    start = responses.calls[0].request
    assert assert_valid_youtube_request(start, API) == "youtube.videos.insert"
    assert start.headers["X-Upload-Content-Length"] == str(len(data))
    assert start.headers["X-Upload-Content-Type"] == "video/mp4"
    assert start.headers["Authorization"] == "Bearer tok"
    assert json.loads(start.body or b"") == {
        "snippet": {
            "title": "My dress",
            "description": f"{TEXT}\nhttps://shop.test/p/1",
            "tags": ["dress", "summer sale"],
        },
        "status": {"privacyStatus": "unlisted", "selfDeclaredMadeForKids": False},
    }
    total = len(data)
    assert ranges() == [
        f"bytes 0-{CHUNK - 1}/{total}",
        f"bytes {CHUNK}-{2 * CHUNK - 1}/{total}",
        f"bytes {2 * CHUNK}-{total - 1}/{total}",
    ]
    assert creates == [2 * CHUNK]  # once, right before the final chunk
    assert saved[-1]["video_id"] == "dQw4w9WgXcQ" and saved[-1]["session_uri"] == SESSION
    assert opened[0]["allowed_types"] == ("video/", "application/octet-stream")


@responses.activate
def test_defaults_are_the_first_line_as_title_public_and_not_for_kids() -> None:
    server = Server(100)
    server.start()
    server.serve()
    client(b"x" * 100).publish(CREDS, content(), Checkpoint(), before_create=lambda: None)
    body = json.loads(responses.calls[0].request.body or b"")
    assert body["snippet"]["title"] == "Summer dress, new in"
    assert body["status"] == {"privacyStatus": "public", "selfDeclaredMadeForKids": False}
    assert ranges() == ["bytes 0-99/100"]


@responses.activate
def test_a_short_carries_the_shorts_hint_and_a_shorts_url() -> None:
    server = Server(100)
    server.start()
    server.serve()
    result = client(b"x" * 100).publish(
        CREDS, content(format="short", made_for_kids=True), Checkpoint(), before_create=lambda: None
    )
    body = json.loads(responses.calls[0].request.body or b"")
    assert body["snippet"]["description"].endswith("\n\n#Shorts")
    assert body["status"]["selfDeclaredMadeForKids"] is True
    assert result.url == f"{WEB}/shorts/dQw4w9WgXcQ"


@responses.activate
def test_an_interrupted_upload_resumes_from_the_offset_the_server_reports() -> None:
    data = b"r" * (CHUNK * 3)
    # The server holds one and a half chunks: more than the first chunk we sent, less than two.
    server = Server(len(data), received=CHUNK + CHUNK // 2)
    server.body.extend(data[: server.received])
    server.serve()
    checkpoint = Checkpoint(data={"session_uri": SESSION, "total": len(data), "offset": CHUNK})

    result = client(data).publish(CREDS, content(), checkpoint, before_create=lambda: None)

    assert result.platform_post_id == "dQw4w9WgXcQ"
    assert not any(c.request.method == "POST" for c in responses.calls)  # no second session
    assert ranges() == [
        f"bytes */{len(data)}",
        f"bytes {CHUNK + CHUNK // 2}-{CHUNK * 5 // 2 - 1}/{len(data)}",
        f"bytes {CHUNK * 5 // 2}-{len(data) - 1}/{len(data)}",
    ]
    assert bytes(server.body) == data


@responses.activate
def test_a_session_that_completed_answers_the_video_and_nothing_is_uploaded_again() -> None:
    server = Server(100, received=100, video_id="done1234567")
    server.serve()
    checkpoint = Checkpoint(data={"session_uri": SESSION, "total": 100, "final_sent": True})
    created: list[bool] = []
    result = client(b"x" * 100).publish(
        CREDS, content(), checkpoint, before_create=lambda: created.append(True)
    )
    assert result.platform_post_id == "done1234567"
    assert ranges() == ["bytes */100"] and created == []


@responses.activate
def test_an_expired_session_starts_a_new_one() -> None:
    responses.put(SESSION, status=404, json=google_error(404, "notFound"))
    server = Server(100)
    server.start()
    responses.add_callback(responses.PUT, SESSION, callback=server.put)
    checkpoint = Checkpoint(data={"session_uri": SESSION, "total": 100, "final_sent": False})
    client(b"x" * 100).publish(CREDS, content(), checkpoint, before_create=lambda: None)
    methods = [c.request.method for c in responses.calls]
    assert methods == ["PUT", "POST", "PUT"]


@responses.activate
def test_a_server_error_on_a_chunk_is_retryable_and_keeps_the_session() -> None:
    server = Server(CHUNK * 2)
    server.start()
    responses.put(SESSION, status=503, json=google_error(503, "backendError"))
    saved: list[dict[str, Any]] = []
    with pytest.raises(RetryableError) as caught:
        client(b"x" * CHUNK * 2).publish(
            CREDS, content(), Checkpoint(save=saved.append), before_create=lambda: None
        )
    assert caught.value.code == "platform_down"
    assert saved[-1]["session_uri"] == SESSION


@responses.activate
def test_a_lost_answer_to_the_final_chunk_leaves_the_outcome_unknown() -> None:
    responses.post(f"{API}/upload/youtube/v3/videos", headers={"Location": SESSION})
    responses.put(SESSION, body=requests.ReadTimeout("slow"))
    creates: list[bool] = []
    with pytest.raises(OutcomeUnknownError):
        client(b"x" * 100).publish(
            CREDS, content(), Checkpoint(), before_create=lambda: creates.append(True)
        )
    assert creates == [True]


# --- Errors -----------------------------------------------------------------------------


@responses.activate
def test_quota_exceeded_is_retried_after_midnight_pacific() -> None:
    responses.post(
        f"{API}/upload/youtube/v3/videos", status=403, json=google_error(403, "quotaExceeded")
    )
    with pytest.raises(RetryableError) as caught:
        client().publish(CREDS, content(), Checkpoint(), before_create=lambda: None)
    assert caught.value.code == "quota_exceeded"
    assert caught.value.retry_after is not None
    assert abs(caught.value.retry_after - seconds_until_quota_reset()) < 5


@pytest.mark.parametrize(
    ("now", "hours"),
    [
        (datetime(2026, 6, 1, 12, 0, tzinfo=UTC), 19),  # 05:00 PDT
        (datetime(2026, 1, 15, 7, 0, tzinfo=UTC), 1),  # 23:00 PST, the 14th
    ],
)
def test_quota_reset_is_the_next_midnight_pacific(now: datetime, hours: int) -> None:
    assert seconds_until_quota_reset(now) == hours * 3600 + 60


def test_quota_reset_counts_real_seconds_across_a_dst_change() -> None:
    # 2026-03-08 00:30 PST; the clocks jump at 02:00, so the next midnight is 22.5 h away.
    now = datetime(2026, 3, 8, 8, 30, tzinfo=UTC)
    assert seconds_until_quota_reset(now) == 22.5 * 3600 + 60


@pytest.mark.parametrize(
    ("status", "reason", "error", "code"),
    [
        (401, "authError", AuthError, "auth"),
        (403, "rateLimitExceeded", RetryableError, "rate_limited"),
        (403, "userRateLimitExceeded", RetryableError, "rate_limited"),
        (400, "uploadLimitExceeded", RetryableError, "quota_exceeded"),
        (400, "invalidTitle", PermanentError, "rejected"),
        (403, "forbidden", PermanentError, "rejected"),
        (500, "backendError", RetryableError, "platform_down"),
    ],
)
@responses.activate
def test_google_error_reasons_map_to_the_shared_errors(
    status: int, reason: str, error: type[Exception], code: str
) -> None:
    responses.post(
        f"{API}/upload/youtube/v3/videos", status=status, json=google_error(status, reason, "why")
    )
    with pytest.raises(error) as caught:
        client().publish(CREDS, content(), Checkpoint(), before_create=lambda: None)
    assert getattr(caught.value, "code", None) == code
    assert reason in getattr(caught.value, "platform_message", "")


def test_an_unreadable_video_url_fails_with_the_fetch_reason() -> None:
    @contextmanager
    def failing(url: str, **kwargs: Any) -> Iterator[FakeStream]:
        raise MediaFetchError("The media's type 'text/html' is not accepted.")
        yield FakeStream(b"")  # pragma: no cover

    yt = YouTubeClient(api_base=API, web_base=WEB, http=Http(timeout=2), open_media=failing)
    with pytest.raises(PermanentError, match="text/html"):
        yt.publish(CREDS, content(), Checkpoint(), before_create=lambda: None)


# --- Reconcile and delete ---------------------------------------------------------------


def search_item(video_id: str, title: str, at: str) -> dict[str, Any]:
    return {
        "id": {"kind": "youtube#video", "videoId": video_id},
        "snippet": {"title": title, "publishedAt": at},
    }


@responses.activate
def test_find_published_matches_the_title_and_skips_excluded_videos() -> None:
    responses.get(
        f"{API}/youtube/v3/search",
        json={
            "items": [
                search_item("newer000001", "Summer dress, new in", "2026-06-01T12:00:05Z"),
                search_item("older000001", "Summer dress, new in", "2026-06-01T12:00:01Z"),
                search_item("other000001", "Something else", "2026-06-01T12:00:00Z"),
            ]
        },
    )
    since = datetime(2026, 6, 1, 12, 0, tzinfo=UTC).timestamp()
    found = client().find_published(
        CREDS, content(), since_epoch=since, exclude=frozenset({"newer000001"})
    )
    assert found is not None and found.platform_post_id == "older000001"
    request = responses.calls[0].request
    assert assert_valid_youtube_request(request, API) == "youtube.search.list"
    assert "forMine=true" in (request.url or "") and "type=video" in (request.url or "")
    assert client().find_published(CREDS, content(title="Nope"), since_epoch=since) is None


@responses.activate
def test_delete_removes_the_video_and_a_gone_one_counts_as_deleted() -> None:
    responses.delete(f"{API}/youtube/v3/videos", status=204)
    responses.delete(
        f"{API}/youtube/v3/videos", status=404, json=google_error(404, "videoNotFound")
    )
    client().delete(CREDS, "abc")
    client().delete(CREDS, "abc")
    request = responses.calls[0].request
    assert assert_valid_youtube_request(request, API) == "youtube.videos.delete"
    assert (request.url or "").endswith("?id=abc")


@responses.activate
def test_delete_without_the_scope_says_to_reconnect() -> None:
    responses.delete(
        f"{API}/youtube/v3/videos", status=403, json=google_error(403, "insufficientPermissions")
    )
    with pytest.raises(NotSupportedError, match="reconnect YouTube granting"):
        client().delete(CREDS, "abc")


# --- Rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("post", "code"),
    [
        (Content(text="t", media=(MediaItem("image", "https://cdn.test/a.jpg"),)), "media_count"),
        (Content(text="t", media=(VIDEO, VIDEO)), "media_count"),
        (Content(text="", media=(VIDEO,)), "missing_title"),
        (Content(text="t", media=(VIDEO,), extra={"title": "x" * 101}), "title_too_long"),
        (Content(text="é" * 2501, media=(VIDEO,)), "text_too_long"),
        (Content(text="a <b>", media=(VIDEO,)), "invalid_characters"),
        (Content(text="t", media=(VIDEO,), extra={"tags": ["x" * 60] * 9}), "tags_too_long"),
        (Content(text="t", media=(VIDEO,), format="reel"), "unknown_format"),
    ],
)
def test_rules_name_the_problem(post: Content, code: str) -> None:
    assert [v.code for v in client().validate(post)] == [code]


def test_a_long_first_line_is_cut_to_a_valid_title() -> None:
    assert client().validate(Content(text="x" * 300, media=(VIDEO,))) == []
