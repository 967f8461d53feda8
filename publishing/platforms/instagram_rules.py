"""Instagram's content rules: formats, media per format, caption limits, options.

Kept apart from the client (as ``x_text.py`` is for X) so the rules read on their own: the publish
API checks them through the client before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import replace

from publishing.platforms.base import Content, RuleViolation
from publishing.platforms.video_rules import MB, VideoRules

FORMATS = ("feed", "reel", "story")
OPTIONS = frozenset({"cover_url", "share_to_feed"})  # Content.extra keys Instagram takes
MAX_CAPTION_LENGTH, MAX_HASHTAGS, MAX_MENTIONS = 2200, 30, 20
MIN_CAROUSEL_ITEMS, MAX_CAROUSEL_ITEMS = 2, 10
MEDIA_KINDS = ("image", "video")
FACEBOOK_LOGIN, INSTAGRAM_LOGIN = "facebook", "instagram"

# A hashtag or mention starts a word: "shop@mail.test" mentions nobody.
_HASHTAG_RE = re.compile(r"(?<![\w&])#\w+")
_MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z0-9._]+")


# --- Format and caption ---------------------------------------------------------------


def post_format(content: Content) -> str:
    """The format asked for, or the one inferred when none was: one video alone is a Reel,
    anything else with media is a Feed post (a carousel when there are several). A Story is
    never inferred: it disappears after a day, which a merchant must choose."""
    if content.format:
        return content.format
    if len(content.media) == 1 and content.media[0].type == "video":
        return "reel"
    return "feed"


def caption(content: Content) -> str:
    """The caption Instagram receives; a Story has none.

    Instagram makes no link in a caption clickable, and a container has no link field
    (PLATFORMS.md 1.3), so the contract's ``link`` goes on its own line as text: the product
    page is the point of the post, and a URL the shopper can copy beats one that is dropped.
    A Story takes no caption at all, so its text and link are left out rather than refused:
    one request carries one text for every platform, and the other platforms still use it.
    """
    if post_format(content) == "story":
        return ""
    text = content.text
    if content.link and content.link not in text:
        text = f"{text}\n{content.link}" if text else content.link
    return text


def _extra_problems(content: Content, fmt: str) -> list[RuleViolation]:
    problems: list[RuleViolation] = []
    if unknown := sorted(set(content.extra) - OPTIONS):
        problems.append(
            RuleViolation(
                "unknown_option",
                f"Instagram takes the options {', '.join(sorted(OPTIONS))}, not "
                f"{', '.join(unknown)}.",
                "options.instagram",
            )
        )
    if content.extra and fmt != "reel" and set(content.extra) & OPTIONS:
        problems.append(
            RuleViolation(
                "option_not_for_format",
                "cover_url and share_to_feed only apply to Reels.",
                "options.instagram",
            )
        )
    cover = content.extra.get("cover_url")
    if cover is not None and not (
        isinstance(cover, str) and cover.startswith(("http://", "https://"))
    ):
        problems.append(
            RuleViolation(
                "invalid_option", "cover_url must be an image's http(s) URL.", "options.instagram"
            )
        )
    share = content.extra.get("share_to_feed")
    if share is not None and not isinstance(share, bool):
        problems.append(
            RuleViolation(
                "invalid_option", "share_to_feed must be true or false.", "options.instagram"
            )
        )
    return problems


def _media_problems(content: Content, fmt: str) -> list[RuleViolation]:
    kinds = [m.type for m in content.media]
    if unknown := sorted(set(kinds) - set(MEDIA_KINDS)):
        return [
            RuleViolation(
                "unsupported_media",
                f"Instagram takes images and videos, not {', '.join(unknown)}.",
                "content.media",
            )
        ]
    message = ""
    if not kinds:
        message = "Instagram needs at least one image or video."
    elif fmt == "reel" and kinds != ["video"]:
        message = "A Reel is exactly one video."
    elif fmt == "story" and len(kinds) != 1:
        message = "A Story is exactly one image or video."
    elif fmt == "feed" and len(kinds) > MAX_CAROUSEL_ITEMS:
        message = (
            f"An Instagram carousel takes at most {MAX_CAROUSEL_ITEMS} images and videos; this "
            f"post has {len(kinds)}."
        )
    return [RuleViolation("media_count", message, "content.media")] if message else []


def _caption_problems(text: str, *, with_link: bool) -> list[RuleViolation]:
    problems: list[RuleViolation] = []
    # Characters as Python counts them (code points): Meta documents "2,200 characters"
    # without saying how it counts emoji, and a code point never undercounts a character.
    if len(text) > MAX_CAPTION_LENGTH:
        which = " (with the link)" if with_link else ""
        problems.append(
            RuleViolation(
                "text_too_long",
                f"The caption{which} is {len(text)} characters; Instagram takes at most "
                f"{MAX_CAPTION_LENGTH}.",
                "content.text",
            )
        )
    if (tags := len(_HASHTAG_RE.findall(text))) > MAX_HASHTAGS:
        problems.append(
            RuleViolation(
                "too_many_hashtags",
                f"Instagram takes at most {MAX_HASHTAGS} hashtags in a caption; this one has "
                f"{tags}.",
                "content.text",
            )
        )
    if (mentions := len(_MENTION_RE.findall(text))) > MAX_MENTIONS:
        problems.append(
            RuleViolation(
                "too_many_mentions",
                f"Instagram takes at most {MAX_MENTIONS} @-mentions in a caption; this one has "
                f"{mentions}.",
                "content.text",
            )
        )
    return problems


def validate(content: Content) -> list[RuleViolation]:
    """Instagram's rules for this content (PLATFORMS.md 1.3, 1.4)."""
    fmt = post_format(content)
    if fmt not in FORMATS:
        return [
            RuleViolation(
                "unknown_format",
                f"Instagram's formats are {', '.join(FORMATS)}, not {fmt!r}.",
                "options.instagram.format",
            )
        ]
    problems = _media_problems(content, fmt) + _extra_problems(content, fmt)
    text = caption(content)
    return problems + _caption_problems(text, with_link=text != content.text)


# --- Video files (PLATFORMS.md 1.4), checked once the video is probed --------------------

REEL_VIDEO = VideoRules(
    name="Instagram Reels",
    min_seconds=3,
    max_seconds=15 * 60,
    max_bytes=300 * MB,
    min_aspect=0.01,
    max_aspect=10,
    aspect_rule="must have an aspect ratio from 0.01:1 to 10:1",
    max_width=1920,
    video_codecs=("h264", "hevc"),
    audio_codecs=("aac",),
    containers=("mp4", "mov"),
)
STORY_VIDEO = replace(
    REEL_VIDEO,
    name="Instagram Story videos",
    max_seconds=60,
    max_bytes=100 * MB,
    min_aspect=0.1,
    aspect_rule="must have an aspect ratio from 0.1:1 to 10:1",
)
# A feed video (a carousel item) is published through the same pipeline as a Reel.
FEED_VIDEO = replace(REEL_VIDEO, name="Instagram feed videos")


def video_rules(content: Content) -> VideoRules | None:
    """The rules every video of this content must meet."""
    return {"reel": REEL_VIDEO, "story": STORY_VIDEO, "feed": FEED_VIDEO}.get(post_format(content))
