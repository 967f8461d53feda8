"""X video through a real worker that is killed between two segment appends."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import PostTarget
from tests.e2e.conftest import Stack
from tests.support.api import post_status, publish
from tests.support.processes import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

MB = 1024 * 1024
APPEND = r"/2/media/upload/[0-9]+/append"


def test_worker_killed_between_appends_resumes_the_upload_and_posts_once(
    api: APIClient, store: Store, x_account: SocialAccount, stack: Stack
) -> None:
    # Every append takes 2 s; the worker is killed once the first segment is checkpointed.
    stack.fault(method="POST", path=APPEND, kind="latency", delay_s=2, times=0)
    url = f"{stack.sandbox.base_url}/_sandbox/media/kill.mp4?bytes={12 * MB}"
    first = stack.worker("first")
    stack.beat()
    answer = publish(
        api,
        store,
        wait=False,
        content={"text": "video", "media": [{"type": "video", "url": url}], "link": None},
    )
    wait_for(
        lambda: PostTarget.objects.filter(checkpoint__video__segment__gte=0).exists(),
        30,
        f"the first segment\n{stack.logs()}",
    )
    first.kill()
    target = PostTarget.objects.get()
    assert target.create_started_at is None
    media_id = target.checkpoint["video"]["media_id"]
    stack.clear_faults()

    stack.worker("second")
    wait_for(
        lambda: post_status(api, answer["post_id"]) == "published",
        60,
        f"recovery\n{stack.logs()}",
    )
    [tweet] = stack.sandbox.state.posts("x")
    assert tweet["request_body"]["media"]["media_ids"] == [media_id]  # the same upload, resumed
    assert len(stack.calls("x", "POST", "/2/media/upload/initialize")) == 1
    assert len(stack.calls("x", "POST", "/2/tweets")) == 1
    # The append in flight when the first worker was killed may have reached the sandbox cut
    # off, its form unreadable: it never counted at X, so only whole appends are compared.
    segments = [
        r["form"]["segment_index"]
        for r in stack.calls("x", "POST", f"/2/media/upload/{media_id}/append")
        if "segment_index" in r["form"]
    ]
    assert segments[0] == "0" and segments[-1] == "2"
