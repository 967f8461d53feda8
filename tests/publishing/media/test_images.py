"""Image reading and conversion, on images Pillow makes here: formats, sizes, orientation,
transparency and the decompression-bomb guard."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from publishing.media import MediaFetchError
from publishing.media.images import fit, image_info, to_jpeg


def make(fmt: str, size: tuple[int, int], mode: str = "RGB", **save: Any) -> bytes:
    colour: Any = (200, 30, 60, 0) if mode == "RGBA" else (200, 30, 60)
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt, **save)
    return out.getvalue()


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(
    ("fmt", "label"), [("JPEG", "JPEG"), ("PNG", "PNG"), ("WEBP", "WebP"), ("GIF", "GIF")]
)
def test_format_and_size_are_read_from_the_bytes(fmt: str, label: str) -> None:
    info = image_info(make(fmt, (300, 200)))
    assert (info.format, info.label, info.width, info.height) == (fmt, label, 300, 200)


def test_bytes_that_are_no_image_are_refused() -> None:
    with pytest.raises(MediaFetchError, match="not an image"):
        image_info(b"<html>not found</html>")


def test_a_png_becomes_a_jpeg_of_the_same_size() -> None:
    converted = to_jpeg(make("PNG", (320, 240)), max_width=1440)
    image = decoded(converted.data)
    assert (image.format, image.size, image.mode) == ("JPEG", (320, 240), "RGB")
    assert (converted.width, converted.height, converted.content_type) == (320, 240, "image/jpeg")
    r, g, b = image.getpixel((10, 10))  # type: ignore[misc]
    assert abs(r - 200) < 8 and abs(g - 30) < 8 and abs(b - 60) < 8


def test_transparency_is_flattened_on_white() -> None:
    converted = to_jpeg(make("PNG", (50, 50), mode="RGBA"), max_width=1440)
    assert min(decoded(converted.data).getpixel((25, 25))) > 245  # type: ignore[arg-type]


def test_a_large_image_is_scaled_down_keeping_its_ratio() -> None:
    converted = to_jpeg(make("WEBP", (4000, 3000)), max_width=1080)
    assert decoded(converted.data).size == (1080, 810)
    tall = to_jpeg(make("PNG", (1200, 4000)), max_width=1080, max_height=1920)
    assert decoded(tall.data).size == (576, 1920)


def test_a_small_image_is_never_scaled_up() -> None:
    assert fit(100, 50, 1080, 1920) == (100, 50)
    assert fit(2000, 1000, 1000) == (1000, 500)


def test_the_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    data = make("JPEG", (400, 100), exif=exif.tobytes())
    assert decoded(to_jpeg(data, max_width=1440).data).size == (100, 400)


def test_an_animated_gif_gives_its_first_frame() -> None:
    out = io.BytesIO()
    frames = [Image.new("RGB", (60, 40), c) for c in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    r, _, b = decoded(to_jpeg(out.getvalue(), max_width=1440).data).getpixel((5, 5))  # type: ignore[misc]
    assert r > 200 and b < 50


def test_an_image_past_the_pixel_limit_is_refused_before_decoding(settings: Any) -> None:
    settings.MEDIA_IMAGE_MAX_PIXELS = 10_000
    bomb = make("PNG", (1000, 1000), optimize=True)  # a few kB, a million pixels
    assert len(bomb) < 20_000
    with pytest.raises(MediaFetchError, match="more than 10,000 pixels"):
        image_info(bomb)
    with pytest.raises(MediaFetchError, match="more than 10,000 pixels"):
        to_jpeg(bomb, max_width=1440)


def test_the_size_is_read_from_the_first_bytes_alone() -> None:
    out = io.BytesIO()
    Image.effect_noise((1600, 1200), 64).convert("RGB").save(out, "JPEG", quality=95)
    data = out.getvalue()
    assert len(data) > 300_000
    info = image_info(data[:4096])  # what the relay reads before deciding
    assert (info.format, info.width, info.height) == ("JPEG", 1600, 1200)
