"""The media relay: images a platform cannot pull as they are, converted and served by us.

The original is fetched through the SSRF-safe fetcher, read with Pillow and, when it is not in
a format the platform takes, too large, or not under a URL prefix the platform pulls from,
converted to JPEG (or copied as is, when only its address was the problem) and stored with
Django's default storage under ``relay/``. The platform gets
``MEDIA_PUBLIC_BASE_URL/media/relay/<name>``, which :mod:`publishing.media.views` serves; names
are random and unguessable, and files older than MEDIA_RELAY_KEEP_HOURS are deleted by a beat
task (:func:`relay_clean`).
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from publishing.media.errors import MediaFetchError
from publishing.media.fetch import MediaStream, open_media
from publishing.media.images import FORMAT_NAMES, ImageInfo, image_info, to_jpeg
from publishing.platforms.media_relay import ImageNeeds, RelayedImage

logger = logging.getLogger(__name__)

RELAY_DIR = "relay"
URL_PATH = "/media/relay/"
CONTENT_TYPES = {"jpg": "image/jpeg", "webp": "image/webp"}
NAME_RE = re.compile(r"[A-Za-z0-9_-]{32}\.(?:jpg|webp)")
_EXTENSIONS = {"JPEG": "jpg", "WEBP": "webp"}
MB = 1024 * 1024
# Enough for an image's header (a JPEG's EXIF block comes before its size, up to 64 kB).
HEAD_BYTES = 256 * 1024
BY = "\N{MULTIPLICATION SIGN}"  # sizes as people write them: 4000 by 3000 with this sign


def relay_prefix() -> str:
    """Where relayed files are served from; a merchant verifies it once in TikTok's portal."""
    return f"{settings.MEDIA_PUBLIC_BASE_URL}{URL_PATH}"


def relay_image(url: str, needs: ImageNeeds) -> RelayedImage:
    """A URL ``needs.platform`` will take for the image at ``url``, and what was changed.

    Raises MediaFetchError when the original cannot be fetched or read, or cannot be made to
    fit (a JPEG still past the byte limit after scaling).
    """
    reachable = not needs.url_prefixes or url.startswith(needs.url_prefixes)
    with open_media(
        url, max_bytes=settings.MEDIA_RELAY_SOURCE_MAX_BYTES, allowed_types=("image/",)
    ) as stream:
        head = _read_head(stream)
        declared = stream.content_length
        if reachable and declared is not None and declared <= needs.max_bytes:
            # Format and size are in the header: an image that fits is handed on without
            # downloading the rest of it.
            info = _header_info(head)
            if info is not None and info.format in needs.formats and _fits(info, needs):
                return RelayedImage(url)
        data = head + stream.read()
    info = image_info(data)
    taken, small = info.format in needs.formats, len(data) <= needs.max_bytes
    if taken and small and _fits(info, needs):
        if reachable:
            return RelayedImage(url)
        # Only the address was the problem: the very bytes, from a prefix the platform pulls.
        return RelayedImage(_store(data, _EXTENSIONS[info.format]))
    converted = to_jpeg(data, max_width=needs.max_width, max_height=needs.max_height)
    if len(converted.data) > needs.max_bytes:
        raise MediaFetchError(
            f"The image is still larger than {needs.platform}'s {needs.max_bytes // MB} MB after "
            "conversion; use a smaller image."
        )
    notices = _notices(info, (converted.width, converted.height), needs, taken=taken, small=small)
    return RelayedImage(_store(converted.data, "jpg"), notices)


def _read_head(stream: MediaStream) -> bytes:
    head = bytearray()
    while len(head) < HEAD_BYTES and (chunk := stream.read(HEAD_BYTES - len(head))):
        head.extend(chunk)
    return bytes(head)


def _header_info(head: bytes) -> ImageInfo | None:
    """The image's format and size from its first bytes; None when they do not hold them."""
    try:
        return image_info(head)
    except MediaFetchError:
        return None


def _fits(info: ImageInfo, needs: ImageNeeds) -> bool:
    return info.width <= needs.max_width and info.height <= (needs.max_height or info.height)


def _notices(
    info: ImageInfo, size: tuple[int, int], needs: ImageNeeds, *, taken: bool, small: bool
) -> tuple[str, ...]:
    notices: list[str] = []
    if not taken:
        labels = [FORMAT_NAMES.get(f, f) for f in needs.formats]
        if len(labels) == 1:
            notices.append(
                f"The {info.label} image was converted to JPEG, which {needs.platform} requires."
            )
        else:
            notices.append(
                f"The {info.label} image was converted to JPEG: {needs.platform} takes only "
                f"{' or '.join(labels)} images."
            )
    if size != (info.width, info.height):
        notices.append(
            f"The {info.width}{BY}{info.height} image was scaled down to "
            f"{size[0]}{BY}{size[1]} for {needs.platform}."
        )
    elif taken and not small:
        notices.append(
            f"The image was compressed again to fit {needs.platform}'s "
            f"{needs.max_bytes // MB} MB limit."
        )
    return tuple(notices)


def _store(data: bytes, extension: str) -> str:
    name = default_storage.save(
        f"{RELAY_DIR}/{secrets.token_urlsafe(24)}.{extension}", ContentFile(data)
    )
    return relay_prefix() + name.removeprefix(f"{RELAY_DIR}/")


def relay_path(name: str) -> str | None:
    """The storage name of a relayed file that may be served, or None (unknown, expired, or a
    name that is not one of ours, such as a path)."""
    if not NAME_RE.fullmatch(name):
        return None
    path = f"{RELAY_DIR}/{name}"
    if not default_storage.exists(path):
        return None
    if default_storage.get_modified_time(path) < _cutoff():
        return None
    return path


def _cutoff() -> datetime:
    return timezone.now() - timedelta(hours=settings.MEDIA_RELAY_KEEP_HOURS)


def relay_clean() -> int:
    """Delete relayed files older than MEDIA_RELAY_KEEP_HOURS; how many were deleted."""
    try:
        _, files = default_storage.listdir(RELAY_DIR)
    except FileNotFoundError:
        return 0
    cutoff, deleted = _cutoff(), 0
    for name in files:
        path = f"{RELAY_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                deleted += 1
        except FileNotFoundError:
            continue  # deleted meanwhile by another cleaner
    if deleted:
        logger.info("deleted old relayed media", extra={"count": deleted})
    return deleted
