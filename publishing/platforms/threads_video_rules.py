"""Threads' rules for a video file (PLATFORMS.md 5.3), checked once the video is probed."""

from __future__ import annotations

from publishing.platforms.base import Content
from publishing.platforms.video_rules import GB, VideoRules

VIDEO = VideoRules(
    name="Threads videos",
    max_seconds=5 * 60,
    max_bytes=1 * GB,
    min_aspect=0.01,
    max_aspect=10,
    aspect_rule="must have an aspect ratio from 0.01:1 to 10:1",
    max_width=1920,
    video_codecs=("h264", "hevc"),
    audio_codecs=("aac",),
    containers=("mp4", "mov"),
)


def video_rules(content: Content) -> VideoRules | None:
    return VIDEO
