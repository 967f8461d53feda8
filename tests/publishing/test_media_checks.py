"""Videos checked against each platform's rules before a platform call is spent: at request
time through the public API (4xx naming the rule, nothing written), and in the worker when
the request could not probe them (the target fails, no platform call made). Real videos from
the sandbox over real HTTP."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Store
from publishing.models import Post, PostTarget, TargetStatus
from publishing.sandbox._media import sample_mp4
from publishing.sandbox.core import SandboxServer
from publishing.services.pipeline import target_publish
from tests.factories import SocialAccountFactory
from tests.support.api import PUBLISH_URL
from tests.support.api import publish as publish_ok

TEXT = "فستان صيفي جديد"
REEL_22_MIN = "reel.mp4?seconds=1320&width=1080&height=1920"


@pytest.fixture
def media_sandbox(sandbox: SandboxServer, settings: Any) -> SandboxServer:
    settings.INSTAGRAM_CONTAINER_POLL_SECONDS = 0.01
    settings.INSTAGRAM_CONTAINER_WAIT_SECONDS = 2
    return sandbox


def video(sandbox: SandboxServer, path: str) -> dict[str, str]:
    return {"type": "video", "url": f"{sandbox.base_url}/_sandbox/media/{path}"}


def body(
    store: Store, platforms: list[str], media: list[dict[str, str]], **options: Any
) -> dict[str, Any]:
    return {
        "store_id": str(store.pk),
        "platforms": platforms,
        "content": {"text": TEXT, "media": media, "link": None},
        "schedule_at": None,
        "options": options,
        "wait": False,
    }


def connect(store: Store, *platforms: str) -> None:
    for platform in platforms:
        SocialAccountFactory.create(store=store, platform=platform)


def refused(api: APIClient, payload: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    response = api.post(PUBLISH_URL, payload, format="json")
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "platform_rules"
    assert not Post.objects.exists() and not PostTarget.objects.exists()
    problems: dict[str, list[dict[str, str]]] = error["details"]["platforms"]
    return problems


def test_a_22_minute_reel_is_refused_at_request_time_naming_the_rule(
    api: APIClient, store: Store, media_sandbox: SandboxServer
) -> None:
    connect(store, "instagram")

    problems = refused(api, body(store, ["instagram"], [video(media_sandbox, REEL_22_MIN)]))

    assert problems == {
        "instagram": [
            {
                "code": "video_duration",
                "field": "content.media[0]",
                "message": "Instagram Reels must be 3 s to 15 min; this video is 22 min.",
            }
        ]
    }
    assert media_sandbox.state.requests("instagram") == []


def test_one_video_is_checked_against_every_platform_it_goes_to(
    api: APIClient, store: Store, media_sandbox: SandboxServer
) -> None:
    connect(store, "x", "youtube", "tiktok")
    landscape = video(media_sandbox, "clip.mp4?seconds=150&width=1920&height=1080")
    payload = body(store, ["x", "youtube", "tiktok"], [landscape], youtube={"format": "short"})

    problems = refused(api, payload)

    assert {p: [v["message"] for v in found] for p, found in problems.items()} == {
        "x": [
            "X videos must be 0.5 s to 2 min 20 s; this video is 2 min 30 s.",
            "X videos must fit in 1280x1024 (either way up); this video is 1920x1080.",
        ],
        "youtube": ["YouTube Shorts must be vertical or square; this video is 1920x1080."],
    }


def test_a_fitting_video_passes_and_its_targets_are_not_probed_again(
    api: APIClient, store: Store, media_sandbox: SandboxServer
) -> None:
    connect(store, "instagram", "youtube")
    clip = video(media_sandbox, "ok.mp4?seconds=30&width=1080&height=1920")

    publish_ok(
        api,
        store,
        platforms=["instagram", "youtube"],
        content={"text": TEXT, "media": [clip], "link": None},
        options={"youtube": {"format": "short"}},
        wait=False,
    )

    assert {t.platform: t.checkpoint for t in PostTarget.objects.all()} == {
        "instagram": {"media_checked": True},
        "youtube": {"media_checked": True},
    }


def test_request_time_probing_can_be_turned_off(
    api: APIClient, store: Store, media_sandbox: SandboxServer, settings: Any
) -> None:
    settings.MEDIA_PROBE_AT_REQUEST = False
    connect(store, "instagram")

    publish_ok(
        api,
        store,
        platforms=["instagram"],
        content={"text": TEXT, "media": [video(media_sandbox, REEL_22_MIN)], "link": None},
        wait=False,
    )

    assert PostTarget.objects.get().checkpoint == {}


def test_the_worker_fails_a_target_whose_video_the_request_did_not_probe(
    api: APIClient, store: Store, media_sandbox: SandboxServer, settings: Any
) -> None:
    settings.MEDIA_PROBE_REQUEST_BUDGET = 0
    connect(store, "instagram")
    answer = publish_ok(
        api,
        store,
        platforms=["instagram"],
        content={"text": TEXT, "media": [video(media_sandbox, REEL_22_MIN)], "link": None},
        wait=False,
    )
    target = PostTarget.objects.get()

    target_publish(target_id=target.pk)

    target.refresh_from_db()
    assert (target.status, target.error_code, target.error_message) == (
        TargetStatus.FAILED,
        "video_duration",
        "Instagram Reels must be 3 s to 15 min; this video is 22 min.",
    )
    assert media_sandbox.state.requests("instagram") == []
    assert not target.attempts.exists()
    result = api.get(f"{PUBLISH_URL}/{answer['post_id']}").json()
    assert result["status"] == "failed"


def test_without_range_support_the_request_passes_and_the_worker_checks(
    api: APIClient, store: Store, media_sandbox: SandboxServer, settings: Any
) -> None:
    # The video's index lies past what the request may read, and the server will not send
    # a range of it: the request cannot tell, the worker (with its larger budget) can.
    settings.MEDIA_PROBE_MAX_BYTES = 2048
    connect(store, "youtube")
    long_short = video(media_sandbox, "long.mp4?seconds=240&width=1080&height=1920&ranges=none")
    publish_ok(
        api,
        store,
        platforms=["youtube"],
        content={"text": TEXT, "media": [long_short], "link": None},
        options={"youtube": {"format": "short"}},
        wait=False,
    )
    target = PostTarget.objects.get()
    assert target.checkpoint == {}

    target_publish(target_id=target.pk)

    target.refresh_from_db()
    assert target.status == TargetStatus.FAILED
    assert target.error_message == "YouTube Shorts must be at most 3 min; this video is 4 min."
    assert media_sandbox.state.requests("youtube") == []


def test_a_resuming_target_is_not_probed_again(
    api: APIClient, store: Store, media_sandbox: SandboxServer, settings: Any
) -> None:
    # Checked once already (here: marked so): whatever the file says now, the worker goes
    # straight to the platform, which judges it.
    settings.MEDIA_PROBE_AT_REQUEST = False
    connect(store, "x")
    publish_ok(
        api,
        store,
        platforms=["x"],
        content={"text": TEXT, "media": [video(media_sandbox, REEL_22_MIN)], "link": None},
        wait=False,
    )
    target = PostTarget.objects.get()
    PostTarget.objects.filter(pk=target.pk).update(checkpoint={"media_checked": True})

    target_publish(target_id=target.pk)

    target.refresh_from_db()
    assert target.status == TargetStatus.PUBLISHED
    assert media_sandbox.state.requests("x")


def test_a_file_that_cannot_be_probed_is_left_to_the_platform(
    api: APIClient, store: Store, media_sandbox: SandboxServer
) -> None:
    connect(store, "x")
    publish_ok(
        api,
        store,
        platforms=["x"],
        content={
            "text": TEXT,
            "media": [video(media_sandbox, "filler.mp4?bytes=4096")],
            "link": None,
        },
        wait=False,
    )
    target = PostTarget.objects.get()
    assert target.checkpoint == {}

    target_publish(target_id=target.pk)

    target.refresh_from_db()
    assert target.status == TargetStatus.PUBLISHED
    assert target.checkpoint["media_checked"] is False


def test_an_edit_is_checked_too_and_a_new_video_is_marked_afresh(
    api: APIClient, store: Store, media_sandbox: SandboxServer
) -> None:
    connect(store, "instagram")
    later = (timezone.now() + timedelta(hours=2)).isoformat()
    answer = publish_ok(
        api,
        store,
        platforms=["instagram"],
        content={"text": TEXT, "media": [video(media_sandbox, "ok.mp4?seconds=30")], "link": None},
        schedule_at=later,
        wait=False,
    )
    url = f"{PUBLISH_URL}/{answer['post_id']}"

    too_long = {"text": TEXT, "media": [video(media_sandbox, REEL_22_MIN)], "link": None}
    response = api.patch(url, {"content": too_long}, format="json")

    assert response.status_code == 400
    [problem] = response.json()["error"]["details"]["platforms"]["instagram"]
    assert problem["message"] == "Instagram Reels must be 3 s to 15 min; this video is 22 min."
    assert Post.objects.get().media[0]["url"].endswith("ok.mp4?seconds=30")

    assert PostTarget.objects.get().checkpoint == {"media_checked": True}

    # A video that cannot be probed drops the old mark: the worker will check it.
    filler = {"text": TEXT, "media": [video(media_sandbox, "f.mp4?bytes=4096")], "link": None}
    response = api.patch(url, {"content": filler}, format="json")
    assert response.status_code == 200, response.json()
    assert PostTarget.objects.get().checkpoint == {}

    # A Story of a 30-second video is checked against the Story rules and marked again.
    fits = {"text": TEXT, "media": [video(media_sandbox, "ok.mp4?seconds=30")], "link": None}
    response = api.patch(
        url, {"content": fits, "options": {"instagram": {"format": "story"}}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert PostTarget.objects.get().checkpoint == {"media_checked": True}


class _Host(BaseHTTPRequestHandler):
    """A media host without Range support: counts requests, may answer slowly."""

    protocol_version = "HTTP/1.1"
    delay = 0.0
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.seen.append(self.path)
        time.sleep(self.delay)
        body = sample_mp4(150.0, 1920, 1080)
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def host(media_sandbox: SandboxServer) -> Iterator[tuple[str, type[_Host]]]:
    handler = type("Host", (_Host,), {"seen": [], "delay": 0.0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/clip.mp4", handler
    finally:
        server.shutdown()
        server.server_close()


def test_a_video_shared_by_several_platforms_is_probed_once(
    api: APIClient, store: Store, host: tuple[str, type[_Host]]
) -> None:
    url, handler = host
    connect(store, "x", "tiktok", "youtube")

    problems = refused(
        api, body(store, ["x", "tiktok", "youtube"], [{"type": "video", "url": url}])
    )

    assert list(problems) == ["x"]
    assert handler.seen == ["/clip.mp4"]


def test_a_slow_media_host_does_not_hold_the_request_past_the_budget(
    api: APIClient, store: Store, host: tuple[str, type[_Host]], settings: Any
) -> None:
    url, handler = host
    handler.delay = 2.0
    settings.MEDIA_PROBE_REQUEST_BUDGET = 0.3
    connect(store, "x")
    api.get(PUBLISH_URL)  # the first request of a process loads the API; time the next

    started = time.monotonic()
    publish_ok(
        api,
        store,
        platforms=["x"],
        content={"text": TEXT, "media": [{"type": "video", "url": url}], "link": None},
        wait=False,
    )

    assert time.monotonic() - started < 1.5
    assert PostTarget.objects.get().checkpoint == {}  # the worker will check it
