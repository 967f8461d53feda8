"""How Instagram checks a container request, for the sandbox (PLATFORMS.md 1.3, 1.4).

Written apart from the client's rules on purpose: the sandbox is the second opinion a client
is tested against, so it must not share the client's code (only the documented facts).
Answers are ``(message, code, subcode)`` as Meta would send them; empty: acceptable.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_CAPTION, MAX_HASHTAGS, MAX_MENTIONS = 2200, 30, 20
MIN_CHILDREN, MAX_CHILDREN = 2, 10
# IGUser.json / IGUserForIGOnlyAPI.json: every parameter of POST /{ig-user-id}/media.
CREATE_PARAMS = frozenset(
    {
        "alt_text", "audio_name", "caption", "children", "collaborators", "cover_url",
        "image_url", "is_carousel_item", "location_id", "media_type", "product_tags",
        "share_to_feed", "thumb_offset", "trial_params", "upload_type", "user_tags",
        "video_url",
    }
)  # fmt: skip
MEDIA_TYPES = ("VIDEO", "REELS", "STORIES", "CAROUSEL")  # absent: an image
REELS_ONLY = ("share_to_feed", "cover_url", "thumb_offset", "audio_name")

Problem = tuple[str, int, int | None]
_HASHTAG = re.compile(r"(?<![\w&])#\w+")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9._]+")


def is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


# The sandbox fetches nothing, so it judges an image by its URL's extension; a URL without one
# (a CDN's ?id=) is taken on trust.
NOT_JPEG_EXTENSIONS = (".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".avif")


def is_jpeg_url(value: str) -> bool:
    return not urlsplit(value).path.lower().endswith(NOT_JPEG_EXTENSIONS)


def kind(params: dict[str, str]) -> str:
    """What the container holds: IMAGE, VIDEO, REELS, STORIES or CAROUSEL."""
    return params.get("media_type") or "IMAGE"


def check_create(params: dict[str, str]) -> Problem | None:
    """Why Instagram would refuse this container request; children are checked by the caller."""
    if unknown := sorted(set(params) - CREATE_PARAMS):
        return f"(#100) Param {unknown[0]} is not a valid parameter", 100, None
    media_type = params.get("media_type")
    if media_type is not None and media_type not in MEDIA_TYPES:
        return f"(#100) Param media_type must be one of {{{', '.join(MEDIA_TYPES)}}}", 100, 2207023
    item = params.get("is_carousel_item")
    if item not in (None, "true", "false") or params.get("share_to_feed") not in (
        None, "true", "false",
    ):  # fmt: skip
        return "(#100) Param is_carousel_item and share_to_feed must be booleans", 100, None
    needed = {
        "IMAGE": ("image_url",), "VIDEO": ("video_url",), "REELS": ("video_url",),
        "STORIES": ("image_url", "video_url"), "CAROUSEL": ("children",),
    }[kind(params)]  # fmt: skip
    if sum(1 for name in needed if params.get(name)) != 1:
        return f"(#100) The parameter {' or '.join(needed)} is required", 100, None
    if media_type == "VIDEO" and item != "true":
        return (
            "(#100) The VIDEO media type is no longer supported for feed videos; use REELS",
            100,
            2207023,
        )
    if item == "true" and kind(params) not in ("IMAGE", "VIDEO"):
        return "(#100) Only images and videos can be carousel items", 100, None
    for name in ("image_url", "video_url", "cover_url"):
        if name in params and not is_web_url(params[name]):
            return f"(#100) Param {name} must be a valid http or https URL", 100, None
    if "image_url" in params and not is_jpeg_url(params["image_url"]):
        # Instagram takes JPEG images only (PLATFORMS.md 1.4).
        return "The image format is not supported. Only JPEG images can be used.", 36001, 2207005
    if kind(params) != "REELS" and (extra := [n for n in REELS_ONLY if n in params]):
        return f"(#100) Param {extra[0]} only applies to REELS", 100, None
    return _check_caption(params)


def _check_caption(params: dict[str, str]) -> Problem | None:
    text = params.get("caption")
    if text is None:
        return None
    if params.get("is_carousel_item") == "true" or kind(params) == "STORIES":
        return "(#100) Param caption is not supported for this media", 100, None
    if len(text) > MAX_CAPTION or len(_HASHTAG.findall(text)) > MAX_HASHTAGS:
        return (
            f"The caption is too long or has more than {MAX_HASHTAGS} hashtags",
            36004,
            2207010,
        )
    if len(_MENTION.findall(text)) > MAX_MENTIONS:
        return f"The caption has more than {MAX_MENTIONS} @-mentions", 100, 2207040
    return None


def check_children(ids: list[str]) -> Problem | None:
    if not MIN_CHILDREN <= len(ids) <= MAX_CHILDREN:
        return (
            f"(#100) A carousel takes {MIN_CHILDREN} to {MAX_CHILDREN} children; "
            f"{len(ids)} were given",
            100,
            2207028,
        )
    if len(set(ids)) != len(ids):
        return "(#100) The children must be distinct containers", 100, None
    return None
