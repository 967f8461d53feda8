"""Which image of an X post is an animated GIF, and whether X takes it (PLATFORMS.md 3.2, 3.3).

The API's media types are ``image`` and ``video``; X treats an animated GIF as a kind of its
own: one per post and alone, up to 15 MB, 1280x1080 and 350 frames, sent through the chunked
upload as ``tweet_gif``. So an image served as ``image/gif`` with more than one frame is a GIF
for X; a still GIF is an ordinary image.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

MAX_GIF_WIDTH = 1280
MAX_GIF_HEIGHT = 1080
MAX_GIF_FRAMES = 350


@dataclass(frozen=True)
class AnimatedGif:
    width: int
    height: int
    frames: int

    def problem(self) -> str | None:
        """Why X would refuse it, or None."""
        if self.width > MAX_GIF_WIDTH or self.height > MAX_GIF_HEIGHT:
            return (
                f"X takes animated GIFs up to {MAX_GIF_WIDTH}x{MAX_GIF_HEIGHT} pixels; "
                f"this one is {self.width}x{self.height}."
            )
        if self.frames > MAX_GIF_FRAMES:
            return (
                f"X takes animated GIFs of up to {MAX_GIF_FRAMES} frames; "
                f"this one has {self.frames}."
            )
        return None


def animated_gif(content_type: str, data: bytes) -> AnimatedGif | None:
    """The animated GIF in ``data``, or None for anything else (a still GIF included)."""
    if content_type != "image/gif":
        return None
    try:
        with Image.open(io.BytesIO(data), formats=["GIF"]) as image:
            if not getattr(image, "is_animated", False):
                return None
            return AnimatedGif(image.width, image.height, int(getattr(image, "n_frames", 1)))
    except (OSError, ValueError, Image.DecompressionBombError):
        # Not a GIF we can read: sent as an image, X judges it.
        return None
