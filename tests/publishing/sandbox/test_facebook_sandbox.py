"""The Facebook sandbox over real HTTP: Meta's paths, parameters, bodies and errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from publishing.sandbox.core import SandboxServer, serve_in_thread
from publishing.sandbox.facebook import sandbox_page_id, sandbox_token

TOKEN = sandbox_token("shop")
PAGE = sandbox_page_id("shop")


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    server, _ = serve_in_thread()
    yield server
    server.stop()


def call(server: SandboxServer, method: str, path: str, **params: str) -> requests.Response:
    url = f"{server.base_url}/facebook{path}"
    params = {"access_token": TOKEN, **params}
    if method == "POST":
        return requests.post(url, data=params, timeout=5)
    return requests.request(method, url, params=params, timeout=5)


def error(response: requests.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


def test_text_post_lists_reads_and_deletes(server: SandboxServer) -> None:
    made = call(server, "POST", f"/v25.0/{PAGE}/feed", message="hi", link="https://s.test/p")
    post_id = made.json()["id"]
    assert post_id.startswith(f"{PAGE}_")
    node = call(server, "GET", f"/v25.0/{post_id}", fields="id,message,permalink_url").json()
    assert node["message"] == "hi"
    page = requests.get(node["permalink_url"], timeout=5)
    assert page.status_code == 200 and "https://s.test/p" in page.text
    listed = call(server, "GET", f"/v25.0/{PAGE}/posts", fields="id,message,created_time").json()
    assert [p["id"] for p in listed["data"]] == [post_id]
    assert call(server, "DELETE", f"/v25.0/{post_id}").json() == {"success": True}
    gone = call(server, "DELETE", f"/v25.0/{post_id}")
    assert (error(gone)["code"], error(gone)["error_subcode"]) == (100, 33)


def test_unpublished_photos_are_attached_once(server: SandboxServer) -> None:
    ids = [
        call(server, "POST", f"/v25.0/{PAGE}/photos", url=f"https://c.test/{n}.jpg",
             published="false").json()["id"]
        for n in "ab"
    ]  # fmt: skip
    attached = json.dumps([{"media_fbid": i} for i in ids])
    assert call(server, "POST", f"/v25.0/{PAGE}/feed", attached_media=attached).ok
    again = call(server, "POST", f"/v25.0/{PAGE}/feed", attached_media=attached)
    assert again.status_code == 400 and error(again)["code"] == 100
    [post] = server.state.posts("facebook")
    assert len(post["media"]) == 2


def test_a_published_photo_answers_its_post_and_a_bad_one_meta_code(server: SandboxServer) -> None:
    body = call(server, "POST", f"/v25.0/{PAGE}/photos", url="https://c.test/a.jpg").json()
    assert set(body) == {"id", "post_id"}
    bad = call(
        server, "POST", f"/v25.0/{PAGE}/photos", url="https://c.test/a.jpg?sandbox_error=324"
    )
    assert error(bad)["code"] == 324
    typo = call(server, "POST", f"/v25.0/{PAGE}/photos", url="https://c.test/a", mesage="x")
    assert "mesage" in error(typo)["message"]


def test_a_video_processes_then_is_ready_or_ends_in_error(server: SandboxServer) -> None:
    vid = call(server, "POST", f"/video/v25.0/{PAGE}/videos", file_url="https://c.test/v.mp4")
    video = vid.json()["id"]
    states = [
        call(server, "GET", f"/v25.0/{video}", fields="status").json()["status"]["video_status"]
        for _ in range(3)
    ]
    assert states == ["processing", "processing", "ready"]
    steered = "https://c.test/v.mp4?sandbox_polls=0&sandbox_error=6000"
    bad = call(server, "POST", f"/video/v25.0/{PAGE}/videos", file_url=steered).json()["id"]
    status = call(server, "GET", f"/v25.0/{bad}", fields="status").json()["status"]
    assert status["video_status"] == "error"
    assert status["processing_phase"]["errors"][0]["code"] == 6000
    assert len(server.state.posts("facebook")) == 1  # the failed video made no post


def test_reel_phases_and_the_rupload_host(server: SandboxServer) -> None:
    start = call(server, "POST", f"/v25.0/{PAGE}/video_reels", upload_phase="start").json()
    video = start["video_id"]
    assert start["upload_url"].endswith(f"/facebook/rupload/video-upload/v25.0/{video}")
    early = call(server, "POST", f"/v25.0/{PAGE}/video_reels", upload_phase="finish",
                 video_id=video, video_state="PUBLISHED")  # fmt: skip
    assert error(early)["code"] == 6000  # nothing uploaded yet
    upload = requests.post(
        start["upload_url"],
        headers={"Authorization": f"OAuth {TOKEN}", "file_url": "https://c.test/r.mp4"},
        timeout=5,
    )
    assert upload.json() == {"success": True}
    finish = call(server, "POST", f"/v25.0/{PAGE}/video_reels", upload_phase="finish",
                  video_id=video, video_state="PUBLISHED", description="reel")  # fmt: skip
    assert finish.json() == {"success": True}
    listed = call(server, "GET", f"/v25.0/{PAGE}/video_reels", since="0", fields="id").json()
    assert listed["data"] == [{"id": video}]
    [post] = server.state.posts("facebook")
    assert "/facebook-web/reel/" in post["permalink_url"]


def test_another_pages_token_and_an_unknown_token(server: SandboxServer) -> None:
    other = call(server, "POST", f"/v25.0/{sandbox_page_id('other')}/feed", message="x")
    assert (error(other)["code"], error(other)["error_subcode"]) == (100, 33)
    bad = requests.post(f"{server.base_url}/facebook/v25.0/{PAGE}/feed",
                        data={"access_token": "nope", "message": "x"}, timeout=5)  # fmt: skip
    assert error(bad)["code"] == 190


def test_rate_limit_fault_has_the_pages_code_and_usage_header(server: SandboxServer) -> None:
    requests.post(f"{server.base_url}/_sandbox/faults", timeout=5, json={
        "platform": "facebook", "kind": "rate_limit", "retry_after": 120})  # fmt: skip
    limited = call(server, "POST", f"/v25.0/{PAGE}/feed", message="x")
    assert error(limited)["code"] == 32
    usage = json.loads(limited.headers["x-business-use-case-usage"])
    assert usage["0"][0]["estimated_time_to_regain_access"] == 2
