"""The X sandbox's chunked upload for an animated GIF (``tweet_gif``): the same shapes as a
video's (initialize, append, finalize, processing status), answers checked against the spec's
schemas, and X's rules: one GIF alone in a post, 15 MB, sent as ``image/gif``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from publishing.sandbox import SandboxServer, serve_in_thread
from publishing.sandbox.control import _gif
from tests.publishing.sandbox.test_x_sandbox import api, assert_matches, auth, tweet, upload

GIF = _gif("dance", 3, 0)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    server, _ = serve_in_thread()
    yield server
    server.stop()


@pytest.fixture
def sandbox(server: SandboxServer) -> SandboxServer:
    server.state.reset()
    return server


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def initialize(
    http: requests.Session, sandbox: SandboxServer, **overrides: Any
) -> requests.Response:
    body = {"media_type": "image/gif", "total_bytes": len(GIF), "media_category": "tweet_gif"}
    return http.post(
        api(sandbox, "/2/media/upload/initialize"),
        json={**body, **overrides},
        headers=auth(),
        timeout=5,
    )


def upload_gif(http: requests.Session, sandbox: SandboxServer, data: bytes = GIF) -> str:
    started = initialize(http, sandbox, total_bytes=len(data))
    assert started.status_code == 200, started.text
    assert_matches(started.json(), "InitializeMediaUploadResponse")
    media_id: str = started.json()["data"]["id"]
    appended = http.post(
        api(sandbox, f"/2/media/upload/{media_id}/append"),
        data={"segment_index": "0"},
        files={"media": ("segment", data, "application/octet-stream")},
        headers=auth(),
        timeout=5,
    )
    assert appended.status_code == 200, appended.text
    assert_matches(appended.json(), "AppendMediaUploadResponse")
    return media_id


def finalize(http: requests.Session, sandbox: SandboxServer, media_id: str) -> dict[str, Any]:
    response = http.post(
        api(sandbox, f"/2/media/upload/{media_id}/finalize"), headers=auth(), timeout=5
    )
    assert response.status_code == 200, response.text
    assert_matches(response.json(), "FinalizeMediaUploadResponse")
    data: dict[str, Any] = response.json()["data"]
    return data


def status(http: requests.Session, sandbox: SandboxServer, media_id: str) -> dict[str, Any]:
    response = http.get(
        api(sandbox, "/2/media/upload"),
        params={"media_id": media_id, "command": "STATUS"},
        headers=auth(),
        timeout=5,
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    if data["processing_info"]["state"] != "failed":  # a failure adds X's (unspecified) error
        assert_matches(response.json(), "GetMediaUploadStatusResponse")
    return data


def test_a_gif_is_processed_like_a_video_then_posted_as_a_gif(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    media_id = upload_gif(http, sandbox)
    finalized = finalize(http, sandbox, media_id)
    assert finalized["media_key"] == f"16_{media_id}"  # X's key prefix for animated GIFs
    assert finalized["processing_info"]["state"] == "pending"
    early = tweet(http, sandbox, {"text": "too soon", "media": {"media_ids": [media_id]}})
    assert early.status_code == 400  # not processed yet

    states = [status(http, sandbox, media_id)["processing_info"]["state"] for _ in range(2)]
    created = tweet(http, sandbox, {"text": "It moves", "media": {"media_ids": [media_id]}})

    assert states == ["in_progress", "succeeded"]
    assert created.status_code == 201
    [post] = sandbox.state.posts("x")
    assert [m["category"] for m in post["media"]] == ["tweet_gif"]


def test_a_gif_named_to_fail_fails_processing(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    media_id = upload_gif(http, sandbox, _gif("processing-fails", 2, 0))
    finalize(http, sandbox, media_id)
    infos = [status(http, sandbox, media_id)["processing_info"] for _ in range(2)]
    assert [info["state"] for info in infos] == ["in_progress", "failed"]
    assert infos[1]["error"]["name"] == "InvalidMedia"


def test_a_gif_goes_alone_in_a_post(sandbox: SandboxServer, http: requests.Session) -> None:
    media_id = upload_gif(http, sandbox)
    finalize(http, sandbox, media_id)
    status(http, sandbox, media_id)
    status(http, sandbox, media_id)
    image = upload(http, sandbox).json()["data"]["id"]

    response = tweet(http, sandbox, {"text": "mix", "media": {"media_ids": [media_id, image]}})

    assert response.status_code == 400
    assert "1 GIF" in response.json()["errors"][0]["message"]
    assert sandbox.state.posts("x") == []


def test_a_gif_over_15_mb_or_not_sent_as_a_gif_is_refused(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    at_limit = initialize(http, sandbox, total_bytes=15 * 1024 * 1024)
    too_big = initialize(http, sandbox, total_bytes=15 * 1024 * 1024 + 1)
    as_video = initialize(http, sandbox, media_type="video/mp4")
    gif_as_video = initialize(http, sandbox, media_category="tweet_video")

    assert at_limit.status_code == 200
    for refused in (too_big, as_video, gif_as_video):
        assert refused.status_code == 400
        assert_matches(refused.json(), "InvalidRequestProblem")
    assert "exceeds" in too_big.json()["errors"][0]["message"]
    assert "tweet_gif takes image/gif" in as_video.json()["errors"][0]["message"]
    assert "tweet_video takes video/" in gif_as_video.json()["errors"][0]["message"]
