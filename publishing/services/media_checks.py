"""Checking a post's videos against each platform's rules before a platform call is spent.

At request time each video URL is probed once, shared by every platform that gets it, in
parallel and within MEDIA_PROBE_REQUEST_BUDGET seconds, so the merchant hears "Instagram
Reels must be 3 s to 15 min; this video is 22 min." in the answer. A probe that is too slow,
or a server that cannot be probed cheaply, does not fail the request: the worker probes what
was not checked before the target's first platform call. A file that cannot be probed at all
is left to the platform to judge, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from django.conf import settings

from publishing.media.info import MediaInfo
from publishing.media.probe import MediaProbeError, probe_media
from publishing.platforms import (
    facebook_rules,
    instagram_rules,
    threads_video_rules,
    tiktok_rules,
    x_video_rules,
    youtube_rules,
)
from publishing.platforms.base import Content, RuleViolation
from publishing.platforms.video_rules import VideoRules, check_video

logger = logging.getLogger(__name__)

# Platform → the rules its videos must meet, given the content (its format decides).
VIDEO_RULES: dict[str, Callable[[Content], VideoRules | None]] = {
    "instagram": instagram_rules.video_rules,
    "facebook": facebook_rules.video_rules,
    "x": x_video_rules.video_rules,
    "tiktok": tiktok_rules.video_rules,
    "threads": threads_video_rules.video_rules,
    "youtube": youtube_rules.video_rules,
}
# A target's checkpoint key: its videos were checked (True) or could not be probed (False);
# either way they are not probed again when the target resumes.
CHECKED = "media_checked"
MAX_PARALLEL_PROBES = 4


def _videos(platform: str, content: Content) -> list[tuple[int, str, VideoRules]]:
    """(index in the media list, URL, rules) for every video of the content on ``platform``."""
    rules_for = VIDEO_RULES.get(platform)
    rules = rules_for(content) if rules_for else None
    if rules is None:
        return []
    return [(i, m.url, rules) for i, m in enumerate(content.media) if m.type == "video"]


def has_videos_to_check(platform: str, content: Content) -> bool:
    return bool(_videos(platform, content))


def probe_videos(urls: Iterable[str], *, max_bytes: int, seconds: float) -> dict[str, MediaInfo]:
    """Probe each URL once, in parallel; the ones measured within ``seconds``.

    Probes still running when the time is up are abandoned: each one's own deadline is the
    same, so its thread ends soon after.
    """
    unique = list(dict.fromkeys(urls))
    if not unique or seconds <= 0:
        return {}
    pool = ThreadPoolExecutor(max_workers=min(len(unique), MAX_PARALLEL_PROBES))
    futures = {
        url: pool.submit(probe_media, url, "video", max_bytes=max_bytes, deadline_seconds=seconds)
        for url in unique
    }
    # FIRST_EXCEPTION only ends early on a bug: probe failures are caught below.
    wait(futures.values(), timeout=seconds, return_when=FIRST_EXCEPTION)
    pool.shutdown(wait=False, cancel_futures=True)
    found: dict[str, MediaInfo] = {}
    for url, future in futures.items():
        if not future.done() or future.cancelled():
            logger.info("media probe ran out of time", extra={"url": url})
            continue
        try:
            found[url] = future.result()
        except MediaProbeError as exc:
            logger.info("media could not be probed: %s", exc, extra={"url": url})
        except Exception:
            # A probe is an early warning, never a gate: a bug or a file that trips the
            # decoder leaves the file to the platform rather than failing the post.
            logger.exception("media probe failed unexpectedly", extra={"url": url})
    return found


def media_violations(
    platform: str, content: Content, probed: Mapping[str, MediaInfo]
) -> list[RuleViolation]:
    """The platform's video rules broken by the probed videos (unprobed ones are skipped)."""
    problems: list[RuleViolation] = []
    for index, url, rules in _videos(platform, content):
        info = probed.get(url)
        if info is not None:
            problems += check_video(rules, info, f"content.media[{index}]")
    return problems


def fully_checked(platform: str, content: Content, probed: Mapping[str, MediaInfo]) -> bool:
    """Whether the platform gets videos and every one was probed (so the worker need not)."""
    videos = _videos(platform, content)
    return bool(videos) and all(url in probed for _, url, _ in videos)


def request_probe(contents: Mapping[str, Content]) -> dict[str, MediaInfo]:
    """Probe the videos of a publish request (platform → its content), within the budget."""
    if not settings.MEDIA_PROBE_AT_REQUEST:
        return {}
    urls = [url for p, content in contents.items() for _, url, _ in _videos(p, content)]
    return probe_videos(
        urls,
        max_bytes=settings.MEDIA_PROBE_MAX_BYTES,
        seconds=settings.MEDIA_PROBE_REQUEST_BUDGET,
    )


def worker_check(platform: str, content: Content) -> tuple[list[RuleViolation], bool]:
    """Probe the target's videos in the worker: (violations, whether all were probed)."""
    urls = [url for _, url, _ in _videos(platform, content)]
    probed = probe_videos(
        urls,
        max_bytes=settings.MEDIA_PROBE_WORKER_MAX_BYTES,
        seconds=settings.MEDIA_PROBE_WORKER_DEADLINE,
    )
    return media_violations(platform, content, probed), len(probed) == len(set(urls))
