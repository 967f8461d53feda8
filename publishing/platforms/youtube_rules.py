"""YouTube's content rules and the video resource a post becomes (PLATFORMS.md 6.3).

Kept apart from the client, as ``instagram_rules.py`` is: the publish API checks these rules
through the client before anything is written, and the client builds the same metadata.

A Short's duration (≤ 3 minutes) and shape (vertical or square) need the video probed:
``SHORT`` below holds them, checked at request time where the probe is cheap and in the worker
before the upload otherwise (publishing.services.media_checks).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from publishing.platforms.base import Content, RuleViolation
from publishing.platforms.video_rules import GB, VideoRules

FORMATS = ("video", "short")
PRIVACY = ("public", "unlisted", "private")
OPTIONS = frozenset({"title", "tags", "privacy", "made_for_kids"})  # Content.extra keys
MAX_TITLE_CHARS = 100
MAX_DESCRIPTION_BYTES = 5000
MAX_TAGS_CHARS = 500
# PLATFORMS.md 6.3: "#Shorts in title/description is an optional hint". Added to a Short's
# description (not its title, which is the merchant's) unless the text already has it.
SHORTS_HINT = "#Shorts"


def post_format(content: Content) -> str:
    return content.format or "video"


def title(content: Content) -> str:
    """The title asked for, or the text's first non-empty line cut to 100 characters."""
    explicit = content.extra.get("title")
    if isinstance(explicit, str) and explicit.strip():
        return explicit.strip()
    for line in content.text.splitlines():
        if line.strip():
            return line.strip()[:MAX_TITLE_CHARS]
    return ""


def description(content: Content) -> str:
    """The text, the link on its own line (YouTube makes it clickable), and for a Short the
    #Shorts hint."""
    text = content.text
    if content.link and content.link not in text:
        text = f"{text}\n{content.link}" if text else content.link
    if post_format(content) == "short" and SHORTS_HINT.lower() not in text.lower():
        text = f"{text}\n\n{SHORTS_HINT}" if text else SHORTS_HINT
    return text


def tags(content: Content) -> list[str]:
    value = content.extra.get("tags") or []
    return [str(tag) for tag in value]


def tags_length(values: list[str]) -> int:
    """Tags as YouTube counts them: joined by commas, a tag with a space in quotes."""
    return sum(len(t) + (2 if " " in t else 0) for t in values) + max(len(values) - 1, 0)


def video_resource(content: Content) -> dict[str, Any]:
    """The ``Video`` JSON for videos.insert (``part=snippet,status``)."""
    snippet: dict[str, Any] = {"title": title(content), "description": description(content)}
    if values := tags(content):
        snippet["tags"] = values
    return {
        "snippet": snippet,
        "status": {
            "privacyStatus": content.extra.get("privacy") or "public",
            "selfDeclaredMadeForKids": bool(content.extra.get("made_for_kids", False)),
        },
    }


def _problem(code: str, message: str, field: str = "options.youtube") -> RuleViolation:
    return RuleViolation(code, message, field)


def _media_problems(content: Content) -> list[RuleViolation]:
    if [m.type for m in content.media] != ["video"]:
        return [_problem("media_count", "YouTube takes exactly one video.", "content.media")]
    return []


def _metadata_problems(content: Content) -> list[RuleViolation]:
    problems: list[RuleViolation] = []
    name, text = title(content), description(content)
    if not name:
        problems.append(
            _problem(
                "missing_title", "YouTube needs a title: send a text or options.youtube.title."
            )
        )
    elif len(name) > MAX_TITLE_CHARS:
        problems.append(
            _problem(
                "title_too_long",
                f"The title is {len(name)} characters; YouTube takes at most {MAX_TITLE_CHARS}.",
            )
        )
    if (size := len(text.encode())) > MAX_DESCRIPTION_BYTES:
        problems.append(
            _problem(
                "text_too_long",
                f"The description is {size} bytes; YouTube takes at most {MAX_DESCRIPTION_BYTES}.",
                "content.text",
            )
        )
    if any(c in name + text for c in "<>"):
        problems.append(
            _problem(
                "invalid_characters",
                "YouTube titles and descriptions may not contain < or >.",
                "content.text",
            )
        )
    if (length := tags_length(tags(content))) > MAX_TAGS_CHARS:
        problems.append(
            _problem(
                "tags_too_long",
                f"The tags add up to {length} characters; YouTube takes at most {MAX_TAGS_CHARS}.",
            )
        )
    return problems


def validate(content: Content) -> list[RuleViolation]:
    fmt = post_format(content)
    if fmt not in FORMATS:
        return [_problem("unknown_format", f"YouTube's formats are video and short, not {fmt!r}.")]
    if unknown := sorted(set(content.extra) - OPTIONS):
        return [_problem("unknown_option", f"YouTube does not take {', '.join(unknown)}.")]
    if content.extra.get("privacy", "public") not in PRIVACY:
        return [_problem("invalid_option", "privacy must be public, unlisted or private.")]
    return _media_problems(content) + _metadata_problems(content)


# --- The video file (PLATFORMS.md 6.3), checked once the video is probed ------------------
# 256 GB per file; YouTube Help adds 12 hours, whichever comes first.
VIDEO = VideoRules(name="YouTube videos", max_seconds=12 * 3600, max_bytes=256 * GB)
# YouTube has no Shorts field: it makes a Short of a vertical or square video of at most
# 3 minutes. A "short" that is neither would quietly become an ordinary video, so refuse it.
SHORT = replace(
    VIDEO, name="YouTube Shorts", max_seconds=3 * 60, max_aspect=1.0,
    aspect_rule="must be vertical or square",
)  # fmt: skip


def video_rules(content: Content) -> VideoRules | None:
    return SHORT if post_format(content) == "short" else VIDEO
