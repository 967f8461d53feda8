"""X's rules for a video file (PLATFORMS.md 3.3), checked once the video is probed.

Longer video (up to 10 minutes and more) needs ``amplify_video`` or an eligible account,
which this service does not use, so 140 seconds is the limit.
"""

from __future__ import annotations

from publishing.platforms.base import Content
from publishing.platforms.video_rules import MB, VideoRules

VIDEO = VideoRules(
    name="X videos",
    min_seconds=0.5,
    max_seconds=140,
    max_bytes=512 * MB,
    min_aspect=1 / 3,
    max_aspect=3,
    aspect_rule="must have an aspect ratio from 1:3 to 3:1",
    min_side=32,
    # X states 1280x1024; a vertical 720x1280 is accepted too, so the bound is taken either
    # way up rather than refusing every phone video.
    max_frame=(1280, 1024),
    video_codecs=("h264",),
    audio_codecs=("aac",),
    containers=("mp4", "mov"),
)


def video_rules(content: Content) -> VideoRules | None:
    return VIDEO
