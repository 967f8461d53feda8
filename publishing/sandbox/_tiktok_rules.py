"""What the TikTok sandbox checks in video/init, content/init and chunk uploads (PLATFORMS.md
4.2-4.4).

The Media Transfer Guide's chunk rules, checked on the wire so a client bug shows up as the
``invalid_params`` TikTok would answer rather than as a video that looks fine.
"""

from __future__ import annotations

from typing import Any

MIB = 1024 * 1024
MIN_CHUNK, MAX_CHUNK, MAX_LAST_CHUNK = 5 * MIB, 64 * MIB, 128 * MIB
PRIVACY = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")
POST_INFO_FIELDS = frozenset(
    {"title", "privacy_level", "disable_duet", "disable_comment", "disable_stitch",
     "video_cover_timestamp_ms", "brand_content_toggle", "brand_organic_toggle", "is_aigc"}
)  # fmt: skip


def init_problem(body: Any, allowed_privacy: list[str]) -> tuple[str, str] | None:
    """``(code, message)`` for the first problem in a video/init body, or None."""
    if not isinstance(body, dict) or set(body) - {"post_info", "source_info"}:
        return "invalid_params", "The body must hold post_info and source_info."
    info, source = body.get("post_info") or {}, body.get("source_info") or {}
    if not isinstance(info, dict) or set(info) - POST_INFO_FIELDS:
        return "invalid_params", "post_info names unknown fields."
    title = info.get("title", "")
    if not isinstance(title, str) or len(title.encode("utf-16-le")) // 2 > 2200:
        return "invalid_params", "title must be at most 2200 UTF-16 units."
    if info.get("privacy_level") not in PRIVACY:
        return "invalid_params", "privacy_level is required."
    if info["privacy_level"] not in allowed_privacy:
        return "privacy_level_option_mismatch", "privacy_level is not in privacy_level_options."
    if not isinstance(source, dict) or source.get("source") not in ("FILE_UPLOAD", "PULL_FROM_URL"):
        return "invalid_params", "source must be FILE_UPLOAD or PULL_FROM_URL."
    if source["source"] == "PULL_FROM_URL":
        if set(source) != {"source", "video_url"} or not is_web_url(source.get("video_url")):
            return "invalid_params", "PULL_FROM_URL takes a video_url."
        return None
    return chunk_plan_problem(source)


PHOTO_POST_INFO_FIELDS = frozenset(
    {"title", "description", "privacy_level", "disable_comment", "auto_add_music",
     "brand_content_toggle", "brand_organic_toggle"}
)  # fmt: skip
MAX_PHOTOS, MAX_PHOTO_TITLE, MAX_PHOTO_DESCRIPTION = 35, 90, 4000


def is_web_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def photo_init_problem(body: Any, allowed_privacy: list[str]) -> tuple[str, str] | None:
    """``(code, message)`` for the first problem in a content/init body, or None."""
    known = {"media_type", "post_mode", "post_info", "source_info"}
    if not isinstance(body, dict) or set(body) - known:
        return "invalid_params", "The body takes media_type, post_mode, post_info, source_info."
    if body.get("media_type") != "PHOTO":
        return "invalid_params", "media_type must be PHOTO."
    if body.get("post_mode") not in ("DIRECT_POST", "MEDIA_UPLOAD"):
        return "invalid_params", "post_mode must be DIRECT_POST or MEDIA_UPLOAD."
    info, source = body.get("post_info") or {}, body.get("source_info") or {}
    if not isinstance(info, dict) or set(info) - PHOTO_POST_INFO_FIELDS:
        return "invalid_params", "post_info names unknown fields."
    title, description = info.get("title", ""), info.get("description", "")
    if not isinstance(title, str) or utf16(title) > MAX_PHOTO_TITLE:
        return "invalid_params", f"title must be at most {MAX_PHOTO_TITLE} characters."
    if not isinstance(description, str) or utf16(description) > MAX_PHOTO_DESCRIPTION:
        return "invalid_params", f"description must be at most {MAX_PHOTO_DESCRIPTION} characters."
    if body["post_mode"] == "DIRECT_POST":
        if info.get("privacy_level") not in PRIVACY:
            return "invalid_params", "privacy_level is required."
        if info["privacy_level"] not in allowed_privacy:
            return "privacy_level_option_mismatch", "privacy_level is not in privacy_level_options."
    if not isinstance(source, dict) or source.get("source") != "PULL_FROM_URL":
        return "invalid_params", "Photos are only taken with source PULL_FROM_URL."
    images = source.get("photo_images")
    if not isinstance(images, list) or not 1 <= len(images) <= MAX_PHOTOS:
        return "invalid_params", f"photo_images must hold 1 to {MAX_PHOTOS} URLs."
    if not all(is_web_url(url) for url in images):
        return "invalid_params", "photo_images must be http(s) URLs."
    cover = source.get("photo_cover_index", 0)
    if not isinstance(cover, int) or isinstance(cover, bool) or not 0 <= cover < len(images):
        return "invalid_params", "photo_cover_index must point at one of photo_images."
    return None


def chunk_plan_problem(source: dict[str, Any]) -> tuple[str, str] | None:
    size, chunk, count = (source.get(k) for k in ("video_size", "chunk_size", "total_chunk_count"))
    if not all(isinstance(v, int) and v > 0 for v in (size, chunk, count)):
        return "invalid_params", "video_size, chunk_size and total_chunk_count are required."
    assert isinstance(size, int) and isinstance(chunk, int) and isinstance(count, int)
    if size < MIN_CHUNK:
        ok = chunk == size and count == 1
    else:
        last = size - (count - 1) * chunk
        ok = MIN_CHUNK <= chunk <= MAX_CHUNK and count == size // chunk and last <= MAX_LAST_CHUNK
        ok = ok and 1 <= count <= 1000
    return None if ok else ("invalid_params", "The chunk plan breaks the Media Transfer Guide.")


def expected_range(publish: dict[str, Any], first: int) -> tuple[int, int] | None:
    """The range of the chunk starting at ``first``, or None when no chunk starts there."""
    size, chunk, count = publish["total"], publish["chunk_size"], publish["chunk_count"]
    if first % chunk or first // chunk >= count:
        return None
    index = first // chunk
    return first, (size if index == count - 1 else first + chunk) - 1
