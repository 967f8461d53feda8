"""What the Facebook sandbox accepts on each publishing edge, as Page.json declares it (the
subset the sandbox models), and its sandbox-only steering of media URLs."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qs, urlsplit

# Parameters each POST edge takes here (Page.json declares many more; a parameter outside these
# is refused, as Meta refuses a misspelt one, so a client bug shows up as an error).
FEED = frozenset({"message", "link", "published", "attached_media"})
PHOTOS = frozenset({"url", "message", "caption", "published", "alt_text_custom"})
VIDEOS = frozenset({"file_url", "description", "title", "published"})
REELS = frozenset({"upload_phase", "video_id", "video_state", "description", "title"})
REELS_PER_DAY, REELS_WINDOW_S = 30, 86400
VIDEO_POLLS = 2  # status reads a video answers "processing" before "ready"


def page_id(username: str) -> str:
    """Stable id for a Page name, shaped like Meta's Page ids (15 digits starting 10…)."""
    digest = hashlib.sha256(f"sandbox-facebook:{username.lower()}".encode()).digest()
    return "10" + str(int.from_bytes(digest[:8], "big") % 10**13).zfill(13)


def steering(url: str) -> dict[str, str]:
    """``sandbox_polls=N`` and ``sandbox_error=CODE`` carried by a media URL."""
    query = parse_qs(urlsplit(url).query)
    return {name: values[0] for name, values in query.items() if name.startswith("sandbox_")}


def unknown_param(params: dict[str, str], allowed: frozenset[str]) -> str | None:
    unknown = sorted(set(params) - allowed)
    return unknown[0] if unknown else None


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def attached_ids(raw: str) -> list[str] | None:
    """``attached_media`` as Meta takes it, a JSON list of ``{"media_fbid": id}``; None when
    malformed."""
    try:
        items = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(items, list) or not items:
        return None
    ids = [i.get("media_fbid") if isinstance(i, dict) else None for i in items]
    return [str(i) for i in ids] if all(isinstance(i, str) and i.isdigit() for i in ids) else None
