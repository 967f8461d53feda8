"""How Threads checks a container request, for the sandbox (PLATFORMS.md 5.2, 5.3).

Written apart from the client's rules on purpose: the sandbox is the second opinion a client
is tested against, so it must not share the client's code (only the documented facts).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_TEXT_LENGTH = 500
MAX_LINKS = 5
MIN_CHILDREN, MAX_CHILDREN = 2, 20
MEDIA_TYPES = ("TEXT", "IMAGE", "VIDEO", "CAROUSEL")
# Every parameter the official Postman collection shows for POST /{user}/threads.
CREATE_PARAMS = frozenset(
    {
        "media_type", "text", "image_url", "video_url", "is_carousel_item", "children",
        "link_attachment", "alt_text", "reply_control", "reply_to_id", "quote_post_id",
        "topic_tag", "location_id", "auto_publish_text", "poll_attachment", "text_entities",
        "text_attachment", "gif_attachment", "is_spoiler_media", "is_ghost_post",
    }
)  # fmt: skip
REPLY_CONTROLS = (
    "everyone", "accounts_you_follow", "mentioned_only", "parent_post_author_only",
    "followers_only",
)  # fmt: skip

_URL_RE = re.compile(r"https?://[^\s<>\"']+")
# Code points Threads treats as emoji (pictographs, dingbats, flags, skin tones, and the
# joiners and selectors inside emoji sequences): each counts its UTF-8 bytes.
_EMOJI_RANGES = (
    (0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x200D, 0x200D), (0x203C, 0x203C),
    (0x2049, 0x2049), (0x20E3, 0x20E3), (0x2122, 0x2122), (0x2139, 0x2139),
    (0x2194, 0x21AA), (0x2300, 0x23FF), (0x24C2, 0x24C2), (0x25A0, 0x25FF),
    (0x2600, 0x27BF), (0x2934, 0x2935), (0x2B00, 0x2BFF), (0x3030, 0x3030),
    (0x303D, 0x303D), (0x3297, 0x3299), (0xFE0F, 0xFE0F), (0x1F000, 0x1FAFF),
    (0xE0020, 0xE007F),
)  # fmt: skip


def _is_emoji(char: str) -> bool:
    point = ord(char)
    return any(low <= point <= high for low, high in _EMOJI_RANGES)


def text_length(text: str) -> int:
    """Characters as Threads counts them: an emoji code point counts its UTF-8 bytes."""
    return sum(len(char.encode("utf-8")) if _is_emoji(char) else 1 for char in text)


def is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def check_create(params: dict[str, str]) -> list[str]:
    """Why Threads would refuse this container request (empty: it is acceptable).

    Children are checked by the caller, which knows the containers.
    """
    if unknown := sorted(set(params) - CREATE_PARAMS):
        return [f"(#100) Param {name} is not a valid parameter" for name in unknown]
    media_type = params.get("media_type", "")
    if media_type not in MEDIA_TYPES:
        return [f"(#100) Param media_type must be one of {{{', '.join(MEDIA_TYPES)}}}"]
    errors: list[str] = []
    text = params.get("text", "")
    needed = {"IMAGE": "image_url", "VIDEO": "video_url", "CAROUSEL": "children"}.get(media_type)
    if needed and not params.get(needed):
        errors.append(f"(#100) The parameter {needed} is required for media_type {media_type}")
    for name in ("image_url", "video_url"):
        if name in params and not is_web_url(params[name]):
            errors.append(f"(#100) Param {name} must be a valid http or https URL")
    if media_type == "TEXT" and not text and not params.get("link_attachment"):
        errors.append("(#100) The parameter text is required for a text post")
    if "link_attachment" in params and media_type != "TEXT":
        errors.append("(#100) link_attachment is only available for TEXT posts")
    if "link_attachment" in params and not is_web_url(params["link_attachment"]):
        errors.append("(#100) Param link_attachment must be a valid URL")
    if params.get("is_carousel_item") not in (None, "true", "false"):
        errors.append("(#100) Param is_carousel_item must be a boolean")
    if params.get("is_carousel_item") == "true" and media_type not in ("IMAGE", "VIDEO"):
        errors.append("(#100) Only IMAGE and VIDEO containers can be carousel items")
    if params.get("is_carousel_item") == "true" and text:
        errors.append("(#100) Carousel items take no text; put it on the carousel")
    if "reply_control" in params and params["reply_control"] not in REPLY_CONTROLS:
        errors.append(f"(#100) Param reply_control must be one of {{{', '.join(REPLY_CONTROLS)}}}")
    if (length := text_length(text)) > MAX_TEXT_LENGTH:
        errors.append(
            f"(#100) The text is {length} characters long; the maximum is {MAX_TEXT_LENGTH}"
        )
    return errors


def link_count(params: dict[str, str]) -> int:
    links = set(_URL_RE.findall(params.get("text", "")))
    if params.get("link_attachment"):
        links.add(params["link_attachment"])
    return len(links)


def check_children(ids: list[str]) -> str | None:
    if not MIN_CHILDREN <= len(ids) <= MAX_CHILDREN:
        return (
            f"(#100) A carousel takes {MIN_CHILDREN} to {MAX_CHILDREN} children; "
            f"{len(ids)} were given"
        )
    if len(set(ids)) != len(ids):
        return "(#100) The children must be distinct containers"
    return None
