"""What a probe measured about one media file: plain data, so platform rules can read it
without knowing how it was measured."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaInfo:
    """One media file as a viewer sees it.

    ``width`` and ``height`` are the displayed size: a phone video stored 1920x1080 with a
    90° rotation is 1080x1920 here, as the platforms judge it. ``container`` and the codecs
    are short lowercase names (``mp4``, ``mov``, ``webm``; ``h264``, ``hevc``, ``aac``;
    ``jpeg``, ``png`` for images); an absent audio track is ``""``.
    """

    kind: str  # "video" | "image"
    container: str
    width: int
    height: int
    size_bytes: int | None = None
    duration_seconds: float | None = None
    video_codec: str = ""
    audio_codec: str = ""
    frame_rate: float | None = None
    bit_rate: int | None = None
    rotation: int = 0

    @property
    def aspect_ratio(self) -> float:
        """Width over height (0.5625 for 9:16)."""
        return self.width / self.height if self.height else 0.0
