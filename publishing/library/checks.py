"""Checking an uploaded file before it enters the library, and drawing its thumbnail.

The same probe that measures media URLs reads the file (PyAV for a video, Pillow for an image),
so what the library accepts is what publishing can check later. Only limits that hold for every
platform apply here: a real image or video in a format the platforms take, within the upload
size limits, and an image within MEDIA_IMAGE_MAX_PIXELS, refused before its pixels are decoded
(a small PNG can inflate to gigabytes). Each platform's own rules (a Reel's duration, X's image
size) are checked when a post names the file.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from typing import Any

from PIL import Image

from publishing.media.errors import MediaFetchError
from publishing.media.images import ImageInfo, image_info, to_jpeg
from publishing.media.info import MediaInfo
from publishing.media.probe import LocalFile, MediaProbeError, probe_video

THUMBNAIL_SIZE = 320
# Pillow's format → the extension the library stores it under (an MPO is a JPEG with extra
# frames, as phones take them).
IMAGE_EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
VIDEO_CONTAINERS = ("mp4", "mov", "webm")


class UploadRefused(Exception):
    """The file is not one the library takes; the message says why, for the merchant."""


@dataclass(frozen=True)
class CheckedMedia:
    info: MediaInfo
    extension: str
    content_type: str
    thumbnail: bytes  # a JPEG, THUMBNAIL_SIZE wide at most

    def info_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self.info).items() if v not in (None, "")}


def check_image(path: str, size: int) -> CheckedMedia:
    """An image upload, measured and decoded once (which a truncated file does not survive)."""
    with open(path, "rb") as file:
        data = file.read()  # bounded by MEDIA_UPLOAD_MAX_IMAGE_BYTES
    try:
        found: ImageInfo = image_info(data)
        extension = IMAGE_EXTENSIONS.get(found.format)
        if extension is None:
            raise UploadRefused(
                f"{found.label} images are not taken; upload a JPEG, PNG, WebP or GIF image."
            )
        thumbnail = to_jpeg(data, max_width=THUMBNAIL_SIZE, max_height=THUMBNAIL_SIZE)
    except MediaFetchError as exc:
        raise UploadRefused(str(exc)) from exc
    upright = _upright_size(data, found)
    info = MediaInfo(
        kind="image",
        container=extension.replace("jpg", "jpeg"),
        width=upright[0],
        height=upright[1],
        size_bytes=size,
    )
    content_type = "image/jpeg" if extension == "jpg" else f"image/{extension}"
    return CheckedMedia(info, extension, content_type, thumbnail.data)


def _upright_size(data: bytes, found: ImageInfo) -> tuple[int, int]:
    """The size as displayed: an EXIF quarter turn swaps width and height."""
    with Image.open(io.BytesIO(data)) as image:
        orientation = image.getexif().get(0x0112, 1) if found.format in ("JPEG", "MPO") else 1
    if orientation in (5, 6, 7, 8):
        return found.height, found.width
    return found.width, found.height


def check_video(path: str) -> CheckedMedia:
    """A video upload: its headers measured, and its first frame drawn as the thumbnail."""
    try:
        with LocalFile(path) as file:
            info = probe_video(file)
    except MediaProbeError as exc:
        raise UploadRefused(f"The file is not a video that can be read: {exc}.") from exc
    if info.container not in VIDEO_CONTAINERS:
        raise UploadRefused(
            f"{info.container.upper()} videos are not taken; upload an MP4, MOV or WebM video."
        )
    if not info.duration_seconds or info.width <= 0 or info.height <= 0:
        raise UploadRefused("The video has no duration or picture size; it may be damaged.")
    content_type = {"mov": "video/quicktime"}.get(info.container, f"video/{info.container}")
    return CheckedMedia(info, info.container, content_type, _video_thumbnail(path))


def _video_thumbnail(path: str) -> bytes:
    import av
    import av.error

    try:
        with av.open(path) as container:
            for frame in container.decode(video=0):
                image = frame.to_image()
                break
            else:
                raise UploadRefused("The video has no frame to show.")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise UploadRefused(f"The video cannot be decoded ({exc}).") from exc
    image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()
