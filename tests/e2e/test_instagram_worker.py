"""Instagram end to end through real Celery worker and beat processes, PostgreSQL, Redis and
the sandbox over HTTP (see test_worker_beat.py for the stack)."""

from __future__ import annotations

import pytest
import requests
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import PostTarget, TargetStatus
from tests.e2e.conftest import Stack
from tests.factories import SocialAccountFactory
from tests.support.api import post_status, publish
from tests.support.processes import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def posts_to(stack: Stack, suffix: str) -> int:
    """How many POSTs Instagram received on a path ending with `suffix`."""
    return sum(
        1
        for r in stack.sandbox.state.requests("instagram")
        if r["method"] == "POST" and r["path"].endswith(suffix)
    )


@pytest.fixture
def instagram_account(store: Store) -> SocialAccount:
    return SocialAccountFactory.create(store=store, platform="instagram")


def test_worker_killed_between_container_and_media_publish_makes_one_post(
    api: APIClient, store: Store, instagram_account: SocialAccount, stack: Stack
) -> None:
    # Every status read takes 2 s: the worker is killed while the container is processing.
    requests.post(
        f"{stack.sandbox.base_url}/_sandbox/faults",
        json={"platform": "instagram", "method": "GET", "path": r"/fb/v25\.0/[0-9]+",
              "kind": "latency", "delay_s": 2, "times": 0},
        timeout=5,
    )  # fmt: skip
    first = stack.worker("first")
    stack.beat()
    video = f"{stack.sandbox.base_url}/_sandbox/media/reel.png"
    answer = publish(
        api,
        store,
        platforms=["instagram"],
        content={"text": "وصل حديثاً", "media": [{"type": "video", "url": video}], "link": None},
        wait=False,
    )
    wait_for(
        lambda: PostTarget.objects.filter(checkpoint__has_key="container").exists(),
        20,
        f"the container\n{stack.logs()}",
    )
    first.kill()
    target = PostTarget.objects.get()
    assert (target.status, target.create_started_at) == (TargetStatus.PROCESSING, None)
    assert posts_to(stack, "/media_publish") == 0
    stack.clear_faults()

    stack.worker("second")
    wait_for(
        lambda: post_status(api, answer["post_id"]) == "published",
        40,
        f"recovery\n{stack.logs()}",
    )
    [post] = stack.sandbox.state.posts("instagram")
    target = PostTarget.objects.get()
    assert (target.platform_post_id, target.url) == (post["id"], post["permalink"])
    assert post["container_id"] == target.checkpoint["container"]
    assert post["media_product_type"] == "REELS"
    assert posts_to(stack, "/media") == 1  # resumed from the container
    assert posts_to(stack, "/media_publish") == 1


def test_x_threads_and_instagram_are_published_by_a_real_worker_in_one_request(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    instagram_account: SocialAccount,
    stack: Stack,
) -> None:
    SocialAccountFactory.create(store=store, platform="threads")
    stack.worker("worker")
    image = f"{stack.sandbox.base_url}/_sandbox/media/dress.png"
    answer = publish(
        api,
        store,
        platforms=["x", "threads", "instagram"],
        content={"text": "عرض اليوم", "media": [{"type": "image", "url": image}],
                 "link": "https://shop.example/p/1"},
    )  # fmt: skip
    assert answer["status"] == "published", stack.logs()
    [gram] = stack.sandbox.state.posts("instagram")
    assert {r["platform"]: r["status"] for r in answer["results"]} == {
        "x": "published", "threads": "published", "instagram": "published",
    }  # fmt: skip
    instagram = next(r for r in answer["results"] if r["platform"] == "instagram")
    assert instagram["url"] == gram["permalink"]
    # Instagram takes JPEG only: the worker relayed the PNG as a JPEG, and says so.
    assert instagram["notices"] == [
        "The PNG image was converted to JPEG, which Instagram requires."
    ]
    assert "/media/relay/" in gram["media"][0]["url"]
