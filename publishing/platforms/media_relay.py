"""What a platform takes of an image pulled from a URL, and the seam to the media relay.

Instagram (``image_url``) and TikTok (``PULL_FROM_URL``) fetch images themselves, and refuse
some that a merchant's shop serves: Instagram takes only JPEG, TikTok only JPEG or WebP up to
1080p and only from URL prefixes verified in its developer portal. A client states what its
platform takes as :class:`ImageNeeds` and asks the relay (injected, as media fetching is, so
clients stay free of storage and Django) for a URL the platform will take: the original when it
fits, else one of ours serving a converted copy, with notices that say what changed.

The URL a relay gave is kept in the checkpoint, so a retry reuses it rather than converting
again, and the notices go into the checkpoint's ``notices``, which the pipeline shows on the
target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from publishing.platforms.base import Checkpoint


@dataclass(frozen=True)
class ImageNeeds:
    platform: str  # the name a notice uses: "Instagram"
    formats: tuple[str, ...]  # Pillow's names of the formats taken as they are: ("JPEG",)
    max_width: int
    max_height: int | None
    max_bytes: int
    # Prefixes the platform fetches from; empty: any public URL.
    url_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RelayedImage:
    url: str
    notices: tuple[str, ...] = ()


Relay = Callable[[str, ImageNeeds], RelayedImage]

RELAYED_KEY, NOTICES_KEY = "relayed", "notices"


def image_url(
    relay: Relay, checkpoint: Checkpoint, url: str, needs: ImageNeeds, *, label: str = ""
) -> str:
    """The URL to give the platform for the image at ``url``; ``label`` (e.g. "Image 2")
    starts its notices when the post has several images."""
    relayed: dict[str, str] = dict(checkpoint.get(RELAYED_KEY) or {})
    if url in relayed:
        return relayed[url]
    answer = relay(url, needs)
    relayed[url] = answer.url
    if answer.notices:
        notices = list(checkpoint.get(NOTICES_KEY) or [])
        notices.extend(f"{label}: {n}" if label else n for n in answer.notices)
        checkpoint.set(NOTICES_KEY, notices)
    checkpoint.set(RELAYED_KEY, relayed)
    return answer.url
