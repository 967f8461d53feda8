"""The TikTok sandbox's PULL_FROM_URL over real HTTP: photo posts and pulled videos are taken
only from verified URL prefixes, and their publish completes after a download."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from publishing.sandbox._state import DEFAULT_MEDIA_RELAY_PREFIX
from publishing.sandbox.core import SandboxServer, serve_in_thread
from publishing.sandbox.tiktok import sandbox_token

CDN = "https://cdn.shop.test/img/"
INFO = {"title": "Dress", "description": "New in", "privacy_level": "SELF_ONLY"}


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    server, _ = serve_in_thread()
    try:
        yield server
    finally:
        server.stop()


def call(server: SandboxServer, path: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(
        f"{server.base_url}/tiktok{path}",
        json=body,
        headers={"Authorization": f"Bearer {sandbox_token('shop')}"},
        timeout=5,
    )


def photos(*urls: str, cover: int = 0) -> dict[str, Any]:
    return {
        "media_type": "PHOTO", "post_mode": "DIRECT_POST", "post_info": INFO,
        "source_info": {"source": "PULL_FROM_URL", "photo_cover_index": cover,
                        "photo_images": list(urls)},
    }  # fmt: skip


def prefixes(server: SandboxServer, *values: str) -> requests.Response:
    url = f"{server.base_url}/_sandbox/tiktok/verified-prefixes"
    return requests.put(url, json={"prefixes": list(values)}, timeout=5)


def statuses(server: SandboxServer, publish_id: str) -> list[dict[str, Any]]:
    return [
        call(server, "/v2/post/publish/status/fetch/", {"publish_id": publish_id}).json()["data"]
        for _ in range(2)
    ]


def test_verified_prefixes_default_to_the_relay_and_can_be_set(server: SandboxServer) -> None:
    url = f"{server.base_url}/_sandbox/tiktok/verified-prefixes"
    assert requests.get(url, timeout=5).json() == {"prefixes": [DEFAULT_MEDIA_RELAY_PREFIX]}
    assert prefixes(server, CDN).status_code == 200
    assert requests.get(url, timeout=5).json() == {"prefixes": [CDN]}
    assert requests.put(url, json={"prefixes": "x"}, timeout=5).status_code == 400


def test_a_photo_post_from_a_verified_prefix_is_published(server: SandboxServer) -> None:
    prefixes(server, CDN)
    answer = call(server, "/v2/post/publish/content/init/", photos(f"{CDN}a.jpg", f"{CDN}b.webp"))
    assert answer.json()["error"]["code"] == "ok"
    first, second = statuses(server, answer.json()["data"]["publish_id"])
    assert (first["status"], second["status"]) == ("PROCESSING_DOWNLOAD", "PUBLISH_COMPLETE")
    [post] = server.state.posts("tiktok")
    assert post["media_type"] == "PHOTO" and post["pulled"] == [f"{CDN}a.jpg", f"{CDN}b.webp"]


def test_an_unverified_prefix_is_refused(server: SandboxServer) -> None:
    prefixes(server, CDN)
    refused = call(
        server, "/v2/post/publish/content/init/", photos(f"{CDN}a.jpg", "https://x.test/b.jpg")
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "url_ownership_unverified"
    video = {
        "post_info": {"title": "t", "privacy_level": "SELF_ONLY"},
        "source_info": {"source": "PULL_FROM_URL", "video_url": "https://x.test/v.mp4"},
    }
    assert call(server, "/v2/post/publish/video/init/", video).status_code == 403


def test_a_png_photo_fails_its_format_check(server: SandboxServer) -> None:
    prefixes(server, CDN)
    answer = call(server, "/v2/post/publish/content/init/", photos(f"{CDN}a.png"))
    _, final = statuses(server, answer.json()["data"]["publish_id"])
    assert (final["status"], final["fail_reason"]) == ("FAILED", "file_format_check_failed")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (photos(*[f"{CDN}{i}.jpg" for i in range(36)]), "1 to 35"),
        (photos(f"{CDN}a.jpg", cover=1), "photo_cover_index"),
        ({**photos(f"{CDN}a.jpg"), "post_info": {**INFO, "title": "a" * 91}}, "title"),
        ({**photos(f"{CDN}a.jpg"), "media_type": "VIDEO"}, "PHOTO"),
    ],
)
def test_a_bad_photo_init_is_invalid_params(
    server: SandboxServer, body: dict[str, Any], message: str
) -> None:
    prefixes(server, CDN)
    answer = call(server, "/v2/post/publish/content/init/", body)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_params"
    assert message in answer.json()["error"]["message"]
