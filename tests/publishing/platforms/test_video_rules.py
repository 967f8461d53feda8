"""Each platform's video rules against measured videos: the message names the rule and the
value measured, and videos within the rules pass."""

from __future__ import annotations

from dataclasses import replace

import pytest

from publishing.media.info import MediaInfo
from publishing.platforms import (
    facebook_rules,
    instagram_rules,
    threads_video_rules,
    tiktok_rules,
    x_video_rules,
    youtube_rules,
)
from publishing.platforms.base import Content, MediaItem
from publishing.platforms.video_rules import MB, VideoRules, check_video, duration_text

VERTICAL = MediaInfo(
    kind="video",
    container="mp4",
    width=1080,
    height=1920,
    size_bytes=20 * MB,
    duration_seconds=30.0,
    video_codec="h264",
    audio_codec="aac",
)


def video(**changes: object) -> MediaInfo:
    return replace(VERTICAL, **changes)  # type: ignore[arg-type]


def messages(rules: VideoRules, info: MediaInfo) -> list[str]:
    return [v.message for v in check_video(rules, info, "content.media[0]")]


def test_a_22_minute_reel_names_the_rule_and_the_length() -> None:
    problems = check_video(instagram_rules.REEL_VIDEO, video(duration_seconds=1320.0), "f")

    assert [(p.code, p.message, p.field) for p in problems] == [
        ("video_duration", "Instagram Reels must be 3 s to 15 min; this video is 22 min.", "f")
    ]


@pytest.mark.parametrize(
    ("rules", "info", "message"),
    [
        (
            instagram_rules.STORY_VIDEO,
            video(duration_seconds=2.0),
            "Instagram Story videos must be 3 s to 1 min; this video is 2 s.",
        ),
        (
            instagram_rules.STORY_VIDEO,
            video(size_bytes=150 * MB),
            "Instagram Story videos must be at most 100 MB; this video is 150 MB.",
        ),
        (
            instagram_rules.REEL_VIDEO,
            video(width=2160, height=3840),
            "Instagram Reels must be at most 1920 px wide; this video is 2160x3840.",
        ),
        (
            instagram_rules.FEED_VIDEO,
            video(video_codec="vp9", container="webm"),
            "Instagram feed videos must be MP4 or MOV files; this video is WebM.",
        ),
        (
            youtube_rules.SHORT,
            video(width=1920, height=1080),
            "YouTube Shorts must be vertical or square; this video is 1920x1080.",
        ),
        (
            youtube_rules.SHORT,
            video(duration_seconds=240.0),
            "YouTube Shorts must be at most 3 min; this video is 4 min.",
        ),
        (
            x_video_rules.VIDEO,
            video(duration_seconds=141.0, width=720, height=1280),
            "X videos must be 0.5 s to 2 min 20 s; this video is 2 min 21 s.",
        ),
        (
            x_video_rules.VIDEO,
            video(width=1080, height=1920),
            "X videos must fit in 1280x1024 (either way up); this video is 1080x1920.",
        ),
        (
            x_video_rules.VIDEO,
            video(width=400, height=1600),
            "X videos must have an aspect ratio from 1:3 to 3:1; this video is 400x1600.",
        ),
        (
            x_video_rules.VIDEO,
            video(width=720, height=1280, audio_codec="opus"),
            "X videos must have AAC audio; this video has Opus audio.",
        ),
        (
            tiktok_rules.VIDEO,
            video(duration_seconds=660.0, width=200, height=300),
            "TikTok videos must be at most 10 min; this video is 11 min.",
        ),
        (
            threads_video_rules.VIDEO,
            video(video_codec="mpeg4"),
            "Threads videos must be H.264 or HEVC video; this video is MPEG-4 Part 2.",
        ),
        (
            facebook_rules.REEL_VIDEO,
            video(duration_seconds=95.0),
            "Facebook Reels must be 3 s to 1 min 30 s; this video is 1 min 35 s.",
        ),
    ],
)
def test_each_rule_names_itself_and_the_measured_value(
    rules: VideoRules, info: MediaInfo, message: str
) -> None:
    assert message in messages(rules, info)


def test_tiktok_checks_each_side() -> None:
    assert messages(tiktok_rules.VIDEO, video(width=200, height=300)) == [
        "TikTok videos must be 360 to 4096 px on each side; this video is 200x300."
    ]


@pytest.mark.parametrize(
    "rules",
    [
        instagram_rules.REEL_VIDEO,
        instagram_rules.STORY_VIDEO,
        facebook_rules.PAGE_VIDEO,
        facebook_rules.REEL_VIDEO,
        tiktok_rules.VIDEO,
        threads_video_rules.VIDEO,
        youtube_rules.VIDEO,
        youtube_rules.SHORT,
    ],
)
def test_a_30_second_vertical_phone_video_fits_every_vertical_format(rules: VideoRules) -> None:
    assert messages(rules, VERTICAL) == []


def test_a_square_short_and_a_landscape_ordinary_video_pass_on_youtube() -> None:
    assert messages(youtube_rules.SHORT, video(width=1080, height=1080)) == []
    assert messages(youtube_rules.VIDEO, video(width=1920, height=1080)) == []


def test_a_720p_landscape_clip_fits_x() -> None:
    assert messages(x_video_rules.VIDEO, video(width=1280, height=720)) == []


def test_the_format_picks_the_rules() -> None:
    clip = (MediaItem("video", "https://cdn.example/a.mp4"),)

    assert instagram_rules.video_rules(Content(media=clip)) is instagram_rules.REEL_VIDEO
    assert (
        instagram_rules.video_rules(Content(media=clip, format="story"))
        is instagram_rules.STORY_VIDEO
    )
    assert facebook_rules.video_rules(Content(media=clip)) is facebook_rules.PAGE_VIDEO
    assert (
        facebook_rules.video_rules(Content(media=clip, format="reel")) is facebook_rules.REEL_VIDEO
    )
    assert youtube_rules.video_rules(Content(media=clip, format="short")) is youtube_rules.SHORT
    assert youtube_rules.video_rules(Content(media=clip)) is youtube_rules.VIDEO


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.5, "0.5 s"),
        (3, "3 s"),
        (59.6, "1 min"),
        (90, "1 min 30 s"),
        (900, "15 min"),
        (43200, "12 h"),
    ],
)
def test_durations_read_as_people_write_them(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text
