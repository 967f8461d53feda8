"""YouTube through the public API and the pipeline, against the sandbox over real HTTP: videos
and Shorts end published with their page's URL after exactly the resumable-upload calls Google
documents, an interrupted upload resumes where the server says, quota waits for the reset."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import PostTarget, TargetStatus
from publishing.platforms.youtube_errors import seconds_until_quota_reset
from publishing.sandbox.core import SandboxServer
from publishing.sandbox.youtube import sandbox_token
from publishing.services.dispatcher import dispatch_due
from publishing.services.pipeline import target_publish
from tests.factories import SocialAccountFactory
from tests.support.api import PUBLISH_URL
from tests.support.api import publish as publish_request

CHUNK = 256 * 1024
SIZE = 2 * CHUNK + 1000  # three chunks: two full ones and a short last one
TEXT = "Summer dress, new in\nHand embroidered, three colours."
UPLOAD = "/upload/youtube/v3/videos"


@pytest.fixture
def youtube(sandbox: SandboxServer, settings: Any) -> SandboxServer:
    settings.YOUTUBE_UPLOAD_CHUNK_BYTES = CHUNK
    return sandbox


@pytest.fixture
def channel(store: Store) -> SocialAccount:
    return SocialAccountFactory.create(store=store, platform="youtube")


def video(sandbox: SandboxServer, size: int = SIZE) -> dict[str, str]:
    return {"type": "video", "url": f"{sandbox.base_url}/_sandbox/media/clip.mp4?bytes={size}"}


def publish(
    api: APIClient, sandbox: SandboxServer, store: Store, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    content = {"text": TEXT, "media": [video(sandbox)], "link": "https://shop.test/p/1"}
    extra = {"options": {"youtube": options}} if options else {}
    return publish_request(api, store, platforms=["youtube"], content=content, wait=False, **extra)


def fault(sandbox: SandboxServer, **spec: Any) -> None:
    response = requests.post(
        f"{sandbox.base_url}/_sandbox/faults", json={"platform": "youtube", **spec}, timeout=5
    )
    assert response.status_code == 200, response.text


def calls(sandbox: SandboxServer) -> list[tuple[str, str, str]]:
    """``(method, path, Content-Range)`` of every YouTube API call, in order."""
    return [
        (r["method"], r["path"], r["headers"].get("content-range", ""))
        for r in sandbox.state.requests("youtube")
    ]


def only_target() -> PostTarget:
    return PostTarget.objects.get()


@pytest.mark.parametrize(("fmt", "page"), [("video", "/watch?v="), ("short", "/shorts/")])
def test_a_video_and_a_short_are_published_with_their_page_in_the_documented_calls(
    api: APIClient,
    store: Store,
    channel: SocialAccount,
    youtube: SandboxServer,
    fmt: str,
    page: str,
) -> None:
    answer = publish(api, youtube, store, {"format": fmt, "tags": ["dress"], "privacy": "unlisted"})
    target_publish(target_id=only_target().pk)

    [post] = youtube.state.posts("youtube")
    result = api.get(f"{PUBLISH_URL}/{answer['post_id']}").json()
    assert result["status"] == "published"
    url = f"{youtube.base_url}/youtube-web{page}{post['id']}"
    assert result["results"] == [
        {
            "platform": "youtube",
            "status": "published",
            "post_id": post["id"],
            "url": url,
            "notices": [],
        }
    ]
    watch = requests.get(url, timeout=5)
    assert watch.status_code == 200 and "Summer dress, new in" in watch.text
    assert post["bytes"] == SIZE
    assert post["snippet"]["title"] == "Summer dress, new in"
    assert post["snippet"]["tags"] == ["dress"]
    assert post["status"] == {"privacyStatus": "unlisted", "selfDeclaredMadeForKids": False}
    assert post["snippet"]["description"].endswith("#Shorts") == (fmt == "short")
    assert calls(youtube) == [
        ("POST", UPLOAD, ""),
        ("PUT", UPLOAD, f"bytes 0-{CHUNK - 1}/{SIZE}"),
        ("PUT", UPLOAD, f"bytes {CHUNK}-{2 * CHUNK - 1}/{SIZE}"),
        ("PUT", UPLOAD, f"bytes {2 * CHUNK}-{SIZE - 1}/{SIZE}"),
    ]
    start = youtube.state.requests("youtube")[0]
    assert start["query"] == {"uploadType": ["resumable"], "part": ["snippet,status"]}


def test_an_invalid_option_is_refused_before_anything_is_written(
    api: APIClient, store: Store, channel: SocialAccount, youtube: SandboxServer
) -> None:
    response = api.post(
        PUBLISH_URL,
        {"store_id": str(store.pk), "platforms": ["youtube"], "schedule_at": None,
         "content": {"text": TEXT, "media": [video(youtube)], "link": None},
         "options": {"youtube": {"format": "reel", "privacy": "friends", "title": "x" * 101}}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]["options"]["youtube"]) == {
        "format", "privacy", "title"
    }  # fmt: skip
    assert PostTarget.objects.count() == 0


def test_an_interrupted_upload_resumes_from_the_offset_the_server_reports(
    api: APIClient, store: Store, channel: SocialAccount, youtube: SandboxServer
) -> None:
    # The first chunk goes through (the latency fault only uses up one match), the second fails.
    fault(youtube, method="PUT", path=UPLOAD, kind="latency", delay_s=0)
    fault(youtube, method="PUT", path=UPLOAD, kind="server_error")
    publish(api, youtube, store)
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.QUEUED, "platform_down")
    assert target.checkpoint["offset"] == CHUNK
    assert target.due_at is not None

    with time_machine.travel(target.due_at + timedelta(seconds=1)):
        dispatch_due()
        target_publish(target_id=target.pk)

    assert only_target().status == TargetStatus.PUBLISHED
    [post] = youtube.state.posts("youtube")
    assert post["bytes"] == SIZE
    assert calls(youtube) == [
        ("POST", UPLOAD, ""),
        ("PUT", UPLOAD, f"bytes 0-{CHUNK - 1}/{SIZE}"),
        ("PUT", UPLOAD, f"bytes {CHUNK}-{2 * CHUNK - 1}/{SIZE}"),  # 503
        ("PUT", UPLOAD, f"bytes */{SIZE}"),  # where are we? 308, Range: bytes=0-262143
        ("PUT", UPLOAD, f"bytes {CHUNK}-{2 * CHUNK - 1}/{SIZE}"),
        ("PUT", UPLOAD, f"bytes {2 * CHUNK}-{SIZE - 1}/{SIZE}"),
    ]


def test_quota_exceeded_waits_for_the_reset_then_publishes_once(
    api: APIClient, store: Store, channel: SocialAccount, youtube: SandboxServer
) -> None:
    fault(youtube, method="POST", path=UPLOAD, kind="no_credits")
    publish(api, youtube, store)
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.QUEUED, "quota_exceeded")
    assert "midnight Pacific" in target.error_message
    assert target.due_at is not None
    reset = timezone.now() + timedelta(seconds=seconds_until_quota_reset())
    assert abs((target.due_at - reset).total_seconds()) < 30
    assert dispatch_due().requeued == 0

    with time_machine.travel(target.due_at + timedelta(seconds=1)):
        assert dispatch_due().requeued == 1
        target_publish(target_id=target.pk)
    assert only_target().status == TargetStatus.PUBLISHED
    assert len(youtube.state.posts("youtube")) == 1


def test_an_expired_token_fails_the_target_and_flags_the_account(
    api: APIClient, store: Store, channel: SocialAccount, youtube: SandboxServer
) -> None:
    fault(youtube, method="POST", path=UPLOAD, kind="expired_token")
    publish(api, youtube, store)
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "auth")
    channel.refresh_from_db()
    assert channel.status == SocialAccount.Status.NEEDS_RECONNECT


@pytest.mark.parametrize(
    ("upload_only", "outcome", "left"), [(False, "deleted", 0), (True, "not_supported", 1)]
)
def test_unpublish_deletes_the_video_where_the_scope_allows(
    api: APIClient, store: Store, youtube: SandboxServer, upload_only: bool, outcome: str, left: int
) -> None:
    handle = "shop_yt"
    SocialAccountFactory.create(
        store=store, platform="youtube", handle=handle,
        token=sandbox_token(handle, upload_only=upload_only),
    )  # fmt: skip
    answer = publish(api, youtube, store)
    target_publish(target_id=only_target().pk)
    response = api.post(f"{PUBLISH_URL}/{answer['post_id']}/unpublish", format="json")
    assert response.status_code == 200, response.json()
    [result] = response.json()["results"]
    assert (result["platform"], result["status"]) == ("youtube", outcome)
    if upload_only:
        assert "reconnect YouTube granting" in result["error"]["message"]
    assert len(youtube.state.posts("youtube")) == left
