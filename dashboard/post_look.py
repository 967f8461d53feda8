"""How each platform would show a post being composed: whose post it is (avatar and handle),
the first image or video in the platform's frame, the link card where the platform draws one,
Instagram's caption folded at "… more", X's counter ring.

Pure: plain values in and out, no models; the composer's view looks up the account's handle
and the linked product's title and passes them in. What each platform *receives* (the text,
the link's place) comes from the platforms' own rule modules, as the counters do, so the look
cannot disagree with what publishing sends.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from publishing.platforms import facebook_rules, instagram_rules, tiktok_rules, youtube_rules
from publishing.platforms.base import Content
from publishing.platforms.threads import is_text_post as threads_text_post

# Instagram folds a feed caption after about two lines, roughly 125 characters on a phone.
FOLD_CHARS, FOLD_LINES = 125, 2
# X's ring turns amber with 20 characters left, and red past the limit.
RING_WARN_LEFT = 20
RING_RADIUS = 9.0
RING_CIRCUMFERENCE = round(2 * math.pi * RING_RADIUS, 2)
AVATAR_TONES = 6  # app.css has one colour per tone
AT_HANDLES = ("x", "tiktok", "youtube")


@dataclass(frozen=True)
class Identity:
    """The account as the platform names it above a post, and its stand-in avatar."""

    name: str
    initial: str
    tone: int


@dataclass(frozen=True)
class Ring:
    """X's counter ring: how full it is, and its state (ok, near the limit, over it)."""

    used: int
    limit: int

    @property
    def left(self) -> int:
        return self.limit - self.used

    @property
    def over_by(self) -> int:
        return max(0, -self.left)

    @property
    def state(self) -> str:
        if self.used > self.limit:
            return "over"
        return "near" if self.left <= RING_WARN_LEFT else "ok"

    @property
    def dash_offset(self) -> float:
        """The SVG stroke offset that leaves the unused part of the circle empty."""
        filled = min(self.used / self.limit, 1.0) if self.limit else 1.0
        return round(RING_CIRCUMFERENCE * (1 - filled), 2)

    @property
    def circumference(self) -> float:
        return RING_CIRCUMFERENCE


@dataclass(frozen=True)
class Fold:
    """A caption split where Instagram folds it: ``head`` shows, ``rest`` hides behind
    "… more"."""

    head: str
    rest: str


@dataclass(frozen=True)
class LinkCard:
    url: str
    domain: str
    title: str


@dataclass(frozen=True)
class MediaFrame:
    """The first image or video, in the shape the platform shows it ("square", "portrait",
    "wide"); ``url`` is empty for a placeholder frame (a video platform with no video yet).
    ``title``: the linked product's, which the picture most likely shows (its alt text)."""

    kind: str
    url: str
    count: int
    shape: str
    title: str = ""


@dataclass(frozen=True)
class PostLook:
    identity: Identity
    media: MediaFrame | None = None
    link: LinkCard | None = None
    fold: Fold | None = None
    ring: Ring | None = None


def identity(platform: str, handle: str, fallback: str) -> Identity:
    """The account's name as the platform writes it above a post: X, TikTok and YouTube put
    an @ before the handle; Instagram and Threads write the bare username; a Facebook Page
    goes by its name (and a YouTube channel without a handle by its title, which takes no @)."""
    name = handle.strip().lstrip("@") or fallback
    if handle.strip() and platform in AT_HANDLES and not any(c.isspace() for c in name):
        name = f"@{name}"
    letters = [c for c in name if c.isalnum()]
    initial = letters[0].upper() if letters else "?"
    # A stable colour per account, so the same account always looks the same.
    tone = zlib.crc32(name.encode("utf-8")) % AVATAR_TONES
    return Identity(name=name, initial=initial, tone=tone)


def fold(text: str, *, chars: int = FOLD_CHARS, lines: int = FOLD_LINES) -> Fold:
    """Split at the second line break or near ``chars``, whichever comes first, back to a
    space so the fold never cuts a word (unless one word fills most of the head)."""
    parts = text.split("\n")
    cut = len("\n".join(parts[:lines])) if len(parts) > lines else len(text)
    cut = min(cut, chars)
    if cut >= len(text.rstrip()):
        return Fold(text, "")
    if not text[cut].isspace():
        space = max(text.rfind(" ", 0, cut), text.rfind("\n", 0, cut))
        if space > cut // 2:
            cut = space
    return Fold(text[:cut].rstrip(), text[cut:])


def _safe_url(url: str) -> str:
    """Only web addresses (and this site's own paths) go into src/href."""
    url = url.strip()
    if url.startswith("/") and not url.startswith("//"):
        return url
    return url if urlsplit(url).scheme in ("http", "https") else ""


def link_card(link: str, title: str) -> LinkCard | None:
    url = _safe_url(link)
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    domain = host.removeprefix("www.")
    return LinkCard(url=url, domain=domain, title=title)


def _draws_card(platform: str, content: Content) -> bool:
    """Where the platform draws the link as a card rather than leaving it as text."""
    if not content.link:
        return False
    if platform == "facebook":
        return facebook_rules.post_kind(content) == facebook_rules.TEXT
    if platform == "threads":
        return threads_text_post(content)
    if platform == "x":
        return not content.media  # X draws a card for a link only when no media is attached
    return False  # Instagram, TikTok, YouTube: the link stays text in the caption


def _shape(platform: str, content: Content) -> str:
    if platform == "instagram":
        fmt = instagram_rules.post_format(content)
        return "square" if fmt == "feed" else "portrait"
    if platform == "tiktok":
        return "portrait"
    if platform == "youtube":
        return "portrait" if youtube_rules.post_format(content) == "short" else "wide"
    if platform == "facebook" and facebook_rules.post_format(content) == "reel":
        return "portrait"
    return "natural"


# Platforms whose post is the picture or video: with none yet, the frame stays as a placeholder.
FRAMED = ("instagram", "tiktok", "youtube")


def media_frame(platform: str, content: Content, title: str = "") -> MediaFrame | None:
    # YouTube and a TikTok video post show the video; the others their first item, whatever.
    videos_only = platform == "youtube" or (
        platform == "tiktok" and not tiktok_rules.is_photo_post(content)
    )
    shown = [m for m in content.media if m.type == "video" or not videos_only]
    if not shown:
        if platform not in FRAMED:
            return None
        return MediaFrame(
            kind="image" if platform == "instagram" else "video",
            url="",
            count=0,
            shape=_shape(platform, content),
        )
    first = shown[0]
    return MediaFrame(
        kind=first.type,
        url=_safe_url(first.url),
        count=len(shown),
        shape=_shape(platform, content),
        title=title,
    )


def post_look(
    platform: str,
    content: Content,
    *,
    text: str,
    used: int,
    limit: int,
    handle: str,
    fallback_name: str,
    link_title: str = "",
) -> PostLook:
    """``text``, ``used`` and ``limit``: the text as the platform receives it, and its length
    as the platform counts it (the preview's counter)."""
    return PostLook(
        identity=identity(platform, handle, fallback_name),
        media=media_frame(platform, content, link_title),
        link=link_card(content.link, link_title) if _draws_card(platform, content) else None,
        fold=fold(text) if platform == "instagram" else None,
        ring=Ring(used=used, limit=limit) if platform == "x" else None,
    )
