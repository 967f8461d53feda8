from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from publishing.sandbox._media import sample_mp4

CHUNK = 64 * 1024


@pytest.fixture(autouse=True)
def _uploads(tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_UPLOAD_DIR = tmp_path / "uploads"
    settings.MEDIA_UPLOAD_CHUNK_BYTES = CHUNK
    settings.MEDIA_PUBLIC_BASE_URL = "https://media.shop.test"


def jpeg(width: int = 800, height: int = 600, *, noise: bool = True) -> bytes:
    """A real JPEG; noise makes it large (about 3 bytes a pixel at most)."""
    if noise:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (200, 30, 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def mp4(seconds: float = 3.0, width: int = 320, height: int = 240) -> bytes:
    return sample_mp4(seconds, width, height)
