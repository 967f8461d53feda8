"""Facebook Page content rules: formats, media per format, the message limit.

Kept apart from the client (as ``instagram_rules.py`` is) so the rules read on their own: the
publish API checks them through the client before anything is written.
"""

from __future__ import annotations

from publishing.platforms.base import Content, RuleViolation
from publishing.platforms.video_rules import GB, VideoRules

FORMATS = ("post", "reel")
# Meta documents no message limit for Page posts; 63,206 characters is the figure commonly
# cited (PLATFORMS.md 2.3, [UNVERIFIED]). Checked here so a too-long post fails before it is
# sent rather than with whatever error Meta gives.
MAX_MESSAGE_LENGTH = 63206
# Meta documents no maximum for ``attached_media``; 10 is a conservative cap [UNVERIFIED]:
# each photo is one unpublished upload, and a post of more is rare in a store's feed.
MAX_PHOTOS = 10
MEDIA_KINDS = ("image", "video")
REELS_PER_DAY = 30  # API-published Reels per Page per moving 24 h (Reels Publishing guide)

# What a post becomes on the Page: the flow the client follows.
TEXT, PHOTO, PHOTOS, VIDEO, REEL = "text", "photo", "photos", "video", "reel"


def post_format(content: Content) -> str:
    """The format asked for, or ``post``: a Reel is never inferred, since a single video to a
    Page is a video post (the README's rule), which the merchant may not want as a Reel."""
    return content.format or "post"


def post_kind(content: Content) -> str:
    """Which of the Page's flows publishes this content."""
    if post_format(content) == "reel":
        return REEL
    kinds = [m.type for m in content.media]
    if not kinds:
        return TEXT
    if kinds == ["video"]:
        return VIDEO
    return PHOTO if len(kinds) == 1 else PHOTOS


def message(content: Content) -> str:
    """The text Facebook receives.

    A text post carries the contract's ``link`` in its own ``link`` field (Facebook shows it as
    a preview card). Photos and videos have no link field (Page.json), so there the link goes
    on its own line in the text, where Facebook makes it clickable.
    """
    text = content.text
    if post_kind(content) == TEXT or not content.link or content.link in text:
        return text
    return f"{text}\n{content.link}" if text else content.link


def _media_problems(content: Content, fmt: str) -> list[RuleViolation]:
    kinds = [m.type for m in content.media]
    if unknown := sorted(set(kinds) - set(MEDIA_KINDS)):
        return [
            RuleViolation(
                "unsupported_media",
                f"Facebook takes images and videos, not {', '.join(unknown)}.",
                "content.media",
            )
        ]
    text = ""
    if fmt == "reel" and kinds != ["video"]:
        text = "A Facebook Reel is exactly one video."
    elif "video" in kinds and len(kinds) > 1:
        text = "A Facebook post takes one video alone, or images only."
    elif len(kinds) > MAX_PHOTOS:
        text = f"A Facebook post takes at most {MAX_PHOTOS} images; this one has {len(kinds)}."
    return [RuleViolation("media_count", text, "content.media")] if text else []


def validate(content: Content) -> list[RuleViolation]:
    """Facebook's rules for this content (PLATFORMS.md 2.2, 2.3)."""
    fmt = post_format(content)
    if fmt not in FORMATS:
        return [
            RuleViolation(
                "unknown_format",
                f"Facebook's formats are {', '.join(FORMATS)}, not {fmt!r}.",
                "options.facebook.format",
            )
        ]
    problems = _media_problems(content, fmt)
    if content.extra:
        problems.append(
            RuleViolation(
                "unknown_option",
                f"Facebook takes no options but format and text, not "
                f"{', '.join(sorted(content.extra))}.",
                "options.facebook",
            )
        )
    text = message(content)
    if not content.media and not text.strip() and not content.link:
        problems.append(
            RuleViolation("empty", "A Facebook post needs text, a link or media.", "content.text")
        )
    # Characters as Python counts them (code points); Meta states no unit.
    if len(text) > MAX_MESSAGE_LENGTH:
        problems.append(
            RuleViolation(
                "text_too_long",
                f"The text is {len(text)} characters; Facebook takes at most "
                f"{MAX_MESSAGE_LENGTH} (the commonly cited limit).",
                "content.text",
            )
        )
    return problems


# --- Video files, checked once the video is probed ----------------------------------------
# Not in PLATFORMS.md: Meta's Help Center gives Page videos up to 240 minutes and 10 GB, and
# the Reels Publishing guide 3 to 90 seconds, at least 540x960 [UNVERIFIED].

PAGE_VIDEO = VideoRules(name="Facebook videos", max_seconds=240 * 60, max_bytes=10 * GB)
REEL_VIDEO = VideoRules(name="Facebook Reels", min_seconds=3, max_seconds=90, min_side=540)


def video_rules(content: Content) -> VideoRules | None:
    """The rules the video of this content must meet."""
    return {VIDEO: PAGE_VIDEO, REEL: REEL_VIDEO}.get(post_kind(content))
