"""The Threads sandbox over real HTTP: Meta's paths, parameters, container life and errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from publishing.sandbox.core import SandboxServer, serve_in_thread
from publishing.sandbox.threads import sandbox_token, sandbox_user_id

TOKEN = sandbox_token("shop_1")


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    server, _ = serve_in_thread()
    try:
        yield server
    finally:
        server.stop()


def call(server: SandboxServer, method: str, path: str, **params: Any) -> requests.Response:
    params.setdefault("access_token", TOKEN)
    return requests.request(
        method, f"{server.base_url}/threads/v1.0{path}", params=params, timeout=5
    )


def error(response: requests.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    assert {"message", "type", "code", "fbtrace_id"} <= set(body)
    return body


def ready(server: SandboxServer, **params: Any) -> str:
    cid = str(call(server, "POST", "/me/threads", **params).json()["id"])
    while call(server, "GET", f"/{cid}", fields="status").json()["status"] == "IN_PROGRESS":
        pass
    return cid


def test_a_text_post_goes_through_container_status_publish_and_permalink(
    server: SandboxServer,
) -> None:
    cid = ready(server, media_type="TEXT", text="hello 🌸", link_attachment="https://s.t/1")
    status = call(server, "GET", f"/{cid}", fields="id,status,error_message").json()
    assert status == {"id": cid, "status": "FINISHED"}
    media_id = call(server, "POST", "/me/threads_publish", creation_id=cid).json()["id"]
    assert call(server, "GET", f"/{cid}", fields="status").json()["status"] == "PUBLISHED"
    post = call(server, "GET", f"/{media_id}", fields="permalink,text").json()
    assert post["text"] == "hello 🌸"
    page = requests.get(post["permalink"], timeout=5)
    assert page.status_code == 200 and "hello 🌸" in page.text
    # Unversioned, as the Postman collection calls it, and by user id too.
    listed = requests.get(
        f"{server.base_url}/threads/{sandbox_user_id('shop_1')}/threads",
        params={"access_token": TOKEN, "fields": "id,text,permalink"},
        timeout=5,
    ).json()
    assert listed["data"] == [{"id": media_id, "text": "hello 🌸", "permalink": post["permalink"]}]
    again = call(server, "POST", "/me/threads_publish", creation_id=cid)
    assert again.status_code == 400 and len(server.state.posts("threads")) == 1


def test_a_video_stays_in_progress_and_cannot_be_published_early(server: SandboxServer) -> None:
    cid = call(
        server, "POST", "/me/threads", media_type="VIDEO", video_url="https://c.t/v.mp4"
    ).json()["id"]
    early = call(server, "POST", "/me/threads_publish", creation_id=cid)
    assert error(early)["code"] == 9007
    statuses = [call(server, "GET", f"/{cid}", fields="status").json()["status"] for _ in range(3)]
    assert statuses == ["IN_PROGRESS", "IN_PROGRESS", "FINISHED"]


def test_a_magic_media_url_ends_the_container_in_error(server: SandboxServer) -> None:
    cid = call(
        server,
        "POST",
        "/me/threads",
        media_type="IMAGE",
        image_url="https://c.t/a.jpg?sandbox_error=INVALID_ASPEC_RATIO",
    ).json()["id"]
    body = call(server, "GET", f"/{cid}", fields="id,status,error_message").json()
    assert body == {"id": cid, "status": "ERROR", "error_message": "INVALID_ASPEC_RATIO"}


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"media_type": "IMAGE", "image_url": "ftp://c.t/a.jpg"}, "http or https"),
        ({"media_type": "IMAGE", "image_url": "https://c.t/a.jpg", "link_attachment": "https://s.t"},
         "only available for TEXT"),
        ({"media_type": "TEXT"}, "text is required"),
        ({"media_type": "TEXT", "text": "🌸" * 126}, "504 characters"),
        ({"media_type": "TEXT", "text": "hi", "bogus": "1"}, "bogus"),
        ({"media_type": "CAROUSEL", "children": "1"}, "2 to 20"),
        ({"media_type": "TEXT", "text": " ".join(f"https://s.t/{i}" for i in range(6))},
         "LINK_LIMIT_EXCEEDED"),
    ],
)  # fmt: skip
def test_container_requests_are_checked_as_threads_does(
    server: SandboxServer, params: dict[str, str], says: str
) -> None:
    response = call(server, "POST", "/me/threads", **params)
    assert response.status_code == 400
    assert says in error(response)["message"]


def test_a_carousel_needs_finished_items(server: SandboxServer) -> None:
    a = ready(server, media_type="IMAGE", image_url="https://c.t/a.jpg", is_carousel_item="true")
    v = call(
        server, "POST", "/me/threads", media_type="VIDEO", video_url="https://c.t/v.mp4",
        is_carousel_item="true",
    ).json()["id"]  # fmt: skip
    early = call(server, "POST", "/me/threads", media_type="CAROUSEL", children=f"{a},{v}")
    assert error(early)["code"] == 9007
    while call(server, "GET", f"/{v}", fields="status").json()["status"] != "FINISHED":
        pass
    cid = ready(server, media_type="CAROUSEL", children=f"{a},{v}", text="two")
    media_id = call(server, "POST", "/me/threads_publish", creation_id=cid).json()["id"]
    [post] = server.state.posts("threads")
    assert post["id"] == media_id and len(post["media"]) == 2


def test_quota_reads_and_enforces_the_250_posts(server: SandboxServer) -> None:
    limit = call(server, "GET", "/me/threads_publishing_limit", fields="quota_usage,config")
    assert limit.json() == {
        "data": [{"quota_usage": 0, "config": {"quota_total": 250, "quota_duration": 86400}}]
    }
    control = requests.post(
        f"{server.base_url}/_sandbox/threads/quota",
        json={"username": "shop_1", "used": 250},
        timeout=5,
    )
    assert control.status_code == 200
    cid = ready(server, media_type="TEXT", text="one more")
    refused = call(server, "POST", "/me/threads_publish", creation_id=cid)
    assert error(refused)["code"] == 9


def test_tokens_unknown_objects_and_deletes(server: SandboxServer) -> None:
    assert error(call(server, "GET", "/me/threads", access_token="nope"))["code"] == 190
    missing = error(call(server, "GET", "/123", fields="id"))
    assert (missing["code"], missing["error_subcode"]) == (100, 33)
    cid = ready(server, media_type="TEXT", text="bye")
    media_id = call(server, "POST", "/me/threads_publish", creation_id=cid).json()["id"]
    assert call(server, "DELETE", f"/{media_id}").json() == {
        "success": True,
        "deleted_id": media_id,
    }
    assert error(call(server, "DELETE", f"/{media_id}"))["error_subcode"] == 33


@pytest.mark.parametrize(
    ("kind", "code"), [("rate_limit", 17), ("server_error", 2), ("expired_token", 190)]
)
def test_faults_answer_with_meta_error_bodies(server: SandboxServer, kind: str, code: int) -> None:
    requests.post(
        f"{server.base_url}/_sandbox/faults",
        json={"platform": "threads", "kind": kind, "retry_after": 150},
        timeout=5,
    )
    response = call(server, "GET", "/me/threads_publishing_limit", fields="quota_usage")
    assert error(response)["code"] == code
    if kind == "rate_limit":
        usage = json.loads(response.headers["x-business-use-case-usage"])
        assert usage["0"][0]["estimated_time_to_regain_access"] == 3  # minutes, rounded up
