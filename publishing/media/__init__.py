"""Fetching media from the URLs a post names, with SSRF protection and size limits.

A media URL comes from the caller, so its host is resolved once and every address it
answers is checked before a connection is made to one of them, and the same on every
redirect: only public addresses, unless the settings allow loopback (the embedded
default, to publish local files) or private ranges. Bodies stream in bounded chunks and
are abandoned as soon as they pass the size limit or the total deadline.
"""

from __future__ import annotations

from publishing.media.addresses import PinnedTarget, address_allowed, check_url
from publishing.media.errors import MediaFetchError
from publishing.media.fetch import FetchedMedia, MediaStream, fetch_media, open_media
from publishing.media.pinning import PinnedAdapter, host_header, pinned_session

__all__ = [
    "FetchedMedia",
    "MediaFetchError",
    "MediaStream",
    "PinnedAdapter",
    "PinnedTarget",
    "address_allowed",
    "check_url",
    "fetch_media",
    "host_header",
    "open_media",
    "pinned_session",
]
