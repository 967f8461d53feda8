"""Facebook Pages end to end through real Celery worker and beat processes, PostgreSQL, Redis
and the sandbox over HTTP (see conftest.py for the stack)."""

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


def posts_to(stack: Stack, suffix: str) -> int:
    """How many POSTs Facebook received on a path ending with `suffix`."""
    return sum(
        1
        for r in stack.sandbox.state.requests("facebook")
        if r["method"] == "POST" and r["path"].endswith(suffix)
    )


@pytest.fixture
def fb_page(store: Store) -> SocialAccount:
    return SocialAccountFactory.create(store=store, platform="facebook")


def test_worker_killed_between_the_photo_uploads_and_the_post_makes_one_post(
    api: APIClient, store: Store, fb_page: SocialAccount, stack: Stack
) -> None:
    # Every photo upload takes 2 s: the worker is killed after the first one is saved.
    stack.fault("facebook", method="POST", path=r"/v25\.0/[0-9]+/photos", kind="latency",
                delay_s=2, times=0)  # fmt: skip
    first = stack.worker("first")
    stack.beat()
    images = [{"type": "image", "url": f"{stack.sandbox.base_url}/_sandbox/media/{n}.png"}
              for n in ("a", "b")]  # fmt: skip
    answer = publish(
        api, store, platforms=["facebook"], wait=False,
        content={"text": "وصل حديثاً", "media": images, "link": None},
    )  # fmt: skip
    wait_for(
        lambda: PostTarget.objects.filter(checkpoint__has_key="photos").exists(),
        20,
        f"the first photo\n{stack.logs()}",
    )
    first.kill()
    target = PostTarget.objects.get()
    uploaded = list(target.checkpoint["photos"])
    assert (target.status, target.create_started_at) == (TargetStatus.PROCESSING, None)
    assert posts_to(stack, "/feed") == 0
    stack.clear_faults()

    stack.worker("second")
    wait_for(
        lambda: post_status(api, answer["post_id"]) == "published",
        40,
        f"recovery\n{stack.logs()}",
    )
    [post] = stack.sandbox.state.posts("facebook")
    target = PostTarget.objects.get()
    assert (target.platform_post_id, target.url) == (post["id"], post["permalink_url"])
    assert len(post["media"]) == 2
    assert target.checkpoint["photos"][: len(uploaded)] == uploaded  # resumed, not redone
    assert posts_to(stack, "/feed") == 1  # one post, not two


def test_worker_killed_between_the_reel_upload_and_its_finish_makes_one_reel(
    api: APIClient, store: Store, fb_page: SocialAccount, stack: Stack
) -> None:
    # The hand-over to rupload takes 2 s: the worker is killed after the session is saved.
    stack.fault("facebook", method="POST", path=r"/rupload/.*", kind="latency", delay_s=2,
                times=0)  # fmt: skip
    first = stack.worker("first")
    stack.beat()
    video = f"{stack.sandbox.base_url}/_sandbox/media/reel.png"
    answer = publish(
        api, store, platforms=["facebook"], wait=False,
        content={"text": "ريل جديد", "media": [{"type": "video", "url": video}], "link": None},
        options={"facebook": {"format": "reel"}},
    )  # fmt: skip
    wait_for(
        lambda: PostTarget.objects.filter(checkpoint__has_key="video_id").exists(),
        20,
        f"the upload session\n{stack.logs()}",
    )
    first.kill()
    target = PostTarget.objects.get()
    assert (target.status, target.create_started_at) == (TargetStatus.PROCESSING, None)
    session = target.checkpoint["video_id"]
    stack.clear_faults()

    stack.worker("second")
    wait_for(
        lambda: post_status(api, answer["post_id"]) == "published",
        40,
        f"recovery\n{stack.logs()}",
    )
    [post] = stack.sandbox.state.posts("facebook")
    target = PostTarget.objects.get()
    assert post["object_id"] == session == target.platform_post_id  # the same session
    assert target.url == post["permalink_url"]
    phases = [
        (r.get("form") or {}).get("upload_phase")
        for r in stack.calls(
            "facebook", "POST", f"/v25.0/{fb_page.platform_account_id}/video_reels"
        )
    ]
    assert phases == ["start", "finish"]  # one session, one publishing call


def test_x_threads_instagram_and_facebook_are_published_by_a_real_worker_in_one_request(
    api: APIClient, store: Store, x_account: SocialAccount, fb_page: SocialAccount, stack: Stack
) -> None:
    for slug in ("threads", "instagram"):
        SocialAccountFactory.create(store=store, platform=slug)
    stack.worker("worker")
    image = f"{stack.sandbox.base_url}/_sandbox/media/dress.png"
    platforms = ["x", "threads", "instagram", "facebook"]
    answer = publish(
        api, store, platforms=platforms,
        content={"text": "عرض اليوم", "media": [{"type": "image", "url": image}],
                 "link": "https://shop.example/p/1"},
    )  # fmt: skip
    assert answer["status"] == "published", stack.logs()
    assert {r["platform"]: r["status"] for r in answer["results"]} == dict.fromkeys(
        platforms, "published"
    )
    [fb] = stack.sandbox.state.posts("facebook")
    assert (
        next(r for r in answer["results"] if r["platform"] == "facebook")["url"]
        == (fb["permalink_url"])
    )
