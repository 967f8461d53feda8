"""Each platform's preview of a post being composed: the text as that platform gets it, its
length as that platform counts it, and the rule violations the publish API would report.

The texts and counts come from the platforms' own rule modules, the same code the API and the
workers use, so the composer can never disagree with what publishing does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dashboard.post_look import PostLook, post_look
from dashboard.wording import Problem, rule_problem
from publishing.platforms import facebook_rules, instagram_rules, tiktok_rules, youtube_rules
from publishing.platforms.base import Content
from publishing.platforms.registry import get_client
from publishing.platforms.threads import MAX_TEXT_LENGTH as THREADS_MAX
from publishing.platforms.threads import post_text as threads_text
from publishing.platforms.threads import threads_length
from publishing.platforms.x import post_text as x_text
from publishing.platforms.x_text import X_MAX_WEIGHTED_LENGTH, x_weighted_length


@dataclass(frozen=True)
class Counter:
    name: str  # what is counted: "text", "title", "description"
    used: int
    limit: int

    @property
    def over(self) -> bool:
        return self.used > self.limit


@dataclass(frozen=True)
class PlatformPreview:
    platform: str
    title: str
    text: str
    counters: list[Counter]
    violations: list[Problem] = field(default_factory=list)
    look: PostLook | None = None


Shown = tuple[str, str, list[Counter]]  # title, text, counters


def _x(content: Content) -> Shown:
    text = x_text(content)
    return (
        "",
        text,
        [Counter("text", x_weighted_length(text).weighted_length, X_MAX_WEIGHTED_LENGTH)],
    )


def _threads(content: Content) -> Shown:
    text = threads_text(content)
    return "", text, [Counter("text", threads_length(text), THREADS_MAX)]


def _instagram(content: Content) -> Shown:
    text = instagram_rules.caption(content)
    return "", text, [Counter("text", len(text), instagram_rules.MAX_CAPTION_LENGTH)]


def _facebook(content: Content) -> Shown:
    text = facebook_rules.message(content)
    return "", text, [Counter("text", len(text), facebook_rules.MAX_MESSAGE_LENGTH)]


def _tiktok(content: Content) -> Shown:
    text = tiktok_rules.caption(content)
    used = tiktok_rules.utf16_length(text)
    if tiktok_rules.is_photo_post(content):
        # A photo post has a title (the text's first line) above a description (the caption),
        # each with its own limit; a video's caption is its title.
        title = tiktok_rules.photo_title(content)
        return (
            title,
            text,
            [
                Counter("title", tiktok_rules.utf16_length(title), tiktok_rules.MAX_PHOTO_TITLE),
                Counter("text", used, tiktok_rules.MAX_PHOTO_DESCRIPTION),
            ],
        )
    return "", text, [Counter("text", used, tiktok_rules.MAX_TITLE_UTF16)]


def _youtube(content: Content) -> Shown:
    title = youtube_rules.title(content)
    description = youtube_rules.description(content)
    return (
        title,
        description,
        [
            Counter("title", len(title), youtube_rules.MAX_TITLE_CHARS),
            Counter(
                "description",
                len(description.encode("utf-8")),
                youtube_rules.MAX_DESCRIPTION_BYTES,
            ),
        ],
    )


SHOWN: dict[str, Callable[[Content], Shown]] = {
    "x": _x,
    "threads": _threads,
    "instagram": _instagram,
    "facebook": _facebook,
    "tiktok": _tiktok,
    "youtube": _youtube,
}


def platform_preview(
    platform: str,
    content: Content,
    *,
    handle: str = "",
    fallback_name: str = "",
    link_title: str = "",
) -> PlatformPreview:
    """``handle``: the connected account's, shown above the post (``fallback_name`` when it has
    none); ``link_title``: the linked product's title, for the link card."""
    title, text, counters = SHOWN[platform](content)
    counted = {c.name: (c.used, c.limit) for c in counters}
    violations = [
        rule_problem(platform, v.code, v.message, content, counted)
        for v in get_client(platform).validate(content)
    ]
    main = counted.get("text") or counted.get("description") or (0, 0)
    look = post_look(
        platform,
        content,
        text=text,
        used=main[0],
        limit=main[1],
        handle=handle,
        fallback_name=fallback_name,
        link_title=link_title,
    )
    return PlatformPreview(platform, title, text, counters, violations, look)
