"""Reading and converting images with Pillow: format and size, JPEG out, scaled to fit.

Every image comes from a URL a caller named, so it is untrusted: Pillow is told the largest
image it may decode (MEDIA_IMAGE_MAX_PIXELS), and a file past it is refused before its pixels
are decoded, since a small PNG can inflate to gigabytes (a decompression bomb).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from publishing.media.errors import MediaFetchError

JPEG_QUALITY = 90
# Pillow's names for the formats, and how a person calls them in a notice.
FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF", "MPO": "MPO"}


@dataclass(frozen=True)
class ImageInfo:
    format: str  # Pillow's name: JPEG, PNG, WEBP, GIF, ...
    width: int
    height: int

    @property
    def label(self) -> str:
        return FORMAT_NAMES.get(self.format, self.format)


@dataclass(frozen=True)
class ConvertedImage:
    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"


def _open(data: bytes) -> Image.Image:
    """The image, its header read; refused when it is not an image or past the pixel limit."""
    limit = settings.MEDIA_IMAGE_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it; ours is the only limit.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(limit) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise MediaFetchError("The file is not an image Pillow can read.") from exc
    if image.width * image.height > limit:
        raise _too_many_pixels(limit)
    return image


def _too_many_pixels(limit: int) -> MediaFetchError:
    return MediaFetchError(f"The image has more than {limit:,} pixels; use a smaller image.")


def image_info(data: bytes) -> ImageInfo:
    """Format and dimensions from the header alone (no pixel is decoded)."""
    image = _open(data)
    return ImageInfo(format=str(image.format or ""), width=image.width, height=image.height)


def fit(width: int, height: int, max_width: int, max_height: int | None = None) -> tuple[int, int]:
    """The largest size within the bounds that keeps the aspect ratio; never larger."""
    scale = min(1.0, max_width / width, (max_height or height) / height)
    if scale >= 1.0:
        return width, height
    return max(1, round(width * scale)), max(1, round(height * scale))


def to_jpeg(data: bytes, *, max_width: int, max_height: int | None = None) -> ConvertedImage:
    """The image as a JPEG: upright (its EXIF orientation applied), transparency flattened on
    white, the first frame of an animation, scaled down to fit the bounds."""
    image = _open(data)
    try:
        image.seek(0)
        image.load()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise MediaFetchError("The image is damaged and cannot be converted.") from exc
    upright = ImageOps.exif_transpose(image)
    rgb = _flatten(upright)
    size = fit(rgb.width, rgb.height, max_width, max_height)
    if size != (rgb.width, rgb.height):
        rgb = rgb.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return ConvertedImage(out.getvalue(), rgb.width, rgb.height)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency composed over white (JPEG has no alpha)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
