"""What a generated post must respect on each platform, and the check that it does.

The check is the publishing code's own: for a platform that has a client in
``publishing.platforms.registry`` (X today), ``get_client(slug).validate(Content(text=…))``,
the very function a publish request goes through, so a generated X post is counted exactly
as X counts it (weighted, links as 23). For platforms without a client yet, the length rule
documented in shared/PLATFORMS.md is applied here, each with its own way of counting; when a
client lands in the registry it takes over automatically.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from publishing.platforms.base import Content, RuleViolation
from publishing.platforms.registry import available_platforms, get_client


def _characters(text: str) -> int:
    return len(text)


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _threads_length(text: str) -> int:
    # PLATFORMS.md §5: ≤ 500 characters, emoji counted by their UTF-8 byte length.
    return sum(
        len(ch.encode()) if ord(ch) > 0xFFFF or unicodedata.category(ch) == "So" else 1
        for ch in text
    )


def _utf8_bytes(text: str) -> int:
    return len(text.encode())


@dataclass(frozen=True)
class PlatformRules:
    slug: str
    name: str
    max_length: int
    counting: str  # how the platform counts, in words the model can follow
    # The body we ask the model for, leaving room for the link and the hashtags.
    body_length: int
    hashtags: tuple[int, int]  # how many to write (min, max)
    hashtag_note: str
    links_clickable: bool
    link_note: str
    # Our own counter, for a platform the publishing code has no client for yet.
    count: Callable[[str], int] = _characters


RULES: dict[str, PlatformRules] = {
    "x": PlatformRules(
        slug="x",
        name="X (Twitter)",
        max_length=280,
        counting=(
            "280 weighted characters: Arabic and Latin letters count 1, emoji and CJK count "
            "2, every link counts 23"
        ),
        body_length=200,
        hashtags=(1, 2),
        hashtag_note="one or two short hashtags; more looks like spam on X",
        links_clickable=True,
        link_note="links are clickable: the product link is added on its own line",
    ),
    "instagram": PlatformRules(
        slug="instagram",
        name="Instagram",
        max_length=2200,
        counting="2,200 characters, at most 30 hashtags",
        body_length=600,
        hashtags=(5, 10),
        hashtag_note="five to ten hashtags mixing broad and niche ones",
        links_clickable=False,
        link_note="links in captions are not clickable: invite people to the link in bio",
    ),
    "facebook": PlatformRules(
        slug="facebook",
        name="Facebook Page",
        # PLATFORMS.md: 63,206 is widely cited but unverified; we aim far below it.
        max_length=63206,
        counting="characters; long posts are cut behind 'See more', so keep it short",
        body_length=500,
        hashtags=(1, 3),
        hashtag_note="one to three hashtags at most; Facebook audiences use few",
        links_clickable=True,
        link_note="links are clickable: the product link is added on its own line",
    ),
    "tiktok": PlatformRules(
        slug="tiktok",
        name="TikTok",
        max_length=2200,
        counting="2,200 UTF-16 units (emoji count 2)",
        body_length=300,
        hashtags=(3, 5),
        hashtag_note="three to five hashtags, trending-style",
        links_clickable=False,
        link_note="links in captions are not clickable: invite people to the link in bio",
        count=_utf16_units,
    ),
    "threads": PlatformRules(
        slug="threads",
        name="Threads",
        max_length=500,
        counting="500 characters, each emoji counted by its UTF-8 byte length (usually 4)",
        body_length=350,
        hashtags=(1, 1),
        hashtag_note="exactly one topic tag: Threads links only one tag per post",
        links_clickable=True,
        link_note="links are clickable: the product link is added on its own line",
        count=_threads_length,
    ),
    "youtube": PlatformRules(
        slug="youtube",
        name="YouTube (video description)",
        max_length=5000,
        counting="5,000 bytes of UTF-8 (an Arabic letter is 2 bytes); no '<' or '>'",
        body_length=800,
        hashtags=(3, 3),
        hashtag_note="three hashtags: YouTube shows the first three above the title",
        links_clickable=True,
        link_note="links in descriptions are clickable: the product link is added on its own line",
        count=_utf8_bytes,
    ),
}


def rules_for(platform: str) -> PlatformRules:
    return RULES[platform]


def text_checker(platform: str) -> Callable[[str], list[RuleViolation]]:
    """A function giving the text problems the platform would refuse this post for."""
    if platform in available_platforms():
        client = get_client(platform)

        def check_with_client(text: str) -> list[RuleViolation]:
            # Only the text's problems: a generated post has no media yet, which some
            # platforms (Instagram) require; that is the publish request's business.
            return [v for v in client.validate(Content(text=text)) if v.field == "content.text"]

        return check_with_client
    rules = RULES[platform]

    def check_documented_rule(text: str) -> list[RuleViolation]:
        problems: list[RuleViolation] = []
        length = rules.count(text)
        if length > rules.max_length:
            problems.append(
                RuleViolation(
                    "text_too_long",
                    f"{rules.name} counts this text as {length}; the limit is {rules.max_length}.",
                    "content.text",
                )
            )
        if platform == "youtube" and ("<" in text or ">" in text):
            problems.append(
                RuleViolation("invalid_characters", "YouTube refuses '<' and '>'.", "content.text")
            )
        if platform == "instagram" and text.count("#") > 30:
            problems.append(
                RuleViolation("too_many_hashtags", "Instagram allows 30 hashtags.", "content.text")
            )
        return problems

    return check_documented_rule
