"""TikTok end to end through real Celery worker and beat processes, PostgreSQL, Redis and the
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

MIB = 1024 * 1024
CHUNK = 5 * MIB  # TikTok's smallest chunk
SIZE = 3 * CHUNK + 1000


@pytest.fixture
def creator(store: Store) -> SocialAccount:
    return SocialAccountFactory.create(store=store, platform="tiktok", handle="shop_tt")


def calls(stack: Stack, path: str) -> list[str]:
    """The Content-Range (or "") of each call to ``path``, in order."""
    return [
        r["headers"].get("content-range", "")
        for r in stack.sandbox.state.requests("tiktok")
        if r["path"] == path
    ]


def test_worker_killed_mid_upload_resumes_the_publish_and_makes_one_video(
    api: APIClient, store: Store, creator: SocialAccount, stack: Stack
) -> None:
    # Every chunk takes a second: the worker is killed with the upload part way through.
    stack.fault("tiktok", method="PUT", path="/upload/", kind="latency", delay_s=1, times=0)
    first = stack.worker(
        "first", TIKTOK_UPLOAD_CHUNK_BYTES=str(CHUNK), TIKTOK_STATUS_POLL_SECONDS="0.2"
    )
    stack.beat()
    clip = f"{stack.sandbox.base_url}/_sandbox/media/clip.mp4?bytes={SIZE}"
    answer = publish(
        api,
        store,
        platforms=["tiktok"],
        content={"text": "Summer dress", "media": [{"type": "video", "url": clip}], "link": None},
        options={"tiktok": {"privacy_level": "PUBLIC_TO_EVERYONE"}},
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
    assert stack.sandbox.state.posts("tiktok") == []
    stack.clear_faults()

    stack.worker("second", TIKTOK_UPLOAD_CHUNK_BYTES=str(CHUNK), TIKTOK_STATUS_POLL_SECONDS="0.2")
    wait_for(
        lambda: post_status(api, answer["post_id"]) == "published",
        60,
        f"recovery\n{stack.logs()}",
    )
    [video] = stack.sandbox.state.posts("tiktok")
    target = PostTarget.objects.get()
    assert target.platform_post_id == video["id"]
    assert target.url == f"{stack.sandbox.base_url}/tiktok-web/@shop_tt/video/{video['id']}"
    assert video["bytes"] == SIZE
    assert len(calls(stack, "/v2/post/publish/video/init/")) == 1  # one publish, resumed
    puts = calls(stack, "/upload/")
    assert puts[0] == f"bytes 0-{CHUNK - 1}/{SIZE}"
    assert puts[-1] == f"bytes {2 * CHUNK}-{SIZE - 1}/{SIZE}"
    assert len(puts) <= 4  # the chunk cut off by the kill is sent twice at most
