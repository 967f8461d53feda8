"""Where library files live: the default storage (a directory or an S3-compatible bucket),
under ``library/``, with random names, served by :mod:`publishing.library.views`."""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from publishing.models import MediaAsset

LIBRARY_DIR = "library"
URL_PATH = "/media/library/"
NAME_RE = re.compile(r"[A-Za-z0-9_-]{32}(?:-thumb)?\.(?:jpg|png|webp|gif|mp4|mov|webm)")
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
}


def library_prefix() -> str:
    """The URL prefix of every library file (TikTok pulls only from verified prefixes)."""
    return f"{settings.MEDIA_PUBLIC_BASE_URL}{URL_PATH}"


def new_names(extension: str) -> tuple[str, str]:
    """Fresh storage names for a file and its thumbnail."""
    token = secrets.token_urlsafe(24)
    return f"{LIBRARY_DIR}/{token}.{extension}", f"{LIBRARY_DIR}/{token}-thumb.jpg"


def store_file(name: str, path: str) -> str:
    """Copy the file at ``path`` into the storage as ``name``, streaming it (never whole in
    memory); the name the storage chose."""
    with open(path, "rb") as source:
        return default_storage.save(name, File(source))


def store_bytes(name: str, data: bytes) -> str:
    return default_storage.save(name, ContentFile(data))


def delete_files(*names: str) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def public_url(storage_name: str) -> str:
    return library_prefix() + storage_name.removeprefix(f"{LIBRARY_DIR}/")


def asset_url(asset: MediaAsset) -> str:
    return public_url(asset.storage_name)


def thumbnail_url(asset: MediaAsset) -> str:
    return public_url(asset.thumbnail_name) if asset.thumbnail_name else ""


def served_name(name: str) -> str | None:
    """The storage name of a library file that may be served, or None: not one of our names,
    or a file whose asset was deleted (even if the storage still holds it)."""
    if not NAME_RE.fullmatch(name):
        return None
    path = f"{LIBRARY_DIR}/{name}"
    field = "thumbnail_name" if name.endswith("-thumb.jpg") else "storage_name"
    if not MediaAsset.objects.filter(**{field: path}).exists():
        return None
    return path
