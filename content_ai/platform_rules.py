"""What a generated post must respect on each platform, and the check that it does.

The check is the publishing code's own: ``get_client(slug).validate(Content(text=…))``, the
very function a publish request goes through, so a generated post is counted exactly as its
platform counts it (X weighted with links as 23, Threads' emoji bytes, TikTok's UTF-16). What
is here is what the model is told about each platform.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from publishing.platforms.base import Content, RuleViolation
from publishing.platforms.registry import get_client


@dataclass(frozen=True)
class PlatformRules:
    slug: str
    name: str
    counting: str  # how the platform counts, in words the model can follow
    # The body we ask the model for, leaving room for the link and the hashtags.
    body_length: int
    hashtags: tuple[int, int]  # how many to write (min, max)
    hashtag_note: str
    links_clickable: bool
    link_note: str


RULES: dict[str, PlatformRules] = {
    "x": PlatformRules(
        slug="x",
        name="X (Twitter)",
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
        counting="2,200 UTF-16 units (emoji count 2)",
        body_length=300,
        hashtags=(3, 5),
        hashtag_note="three to five hashtags, trending-style",
        links_clickable=False,
        link_note="links in captions are not clickable: invite people to the link in bio",
    ),
    "threads": PlatformRules(
        slug="threads",
        name="Threads",
        counting="500 characters, each emoji counted by its UTF-8 byte length (usually 4)",
        body_length=350,
        hashtags=(1, 1),
        hashtag_note="exactly one topic tag: Threads links only one tag per post",
        links_clickable=True,
        link_note="links are clickable: the product link is added on its own line",
    ),
    "youtube": PlatformRules(
        slug="youtube",
        name="YouTube (video description)",
        counting="5,000 bytes of UTF-8 (an Arabic letter is 2 bytes); no '<' or '>'",
        body_length=800,
        hashtags=(3, 3),
        hashtag_note="three hashtags: YouTube shows the first three above the title",
        links_clickable=True,
        link_note="links in descriptions are clickable: the product link is added on its own line",
    ),
}


def rules_for(platform: str) -> PlatformRules:
    return RULES[platform]


def text_checker(platform: str) -> Callable[[str], list[RuleViolation]]:
    """A function giving the text problems the platform would refuse this post for."""
    client = get_client(platform)

    def check(text: str) -> list[RuleViolation]:
        # Only the text's problems: a generated post has no media yet, which some platforms
        # (Instagram) require; that is the publish request's business.
        return [v for v in client.validate(Content(text=text)) if v.field == "content.text"]

    return check
