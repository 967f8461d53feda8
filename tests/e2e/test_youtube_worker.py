"""YouTube end to end through real Celery worker and beat processes, PostgreSQL, Redis and the
sandbox over HTTP (see test_worker_beat.py for the stack)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import PostTarget, TargetStatus
from tests.e2e.conftest import Stack
from tests.factories import SocialAccountFactory
from tests.support.api import post_status, publish
from tests.support.processes import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

CHUNK = 256 * 1024
SIZE = 4 * CHUNK
UPLOAD = "/upload/youtube/v3/videos"


@pytest.fixture
def channel(store: Store) -> SocialAccount:
    return SocialAccountFactory.create(store=store, platform="youtube")


def calls(stack: Stack, method: str) -> list[str]:
    """The Content-Range of each call of ``method`` to the upload endpoint, in order."""
    return [
        r["headers"].get("content-range", "")
        for r in stack.sandbox.state.requests("youtube")
        if (r["method"], r["path"]) == (method, UPLOAD)
    ]


def test_worker_killed_mid_upload_resumes_the_session_and_makes_one_video(
    api: APIClient, store: Store, channel: SocialAccount, stack: Stack
) -> None:
    # Every chunk takes a second: the worker is killed with the upload part way through.
    stack.fault("youtube", method="PUT", path=UPLOAD, kind="latency", delay_s=1, times=0)
    first = stack.worker("first", YOUTUBE_UPLOAD_CHUNK_BYTES=str(CHUNK))
    stack.beat()
    clip = f"{stack.sandbox.base_url}/_sandbox/media/clip.mp4?bytes={SIZE}"
    answer = publish(
        api,
        store,
        platforms=["youtube"],
        content={"text": "Summer dress", "media": [{"type": "video", "url": clip}], "link": None},
        wait=False,
    )
    wait_for(
        lambda: PostTarget.objects.filter(checkpoint__offset__gte=CHUNK).exists(),
        30,
        f"the first chunk\n{stack.logs()}",
    )
    first.kill()
    target = PostTarget.objects.get()
    assert (target.status, target.create_started_at) == (TargetStatus.PROCESSING, None)
    assert stack.sandbox.state.posts("youtube") == []
    stack.clear_faults()

    stack.worker("second", YOUTUBE_UPLOAD_CHUNK_BYTES=str(CHUNK))
    wait_for(
        lambda: post_status(api, answer["post_id"]) == "published",
        60,
        f"recovery\n{stack.logs()}",
    )
    [video] = stack.sandbox.state.posts("youtube")
    target = PostTarget.objects.get()
    assert target.platform_post_id == video["id"]
    assert target.url == f"{stack.sandbox.base_url}/youtube-web/watch?v={video['id']}"
    assert video["bytes"] == SIZE
    assert len(calls(stack, "POST")) == 1  # one session, resumed
    puts = calls(stack, "PUT")
    assert f"bytes */{SIZE}" in puts
    # Each chunk reached the server once or, for the one cut off by the kill, twice at most.
    assert puts[0] == f"bytes 0-{CHUNK - 1}/{SIZE}"
    assert puts[-1] == f"bytes {3 * CHUNK}-{SIZE - 1}/{SIZE}"
