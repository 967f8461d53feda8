"""The request shapes TikTok's Content Posting API documents (PLATFORMS.md 4.2, 4.3), written
once.

TikTok publishes no machine-readable spec, so these are the shared facts' shapes; every TikTok
request a test sees is checked against them with :func:`assert_valid_tiktok_request`.
"""

from __future__ import annotations

import json
import re
from typing import Any

PRIVACY = {"PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"}
POST_INFO = {
    "title": str, "privacy_level": str, "disable_duet": bool, "disable_comment": bool,
    "disable_stitch": bool, "video_cover_timestamp_ms": int, "brand_content_toggle": bool,
    "brand_organic_toggle": bool, "is_aigc": bool,
}  # fmt: skip
FILE_UPLOAD = {"source": str, "video_size": int, "chunk_size": int, "total_chunk_count": int}
PULL_VIDEO: dict[str, type] = {"source": str, "video_url": str}
PHOTO_POST_INFO = {
    "title": str, "description": str, "privacy_level": str, "disable_comment": bool,
    "auto_add_music": bool, "brand_content_toggle": bool, "brand_organic_toggle": bool,
}  # fmt: skip
PULL_PHOTOS = {"source": str, "photo_cover_index": int, "photo_images": list}
MIB = 1024 * 1024
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
JSON_ENDPOINTS = {
    "/v2/post/publish/creator_info/query/": set(),
    "/v2/post/publish/video/init/": {"post_info", "source_info"},
    "/v2/post/publish/content/init/": {"media_type", "post_mode", "post_info", "source_info"},
    "/v2/post/publish/status/fetch/": {"publish_id"},
}


def _typed(values: dict[str, Any], shape: dict[str, type]) -> None:
    assert set(values) <= set(shape), f"unknown fields {set(values) - set(shape)}"
    for key, value in values.items():
        assert isinstance(value, shape[key]), f"{key} must be {shape[key].__name__}"


def _check_init(body: dict[str, Any]) -> None:
    info, source = body["post_info"], body["source_info"]
    _typed(info, POST_INFO)
    assert info["privacy_level"] in PRIVACY
    assert len(info["title"].encode("utf-16-le")) // 2 <= 2200
    if source["source"] == "PULL_FROM_URL":
        _typed(source, PULL_VIDEO)
        assert set(source) == set(PULL_VIDEO)
        return
    assert source["source"] == "FILE_UPLOAD"
    _typed(source, FILE_UPLOAD)
    size, chunk, count = source["video_size"], source["chunk_size"], source["total_chunk_count"]
    if size < 5 * MIB:
        assert (chunk, count) == (size, 1), "a file under 5 MB is one chunk"
    else:
        assert 5 * MIB <= chunk <= 64 * MIB and 1 <= count <= 1000
        assert count == size // chunk
        assert size - (count - 1) * chunk <= 128 * MIB


def _check_photo_init(body: dict[str, Any]) -> None:
    assert body["media_type"] == "PHOTO" and body["post_mode"] in ("DIRECT_POST", "MEDIA_UPLOAD")
    info, source = body["post_info"], body["source_info"]
    _typed(info, PHOTO_POST_INFO)
    assert info["privacy_level"] in PRIVACY
    assert len(info["title"].encode("utf-16-le")) // 2 <= 90
    assert len(info["description"].encode("utf-16-le")) // 2 <= 4000
    _typed(source, PULL_PHOTOS)
    assert source["source"] == "PULL_FROM_URL" and set(source) == set(PULL_PHOTOS)
    assert 1 <= len(source["photo_images"]) <= 35
    assert all(isinstance(url, str) and url.startswith("http") for url in source["photo_images"])
    assert 0 <= source["photo_cover_index"] < len(source["photo_images"])


def assert_valid_tiktok_request(
    method: str, path: str, headers: dict[str, str], body: bytes | str | None
) -> None:
    """One request to the API host (JSON) or to an upload URL (a chunk PUT)."""
    lower = {k.lower(): v for k, v in headers.items()}
    if method == "PUT":
        assert lower["content-type"] in {"video/mp4", "video/quicktime", "video/webm"}
        found = _RANGE.fullmatch(lower["content-range"])
        assert found, lower["content-range"]
        first, last = int(found.group(1)), int(found.group(2))
        assert last < int(found.group(3))
        assert body is not None and len(body) == last - first + 1
        return
    assert method == "POST" and path in JSON_ENDPOINTS, (method, path)
    assert lower["authorization"].startswith("Bearer ")
    assert lower["content-type"] == "application/json; charset=UTF-8"
    payload = json.loads(body or b"{}")
    assert set(payload) == JSON_ENDPOINTS[path], payload
    if path.endswith("/video/init/"):
        _check_init(payload)
    if path.endswith("/content/init/"):
        _check_photo_init(payload)
    if path.endswith("/status/fetch/"):
        assert isinstance(payload["publish_id"], str)
