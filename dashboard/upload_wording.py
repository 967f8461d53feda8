"""The merchant's sentence for an upload the library refused, by the upload error's code (the
library's own messages are the API's English, never shown as they are)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from publishing.library.uploads import MB
from publishing.models import MediaKind


def _not_media(kind: str) -> str:
    if kind == MediaKind.VIDEO:
        return _(
            "This file is not a video that can be published. Upload an MP4, MOV or WebM "
            "video that plays on your device."
        )
    return _(
        "This file is not a photo that can be published. Upload a JPEG, PNG, WebP or GIF "
        "image of at most %(megapixels)s megapixels that opens on your device."
    ) % {"megapixels": settings.MEDIA_IMAGE_MAX_PIXELS // 1_000_000}


def _too_large(kind: str, details: dict[str, Any]) -> str:
    limit = int(details.get("max_bytes") or 0) // MB
    if kind == MediaKind.VIDEO:
        return _("This video is too large: a video can be at most %(limit)s MB.") % {"limit": limit}
    return _("This photo is too large: a photo can be at most %(limit)s MB.") % {"limit": limit}


def upload_error_sentence(code: str, kind: str, details: dict[str, Any]) -> str:
    """What went wrong with an upload of ``kind`` (image or video), in the page's language."""
    if code == "invalid_media":
        return _not_media(kind)
    if code == "too_large":
        return _too_large(kind, details)
    if code == "invalid_type":
        return _("Only photos and videos can be uploaded.")
    if code == "invalid_size":
        return _("The file is empty.")
    if code == "not_found":
        return _("This upload is no longer available; choose the file again.")
    if code == "upload_incomplete":
        return _("Not all of the file has arrived yet; the upload goes on.")
    # A chunk out of place, cut off or refused: the page sends it again from where the
    # upload stands.
    return _("Part of the file did not arrive; it is being sent again.")
