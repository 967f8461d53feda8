"""TikTok's content rules and the ``post_info`` a post becomes (PLATFORMS.md 4.2, 4.4).

Checked before anything is written. What needs the creator (allowed privacy levels, the longest
video they may post, disabled interactions) is only known from creator_info at publish time,
so the client checks that in the worker, before it commits to anything.
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
OPTIONS = frozenset({"privacy", *INTERACTIONS})  # Content.extra keys
MAX_TITLE_UTF16 = 2200


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def caption(content: Content) -> str:
    """The text, and the link on its own line when the text does not carry it already."""
    text = content.text
    if content.link and content.link not in text:
        text = f"{text}\n{content.link}" if text else content.link
    return text


def privacy(content: Content) -> str:
    return str(content.extra.get("privacy") or DEFAULT_PRIVACY)


def post_info(content: Content) -> dict[str, Any]:
    """``post_info`` for video/init; the toggles are off unless the merchant asked."""
    info: dict[str, Any] = {"title": caption(content), "privacy_level": privacy(content)}
    for name in INTERACTIONS:
        info[name] = bool(content.extra.get(name, False))
    return info


def _problem(code: str, message: str, field: str = "options.tiktok") -> RuleViolation:
    return RuleViolation(code, message, field)


def validate(content: Content) -> list[RuleViolation]:
    if content.format:
        return [_problem("unknown_format", "TikTok takes no format option.")]
    if unknown := sorted(set(content.extra) - OPTIONS):
        return [_problem("unknown_option", f"TikTok does not take {', '.join(unknown)}.")]
    if privacy(content) not in PRIVACY:
        return [_problem("invalid_option", f"privacy must be one of {', '.join(PRIVACY)}.")]
    problems: list[RuleViolation] = []
    if [m.type for m in content.media] != ["video"]:
        # Photo posts (PLATFORMS.md 4.3) are not built yet.
        problems.append(_problem("media_count", "TikTok takes exactly one video.", "content.media"))
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
