"""TikTok's content rules and the ``post_info`` a post becomes (PLATFORMS.md 4.2-4.4).

A post is one video (Direct Post of a video) or 1 to 35 photos (a photo post, 4.3). Checked
before anything is written. What needs the creator (allowed privacy levels, the longest video
they may post, disabled interactions) is only known from creator_info at publish time, so the
client checks that in the worker, before it commits to anything.
"""

from __future__ import annotations

from typing import Any

from publishing.platforms.base import Content, RuleViolation
from publishing.platforms.video_rules import GB, VideoRules

PRIVACY = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")
# TikTok's guidelines forbid silently defaulting to public. Absent a choice we post SELF_ONLY:
# the most private level, the one an unaudited app is forced to anyway (PLATFORMS.md 4.1), and
# the answer's URL is then the creator's profile, since a private video has no public id.
DEFAULT_PRIVACY = "SELF_ONLY"
INTERACTIONS = ("disable_comment", "disable_duet", "disable_stitch")
VIDEO_ONLY = ("disable_duet", "disable_stitch")  # a photo post has neither
OPTIONS = frozenset({"privacy_level", "photo_cover_index", *INTERACTIONS})  # Content.extra keys
MAX_TITLE_UTF16 = 2200  # a video's title is its caption
MIN_PHOTOS, MAX_PHOTOS = 1, 35  # 35 from third-party sources (PLATFORMS.md 4.4)
MAX_PHOTO_TITLE, MAX_PHOTO_DESCRIPTION = 90, 4000


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def caption(content: Content) -> str:
    """The text, and the link on its own line when the text does not carry it already."""
    text = content.text
    if content.link and content.link not in text:
        text = f"{text}\n{content.link}" if text else content.link
    return text


def privacy(content: Content) -> str:
    return str(content.extra.get("privacy_level") or DEFAULT_PRIVACY)


def is_photo_post(content: Content) -> bool:
    return bool(content.media) and all(m.type == "image" for m in content.media)


def post_info(content: Content) -> dict[str, Any]:
    """``post_info`` for video/init; the toggles are off unless the merchant asked."""
    info: dict[str, Any] = {"title": caption(content), "privacy_level": privacy(content)}
    for name in INTERACTIONS:
        info[name] = bool(content.extra.get(name, False))
    return info


def _cut_utf16(text: str, limit: int) -> str:
    while utf16_length(text) > limit:
        text = text[:-1]
    return text


def photo_title(content: Content) -> str:
    """The text's first line, cut to 90 (TikTok's limit for a photo post's title)."""
    first = content.text.strip().split("\n", 1)[0].strip()
    return _cut_utf16(first, MAX_PHOTO_TITLE)


def photo_post_info(content: Content) -> dict[str, Any]:
    """``post_info`` for content/init of a photo post: the caption is the description."""
    return {
        "title": photo_title(content),
        "description": caption(content),
        "privacy_level": privacy(content),
        "disable_comment": bool(content.extra.get("disable_comment", False)),
    }


def cover_index(content: Content) -> int:
    return int(content.extra.get("photo_cover_index") or 0)


def _problem(code: str, message: str, field: str = "options.tiktok") -> RuleViolation:
    return RuleViolation(code, message, field)


def _media_problems(content: Content) -> list[RuleViolation]:
    kinds = [m.type for m in content.media]
    if kinds == ["video"] or (kinds and set(kinds) == {"image"} and len(kinds) <= MAX_PHOTOS):
        return []
    if kinds and set(kinds) == {"image"}:
        message = (
            f"TikTok takes {MIN_PHOTOS} to {MAX_PHOTOS} photos in a photo post; this post has "
            f"{len(kinds)}."
        )
    else:
        message = (
            f"TikTok takes one video, or {MIN_PHOTOS} to {MAX_PHOTOS} photos, and not both "
            "in one post."
        )
    return [_problem("media_count", message, "content.media")]


def _photo_problems(content: Content) -> list[RuleViolation]:
    problems: list[RuleViolation] = []
    if asked := [name for name in VIDEO_ONLY if name in content.extra]:
        problems.append(
            _problem(
                "option_not_for_format",
                f"{' and '.join(asked)} {'apply' if len(asked) > 1 else 'applies'} only to "
                "videos; a TikTok photo post has no duets or stitches.",
            )
        )
    index, count = content.extra.get("photo_cover_index", 0), len(content.media)
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < count:
        problems.append(
            _problem(
                "invalid_option",
                f"photo_cover_index picks the cover among the post's {count} photos: a number "
                f"from 0 to {count - 1}.",
            )
        )
    if (length := utf16_length(caption(content))) > MAX_PHOTO_DESCRIPTION:
        problems.append(
            _problem(
                "text_too_long",
                f"The caption is {length} characters as TikTok counts them (UTF-16); a TikTok "
                f"photo post's description takes at most {MAX_PHOTO_DESCRIPTION}.",
                "content.text",
            )
        )
    return problems


def validate(content: Content) -> list[RuleViolation]:
    if content.format:
        return [_problem("unknown_format", "TikTok takes no format option.")]
    if unknown := sorted(set(content.extra) - OPTIONS):
        return [_problem("unknown_option", f"TikTok does not take {', '.join(unknown)}.")]
    if privacy(content) not in PRIVACY:
        return [_problem("invalid_option", f"privacy_level must be one of {', '.join(PRIVACY)}.")]
    problems = _media_problems(content)
    if problems:
        return problems
    if is_photo_post(content):
        return _photo_problems(content)
    if "photo_cover_index" in content.extra:
        problems.append(
            _problem("option_not_for_format", "photo_cover_index applies only to photo posts.")
        )
    if (length := utf16_length(caption(content))) > MAX_TITLE_UTF16:
        problems.append(
            _problem(
                "text_too_long",
                f"The caption is {length} characters as TikTok counts them (UTF-16); TikTok "
                f"takes at most {MAX_TITLE_UTF16}.",
                "content.text",
            )
        )
    return problems


# --- The video file (PLATFORMS.md 4.4), checked once the video is probed ------------------
# The creator's own maximum (3, 5 or 10 min) is only known from creator_info; the client
# checks that in the worker. 10 minutes is the most the API takes from anyone.
VIDEO = VideoRules(
    name="TikTok videos",
    max_seconds=10 * 60,
    max_bytes=4 * GB,
    min_side=360,
    max_side=4096,
    video_codecs=("h264", "hevc", "vp8", "vp9"),
    containers=("mp4", "webm", "mov"),
)


def video_rules(content: Content) -> VideoRules | None:
    return VIDEO
