"""A platform's rules for a video file, as data, and the check of a probed video against them.

Each platform's rules module holds its own tables (``instagram_rules.REEL_VIDEO`` …); this
module only knows how to read one. Every violation names the rule and the measured value, so
the merchant learns what to change: "Instagram Reels must be 3 s to 15 min; this video is
22 min."
"""

from __future__ import annotations

from dataclasses import dataclass

from publishing.media.info import MediaInfo
from publishing.platforms.base import RuleViolation

MB = 1024 * 1024
GB = 1024 * MB

# Every code a video check answers, for those who word them (the dashboard).
VIDEO_CODES = (
    "video_duration",
    "video_too_large",
    "video_dimensions",
    "video_aspect_ratio",
    "video_container",
    "video_codec",
    "audio_codec",
)

_NAMES = {
    "h264": "H.264",
    "hevc": "HEVC",
    "vp8": "VP8",
    "vp9": "VP9",
    "av1": "AV1",
    "mpeg4": "MPEG-4 Part 2",
    "aac": "AAC",
    "opus": "Opus",
    "vorbis": "Vorbis",
    "mp3": "MP3",
    "mp4": "MP4",
    "mov": "MOV",
    "webm": "WebM",
    "mkv": "Matroska",
}


@dataclass(frozen=True)
class VideoRules:
    """What one platform accepts for one kind of video (all limits optional).

    ``name`` starts every message ("Instagram Reels"). Aspect ratios are width over height;
    ``aspect_rule`` is how the platform words its range ("must be vertical or square").
    ``max_frame`` is a (long side, short side) bound, whichever way the video is turned.
    Codec and container names are the probe's (``h264``, ``mp4``); empty means any.
    """

    name: str
    min_seconds: float | None = None
    max_seconds: float | None = None
    max_bytes: int | None = None
    min_aspect: float | None = None
    max_aspect: float | None = None
    aspect_rule: str = ""
    max_width: int | None = None
    min_side: int | None = None
    max_side: int | None = None
    max_frame: tuple[int, int] | None = None
    video_codecs: tuple[str, ...] = ()
    audio_codecs: tuple[str, ...] = ()
    containers: tuple[str, ...] = ()


def duration_text(seconds: float) -> str:
    """``3 s``, ``0.5 s``, ``15 min``, ``2 min 20 s``, ``12 h``."""
    if seconds < 10 and seconds != int(seconds):
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole % 3600 == 0:
        return f"{whole // 3600} h"
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min" if not rest else f"{minutes} min {rest} s"


def size_text(size: int) -> str:
    if size >= GB:
        return f"{size / GB:.3g} GB"
    return f"{size / MB:.3g} MB" if size >= MB else f"{max(size // 1024, 1)} KB"


def _names(values: tuple[str, ...]) -> str:
    named = [_NAMES.get(v, v) for v in values]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]


def _duration_problem(rules: VideoRules, seconds: float) -> str:
    low, high = rules.min_seconds, rules.max_seconds
    if (low is None or seconds >= low) and (high is None or seconds <= high):
        return ""
    if low is not None and high is not None:
        allowed = f"{duration_text(low)} to {duration_text(high)}"
    elif high is not None:
        allowed = f"at most {duration_text(high)}"
    else:
        allowed = f"at least {duration_text(low or 0)}"
    return f"{rules.name} must be {allowed}; this video is {duration_text(seconds)}."


def _dimension_problems(rules: VideoRules, info: MediaInfo) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    shape = f"{info.width}x{info.height}"
    low, high = rules.min_aspect, rules.max_aspect
    ratio = info.aspect_ratio
    # A hair of tolerance: 1080x1920 is 9:16 whether the limit is written 0.5625 or 9/16.
    if (low is not None and ratio < low * 0.999) or (high is not None and ratio > high * 1.001):
        found.append(
            ("video_aspect_ratio", f"{rules.name} {rules.aspect_rule}; this video is {shape}.")
        )
    if rules.max_width is not None and info.width > rules.max_width:
        found.append(
            (
                "video_dimensions",
                f"{rules.name} must be at most {rules.max_width} px wide; this video is {shape}.",
            )
        )
    small, large = min(info.width, info.height), max(info.width, info.height)
    if (rules.min_side is not None and small < rules.min_side) or (
        rules.max_side is not None and large > rules.max_side
    ):
        bounds = (
            f"{rules.min_side} to {rules.max_side} px"
            if rules.min_side is not None and rules.max_side is not None
            else f"at least {rules.min_side} px"
            if rules.min_side is not None
            else f"at most {rules.max_side} px"
        )
        found.append(
            (
                "video_dimensions",
                f"{rules.name} must be {bounds} on each side; this video is {shape}.",
            )
        )
    if rules.max_frame is not None and (large > rules.max_frame[0] or small > rules.max_frame[1]):
        long_side, short_side = rules.max_frame
        found.append(
            (
                "video_dimensions",
                f"{rules.name} must fit in {long_side}x{short_side} (either way up); this video "
                f"is {shape}.",
            )
        )
    return found


def _format_problems(rules: VideoRules, info: MediaInfo) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if rules.containers and info.container not in rules.containers:
        found.append(
            (
                "video_container",
                f"{rules.name} must be {_names(rules.containers)} files; this video is "
                f"{_NAMES.get(info.container, info.container)}.",
            )
        )
    if rules.video_codecs and info.video_codec not in rules.video_codecs:
        found.append(
            (
                "video_codec",
                f"{rules.name} must be {_names(rules.video_codecs)} video; this video is "
                f"{_NAMES.get(info.video_codec, info.video_codec)}.",
            )
        )
    if rules.audio_codecs and info.audio_codec and info.audio_codec not in rules.audio_codecs:
        found.append(
            (
                "audio_codec",
                f"{rules.name} must have {_names(rules.audio_codecs)} audio; this video has "
                f"{_NAMES.get(info.audio_codec, info.audio_codec)} audio.",
            )
        )
    return found


def check_video(rules: VideoRules, info: MediaInfo, field: str) -> list[RuleViolation]:
    """Every rule ``info`` breaks, each naming the rule and what was measured."""
    found: list[tuple[str, str]] = []
    if info.duration_seconds is not None and (
        message := _duration_problem(rules, info.duration_seconds)
    ):
        found.append(("video_duration", message))
    size, most = info.size_bytes, rules.max_bytes
    if most is not None and size is not None and size > most:
        found.append(
            (
                "video_too_large",
                f"{rules.name} must be at most {size_text(most)}; this video is {size_text(size)}.",
            )
        )
    found += _dimension_problems(rules, info) + _format_problems(rules, info)
    return [RuleViolation(code, message, field) for code, message in found]
