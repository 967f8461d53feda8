"""Chunked, resumable uploads into the media library.

An upload is declared first (kind and total size, both checked against the limits), then
its bytes arrive in order, each chunk naming its place with ``Content-Range``; the bytes go
straight from the request to a file under MEDIA_UPLOAD_DIR, never whole in memory. A chunk
that does not start where the upload stands is refused with the offset it should start at,
so a client that lost its connection asks (or reads the refusal) and goes on from there.
Completing checks the file (:mod:`publishing.library.checks`) and moves it into storage;
a file that is not acceptable is deleted with its upload, and nothing is stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Store
from publishing.library import storage
from publishing.library.checks import CheckedMedia, UploadRefused, check_image, check_video
from publishing.models import MediaAsset, MediaKind, MediaUpload

logger = logging.getLogger(__name__)

READ_BYTES = 64 * 1024
MB = 1024 * 1024


class UploadError(Exception):
    """A request the upload cannot take. ``code`` names the case (the API's error code)."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True)
class ChunkRange:
    start: int
    end: int  # inclusive, as Content-Range writes it
    total: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def max_bytes(kind: str) -> int:
    if kind == MediaKind.VIDEO:
        return int(settings.MEDIA_UPLOAD_MAX_VIDEO_BYTES)
    return int(settings.MEDIA_UPLOAD_MAX_IMAGE_BYTES)


def part_path(upload: MediaUpload) -> Path:
    return Path(settings.MEDIA_UPLOAD_DIR) / f"{upload.id}.part"


def upload_create(
    *,
    store: Store,
    kind: str,
    size: int,
    filename: str = "",
    content_type: str = "",
    user: Any = None,
) -> MediaUpload:
    """Declare an upload of ``size`` bytes; refused past the kind's limit."""
    if kind not in MediaKind.values:
        raise UploadError("invalid_type", "type must be image or video.")
    if content_type and not content_type.startswith(f"{kind}/"):
        raise UploadError(
            "invalid_type", f"A {kind} upload cannot have the content type {content_type}."
        )
    limit = max_bytes(kind)
    if size > limit:
        raise UploadError(
            "too_large",
            f"A {kind} can be at most {limit // MB} MB; this one is {size / MB:.1f} MB.",
            max_bytes=limit,
        )
    if size <= 0:
        raise UploadError("invalid_size", "size must be a positive number of bytes.")
    upload = MediaUpload.objects.create(
        store=store,
        kind=kind,
        size_bytes=size,
        filename=filename[:255],
        content_type=content_type[:64],
        created_by=user if getattr(user, "is_authenticated", False) else None,
        expires_at=timezone.now() + timedelta(hours=settings.MEDIA_UPLOAD_KEEP_HOURS),
    )
    path = part_path(upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    return upload


def _locked(store: Store, upload_id: UUID) -> MediaUpload:
    upload = (
        MediaUpload.objects.select_for_update()
        .filter(store=store, pk=upload_id, expires_at__gt=timezone.now())
        .first()
    )
    if upload is None:
        raise UploadError("not_found", "No such upload.")
    return upload


def upload_append(
    *, store: Store, upload_id: UUID, chunk: ChunkRange, body: BinaryIO
) -> MediaUpload:
    """Append the chunk ``body`` holds at ``chunk.start``, which must be where the upload
    stands. Chunks of one upload are taken one at a time (the row is locked)."""
    with transaction.atomic():
        upload = _locked(store, upload_id)
        if upload.status != MediaUpload.Status.OPEN:
            raise UploadError("upload_completed", "The upload is already complete.")
        _check_range(upload, chunk)
        path = part_path(upload)
        with open(path, "r+b") as file:
            # A chunk cut off midway may have left bytes past the recorded offset.
            file.truncate(upload.received_bytes)
            file.seek(upload.received_bytes)
            copied = _copy(body, file, chunk.length)
            if copied != chunk.length:
                file.truncate(upload.received_bytes)
                raise UploadError(
                    "incomplete_chunk",
                    f"The chunk ended after {copied} of {chunk.length} bytes; send it again.",
                    received_bytes=upload.received_bytes,
                )
        upload.received_bytes += chunk.length
        upload.save(update_fields=["received_bytes"])
    return upload


def _check_range(upload: MediaUpload, chunk: ChunkRange) -> None:
    if chunk.total != upload.size_bytes:
        raise UploadError(
            "invalid_range",
            f"The upload is {upload.size_bytes} bytes, not {chunk.total}.",
            received_bytes=upload.received_bytes,
        )
    if chunk.start != upload.received_bytes:
        raise UploadError(
            "offset_mismatch",
            f"The next chunk starts at byte {upload.received_bytes}, not {chunk.start}.",
            received_bytes=upload.received_bytes,
        )
    if chunk.end < chunk.start or chunk.end >= upload.size_bytes:
        raise UploadError(
            "invalid_range",
            "Content-Range must be bytes <start>-<end>/<size> within the upload.",
            received_bytes=upload.received_bytes,
        )
    if chunk.length > settings.MEDIA_UPLOAD_CHUNK_BYTES:
        raise UploadError(
            "chunk_too_large",
            f"A chunk can be at most {settings.MEDIA_UPLOAD_CHUNK_BYTES} bytes.",
            max_bytes=settings.MEDIA_UPLOAD_CHUNK_BYTES,
            received_bytes=upload.received_bytes,
        )


def _copy(body: BinaryIO, file: BinaryIO, length: int) -> int:
    copied = 0
    while copied < length:
        piece = body.read(min(READ_BYTES, length - copied))
        if not piece:
            break
        file.write(piece)
        copied += len(piece)
    return copied


def upload_complete(*, store: Store, upload_id: UUID) -> MediaAsset:
    """Check the whole file and move it into the library. Completing twice answers the same
    asset. A file that is not acceptable is deleted with its upload (UploadError
    ``invalid_media``)."""
    with transaction.atomic():
        upload = _locked(store, upload_id)
        if upload.status == MediaUpload.Status.COMPLETED and upload.asset is not None:
            return upload.asset
        if upload.received_bytes != upload.size_bytes:
            raise UploadError(
                "upload_incomplete",
                f"{upload.received_bytes} of {upload.size_bytes} bytes have arrived.",
                received_bytes=upload.received_bytes,
            )
        path = part_path(upload)
        try:
            checked = (
                check_video(str(path))
                if upload.kind == MediaKind.VIDEO
                else check_image(str(path), upload.size_bytes)
            )
        except UploadRefused as exc:
            # Deleted, and the deletion committed (the block ends normally), before answering.
            upload.delete()
            path.unlink(missing_ok=True)
            logger.info("upload refused: %s", exc, extra={"upload": str(upload_id)})
            refused = exc
        else:
            return _store_asset(store, upload, checked)
    raise UploadError("invalid_media", str(refused)) from refused


def _store_asset(store: Store, upload: MediaUpload, checked: CheckedMedia) -> MediaAsset:
    """Move the checked file into the storage and the library (inside the upload's lock)."""
    path = part_path(upload)
    name, thumb = storage.new_names(checked.extension)
    name = storage.store_file(name, str(path))
    thumb = storage.store_bytes(thumb, checked.thumbnail)
    # Stored before the row is written: a failure below leaves a file nobody can reach
    # (its name is not in the table), never a row without its file.
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
    asset = MediaAsset.objects.create(
        store=store,
        kind=upload.kind,
        storage_name=name,
        thumbnail_name=thumb,
        filename=upload.filename,
        size_bytes=upload.size_bytes,
        content_type=checked.content_type,
        info=checked.info_dict(),
        created_by=upload.created_by,
    )
    upload.status = MediaUpload.Status.COMPLETED
    upload.asset = asset
    upload.save(update_fields=["status", "asset"])
    return asset


def uploads_clean() -> int:
    """Delete open uploads past their expiry and their partial files; how many."""
    expired = MediaUpload.objects.filter(expires_at__lte=timezone.now())
    count = 0
    for upload in expired.iterator():
        part_path(upload).unlink(missing_ok=True)
        count += 1
    expired.delete()
    return count


def asset_delete(*, store: Store, asset_id: UUID) -> bool:
    """Delete a library file and its thumbnail; False when the store has no such asset.
    Posts already published keep their copy on the platforms."""
    asset = MediaAsset.objects.filter(store=store, pk=asset_id).first()
    if asset is None:
        return False
    names = (asset.storage_name, asset.thumbnail_name)
    asset.delete()
    transaction.on_commit(lambda: storage.delete_files(*names))
    return True


def upload_state(upload: MediaUpload) -> dict[str, Any]:
    return {
        "id": str(upload.id),
        "type": upload.kind,
        "size": upload.size_bytes,
        "received_bytes": upload.received_bytes,
        "chunk_size": settings.MEDIA_UPLOAD_CHUNK_BYTES,
        "status": upload.status,
        "expires_at": upload.expires_at.isoformat().replace("+00:00", "Z"),
    }


def asset_state(asset: MediaAsset) -> dict[str, Any]:
    info = asset.info
    return {
        "id": str(asset.id),
        "type": asset.kind,
        "url": storage.asset_url(asset),
        "thumbnail_url": storage.thumbnail_url(asset),
        "content_type": asset.content_type,
        "size": asset.size_bytes,
        "width": info.get("width"),
        "height": info.get("height"),
        "duration_seconds": info.get("duration_seconds"),
        "filename": asset.filename,
        "created_at": asset.created_at.isoformat().replace("+00:00", "Z"),
    }
