"""The Instagram sandbox over real HTTP: both hosts, Meta's paths, parameters, container life,
quota, delete and errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from publishing.sandbox.core import SandboxServer, serve_in_thread
from publishing.sandbox.instagram import sandbox_token, sandbox_user_id

USER = sandbox_user_id("shop_1")
FB_TOKEN = sandbox_token("shop_1")
IG_TOKEN = sandbox_token("shop_1", login="instagram")


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    server, _ = serve_in_thread()
    try:
        yield server
    finally:
        server.stop()


def call(
    server: SandboxServer, method: str, path: str, host: str = "fb", **params: Any
) -> requests.Response:
    params.setdefault("access_token", FB_TOKEN if host == "fb" else IG_TOKEN)
    url = f"{server.base_url}/instagram/{host}/v25.0{path}"
    return requests.request(method, url, params=params, timeout=5)


def error(response: requests.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    assert {"message", "type", "code", "fbtrace_id", "is_transient"} <= set(body)
    return body


def ready(server: SandboxServer, host: str = "fb", **params: Any) -> str:
    cid = str(call(server, "POST", f"/{USER}/media", host, **params).json()["id"])
    while True:
        status = call(server, "GET", f"/{cid}", host, fields="status_code").json()
        if status["status_code"] != "IN_PROGRESS":
            return cid


IMAGE = "https://cdn.test/a.jpg"
VIDEO = "https://cdn.test/v.mp4"


@pytest.mark.parametrize("host", ["fb", "ig"])
def test_a_feed_image_goes_through_container_publish_and_permalink(
    server: SandboxServer, host: str
) -> None:
    cid = ready(server, host, image_url=IMAGE, caption="hello 🌸 #new")
    status = call(server, "GET", f"/{cid}", host, fields="id,status_code,status").json()
    assert status["status_code"] == "FINISHED" and status["status"].startswith("Finished")
    media_id = call(server, "POST", f"/{USER}/media_publish", host, creation_id=cid).json()["id"]
    again = call(server, "POST", f"/{USER}/media_publish", host, creation_id=cid)
    assert error(again)["code"] == 100  # one container, one post
    assert call(server, "GET", f"/{cid}", host, fields="status_code").json()["status_code"] == (
        "PUBLISHED"
    )
    post = call(server, "GET", f"/{media_id}", host, fields="permalink,caption").json()
    assert post["caption"] == "hello 🌸 #new" and "/instagram-web/p/" in post["permalink"]
    page = requests.get(post["permalink"], timeout=5)
    assert page.status_code == 200 and "hello 🌸" in page.text
    listed = call(server, "GET", f"/{USER}/media", host, fields="id,caption").json()["data"]
    assert listed == [{"id": media_id, "caption": "hello 🌸 #new"}]


def test_a_token_only_works_on_its_own_host_and_me_only_on_instagram_login(
    server: SandboxServer,
) -> None:
    assert error(call(server, "GET", f"/{USER}/media", "ig", access_token=FB_TOKEN))["code"] == 190
    assert error(call(server, "GET", f"/{USER}/media", "fb", access_token=IG_TOKEN))["code"] == 190
    assert call(server, "GET", "/me/media", "ig").status_code == 200
    assert error(call(server, "GET", "/me/media", "fb"))["code"] == 100


def test_a_video_takes_time_and_publishing_it_early_is_9007(server: SandboxServer) -> None:
    cid = call(server, "POST", f"/{USER}/media", media_type="REELS", video_url=VIDEO).json()["id"]
    early = call(server, "POST", f"/{USER}/media_publish", creation_id=cid)
    assert (error(early)["code"], error(early)["error_subcode"]) == (9007, 2207027)
    codes = [
        call(server, "GET", f"/{cid}", fields="status_code").json()["status_code"] for _ in range(3)
    ]
    assert codes == ["IN_PROGRESS", "IN_PROGRESS", "FINISHED"]


def test_a_steered_container_ends_in_error_with_the_subcode(server: SandboxServer) -> None:
    cid = ready(server, media_type="REELS", video_url=f"{VIDEO}?sandbox_error=2207026")
    body = call(server, "GET", f"/{cid}", fields="status_code,status").json()
    assert body["status_code"] == "ERROR" and "2207026" in body["status"]


def test_a_carousel_needs_finished_items_and_a_story_takes_no_caption(
    server: SandboxServer,
) -> None:
    one = ready(server, image_url=IMAGE, is_carousel_item="true")
    two = call(
        server, "POST", f"/{USER}/media", media_type="VIDEO", video_url=VIDEO,
        is_carousel_item="true",
    ).json()["id"]  # fmt: skip
    early = call(server, "POST", f"/{USER}/media", media_type="CAROUSEL", children=f"{one},{two}")
    assert error(early)["code"] == 9007
    alone = call(server, "POST", f"/{USER}/media", media_type="CAROUSEL", children=one)
    assert error(alone)["error_subcode"] == 2207028
    story = call(server, "POST", f"/{USER}/media", media_type="STORIES", image_url=IMAGE,
                 caption="no")  # fmt: skip
    assert error(story)["code"] == 100
    feed_video = call(server, "POST", f"/{USER}/media", media_type="VIDEO", video_url=VIDEO)
    assert "REELS" in error(feed_video)["message"]
    unknown = call(server, "POST", f"/{USER}/media", image_url=IMAGE, link="https://s.t")
    assert "link" in error(unknown)["message"]


@pytest.mark.parametrize("url", ["https://cdn.test/a.png", "https://cdn.test/b.WEBP?x=1"])
def test_an_image_that_is_not_jpeg_is_refused_with_meta_error(
    server: SandboxServer, url: str
) -> None:
    refused = call(server, "POST", f"/{USER}/media", image_url=url)
    assert refused.status_code == 400
    assert (error(refused)["code"], error(refused)["error_subcode"]) == (36001, 2207005)
    item = call(server, "POST", f"/{USER}/media", image_url=url, is_carousel_item="true")
    assert error(item)["error_subcode"] == 2207005
    assert call(server, "POST", f"/{USER}/media", image_url=IMAGE).status_code == 200


def test_caption_limits_are_meta_errors(server: SandboxServer) -> None:
    long = call(server, "POST", f"/{USER}/media", image_url=IMAGE, caption="a" * 2201)
    assert (error(long)["code"], error(long)["error_subcode"]) == (36004, 2207010)
    tags = call(server, "POST", f"/{USER}/media", image_url=IMAGE, caption="#a " * 31)
    assert error(tags)["error_subcode"] == 2207010
    mentions = call(server, "POST", f"/{USER}/media", image_url=IMAGE, caption="@a " * 21)
    assert error(mentions)["error_subcode"] == 2207040


def test_the_quota_is_reported_and_enforced_on_media_publish(server: SandboxServer) -> None:
    control = requests.post(
        f"{server.base_url}/_sandbox/instagram/quota",
        json={"username": "shop_1", "used": 100},
        timeout=5,
    )
    assert control.json() == {"ok": True}
    limit = call(server, "GET", f"/{USER}/content_publishing_limit", fields="quota_usage,config")
    assert limit.json() == {
        "data": [{"quota_usage": 100, "config": {"quota_total": 100, "quota_duration": 86400}}]
    }
    cid = ready(server, image_url=IMAGE)
    refused = call(server, "POST", f"/{USER}/media_publish", creation_id=cid)
    assert (error(refused)["code"], error(refused)["error_subcode"]) == (9, 2207042)


def test_delete_only_on_the_facebook_login_host(server: SandboxServer) -> None:
    media_ids = []
    for host in ("fb", "fb", "ig"):
        cid = ready(server, host, image_url=IMAGE)
        publish = call(server, "POST", f"/{USER}/media_publish", host, creation_id=cid)
        media_ids.append(publish.json()["id"])
    assert error(call(server, "DELETE", f"/{media_ids[2]}", "ig"))["code"] == 100
    limited = sandbox_token("shop_1", scopes=["instagram_basic"])
    assert error(call(server, "DELETE", f"/{media_ids[0]}", access_token=limited))["code"] == 10
    assert call(server, "DELETE", f"/{media_ids[0]}").json() == {"success": True}
    gone = error(call(server, "DELETE", f"/{media_ids[0]}"))
    assert (gone["code"], gone["error_subcode"]) == (100, 33)
    assert len(server.state.posts("instagram")) == 2


def test_stories_are_listed_on_their_own_edge_with_a_stories_permalink(
    server: SandboxServer,
) -> None:
    cid = ready(server, media_type="STORIES", video_url=VIDEO)
    media_id = call(server, "POST", f"/{USER}/media_publish", creation_id=cid).json()["id"]
    stories = call(server, "GET", f"/{USER}/stories", fields="id,permalink").json()["data"]
    assert [s["id"] for s in stories] == [media_id]
    assert f"/instagram-web/stories/shop_1/{media_id}/" in stories[0]["permalink"]
    assert requests.get(stories[0]["permalink"], timeout=5).status_code == 200
    assert call(server, "GET", f"/{USER}/media", fields="id").json()["data"] == []


def test_faults_answer_with_meta_bodies_and_usage_headers(server: SandboxServer) -> None:
    requests.post(
        f"{server.base_url}/_sandbox/faults",
        json={"platform": "instagram", "kind": "rate_limit", "retry_after": 300},
        timeout=5,
    )
    limited = call(server, "GET", f"/{USER}/media")
    assert error(limited)["code"] == 80002
    usage = json.loads(limited.headers["x-business-use-case-usage"])
    assert usage["0"][0]["estimated_time_to_regain_access"] == 5
    requests.post(
        f"{server.base_url}/_sandbox/faults",
        json={"platform": "instagram", "kind": "expired_token"},
        timeout=5,
    )
    expired = error(call(server, "GET", f"/{USER}/media"))
    assert (expired["code"], expired["error_subcode"]) == (190, 463)
