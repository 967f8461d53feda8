"""Which queue a target's publish task goes to.

One queue per platform (`publish.<slug>`), so a slow platform never starves the others,
and beside it one for the platform's targets that carry media (`publish.<slug>.media`).
Media means fetching from the merchant's host (up to MEDIA_FETCH_DEADLINE for an image,
far longer for a video streamed into an upload), and a slow host then holds a thread for
that long; consumed by their own workers, such targets never hold the threads that publish
text. Plain strings, no Django: `make run` builds its worker command lines from these.
"""

from __future__ import annotations

PLATFORMS = ("instagram", "facebook", "x", "tiktok", "threads", "youtube")
MEDIA_SUFFIX = ".media"


def publish_queue(platform: str, *, media: bool = False) -> str:
    return f"publish.{platform}{MEDIA_SUFFIX if media else ''}"


def publish_queues(*, media: bool, platforms: tuple[str, ...] = PLATFORMS) -> list[str]:
    """Every platform's publish queue for targets with media, or for those without."""
    return [publish_queue(platform, media=media) for platform in platforms]
