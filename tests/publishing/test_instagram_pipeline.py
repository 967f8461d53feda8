"""Instagram through the public API and the pipeline, against the sandbox over real HTTP:
every format ends published with its permalink, and the sandbox saw exactly the calls
Instagram requires, in order, on the host the account's login calls for."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.media.relay import BY
from publishing.models import PostTarget, TargetStatus
from publishing.sandbox.core import SandboxServer
from publishing.sandbox.instagram import set_quota_used
from publishing.services.dispatcher import dispatch_due
from publishing.services.pipeline import target_publish
from publishing.services.reconcile import target_reconcile
from tests.factories import SocialAccountFactory
from tests.support.api import PUBLISH_URL
from tests.support.api import publish as publish_request

LINK = "https://shop.example/p/1"
TEXT = "فستان صيفي جديد 🌸 #فساتين"


@pytest.fixture
def instagram(sandbox: SandboxServer, settings: Any) -> SandboxServer:
    settings.INSTAGRAM_CONTAINER_POLL_SECONDS = 0.01
    settings.INSTAGRAM_CONTAINER_WAIT_SECONDS = 2
    return sandbox


@pytest.fixture
def instagram_account(store: Store) -> SocialAccount:
    return SocialAccountFactory.create(store=store, platform="instagram")


def publish(
    api: APIClient, store: Store, *, options: dict[str, Any] | None = None, **content: Any
) -> dict[str, Any]:
    body = {"text": TEXT, "media": [], "link": LINK, **content}
    extra = {"options": {"instagram": options}} if options else {}
    return publish_request(api, store, platforms=["instagram"], content=body, wait=False, **extra)


def media(sandbox: SandboxServer, kind: str, name: str, query: str = "") -> dict[str, str]:
    # JPEG images, as Instagram takes them; a PNG goes through the relay (tested below).
    ext = "jpg" if kind == "image" else "mp4"
    return {"type": kind, "url": f"{sandbox.base_url}/_sandbox/media/{name}.{ext}{query}"}


def calls(sandbox: SandboxServer, user: str) -> list[tuple[str, str]]:
    return [
        (r["method"], r["path"].replace(user, "{user}"))
        for r in sandbox.state.requests("instagram")
    ]


def fault(sandbox: SandboxServer, **spec: Any) -> None:
    response = requests.post(
        f"{sandbox.base_url}/_sandbox/faults", json={"platform": "instagram", **spec}, timeout=5
    )
    assert response.status_code == 200, response.text


def settings_base() -> str:
    return str(django_settings.MEDIA_PUBLIC_BASE_URL)


def only_target() -> PostTarget:
    return PostTarget.objects.get()


def created(sandbox: SandboxServer) -> list[dict[str, str]]:
    return [
        {k: v[0] for k, v in r["query"].items() if k != "access_token"}
        for r in sandbox.state.requests("instagram")
        if r["method"] == "POST" and r["path"].endswith("/media")
    ]


FORMATS: dict[str, tuple[list[tuple[str, str]], dict[str, Any] | None]] = {
    "feed_image": ([("image", "a")], None),
    "feed_video": ([("video", "v")], {"format": "feed"}),
    "carousel": ([("image", "a"), ("video", "v"), ("image", "b")], None),
    "reel": ([("video", "v")], {"share_to_feed": False, "cover_url": "https://cdn.test/c.jpg"}),
    "story_image": ([("image", "a")], {"format": "story"}),
    "story_video": ([("video", "v")], {"format": "story"}),
}


@pytest.mark.parametrize("login", ["facebook", "instagram"])
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_is_published_with_its_permalink_in_the_required_calls(
    api: APIClient, store: Store, instagram: SandboxServer, fmt: str, login: str
) -> None:
    account = SocialAccountFactory.create(store=store, platform="instagram", login_kind=login)
    items, options = FORMATS[fmt]
    answer = publish(api, store, media=[media(instagram, k, n) for k, n in items], options=options)
    target_publish(target_id=only_target().pk)

    [post] = instagram.state.posts("instagram")
    result = api.get(f"{PUBLISH_URL}/{answer['post_id']}").json()
    assert result["status"] == "published"
    assert result["results"] == [
        {"platform": "instagram", "status": "published", "post_id": post["id"],
         "url": post["permalink"], "notices": []}
    ]  # fmt: skip
    page = requests.get(post["permalink"], timeout=5)
    assert page.status_code == 200
    section = {"story": "stories", "reel": "reel", "feed_video": "reel"}.get(
        fmt.split("_")[0] if fmt.startswith("story") else fmt, "p"
    )
    assert f"/instagram-web/{section}/" in post["permalink"]

    # Instagram's container model: quota, the items (each polled until FINISHED), the
    # container, polled, then media_publish and the permalink. Videos stay IN_PROGRESS for
    # two polls in the sandbox.
    host = "/fb/v25.0" if login == "facebook" else "/ig/v25.0"
    checkpoint = only_target().checkpoint
    child_ids: list[str] = list(checkpoint.get("children") or [])
    expected = [("GET", f"{host}/{{user}}/content_publishing_limit")]
    expected += [("POST", f"{host}/{{user}}/media")] * len(child_ids)
    for child, (kind, _) in zip(child_ids, items if child_ids else [], strict=True):
        expected += [("GET", f"{host}/{child}")] * (3 if kind == "video" else 1)
    video_container = not child_ids and items[0][0] == "video"
    expected += [("POST", f"{host}/{{user}}/media")]
    expected += [("GET", f"{host}/{checkpoint['container']}")] * (3 if video_container else 1)
    expected += [("POST", f"{host}/{{user}}/media_publish"), ("GET", f"{host}/{post['id']}")]
    assert calls(instagram, account.platform_account_id) == expected

    made = created(instagram)
    caption = f"{TEXT}\n{LINK}"
    parent = made[-1]
    if fmt.startswith("story"):
        assert parent["media_type"] == "STORIES" and "caption" not in parent
        assert TEXT not in page.text
    else:
        assert parent["caption"] == caption and TEXT in page.text
    if fmt == "carousel":
        assert parent["media_type"] == "CAROUSEL"
        assert parent["children"] == ",".join(child_ids)
        assert [c.get("media_type") for c in made[:-1]] == [None, "VIDEO", None]
        assert all(c["is_carousel_item"] == "true" for c in made[:-1])
    if fmt == "reel":
        assert (parent["media_type"], parent["share_to_feed"]) == ("REELS", "false")
        assert parent["cover_url"] == "https://cdn.test/c.jpg"
    if fmt == "feed_video":
        assert (parent["media_type"], parent["share_to_feed"]) == ("REELS", "true")


def test_one_video_is_inferred_as_a_reel(
    api: APIClient, store: Store, instagram_account: SocialAccount, instagram: SandboxServer
) -> None:
    publish(api, store, media=[media(instagram, "video", "v")])
    target_publish(target_id=only_target().pk)
    [post] = instagram.state.posts("instagram")
    assert post["media_product_type"] == "REELS"


def test_a_story_rule_violation_is_refused_before_anything_is_written(
    api: APIClient, store: Store, instagram_account: SocialAccount, instagram: SandboxServer
) -> None:
    response = api.post(
        PUBLISH_URL,
        {"store_id": str(store.pk), "platforms": ["instagram"], "schedule_at": None,
         "content": {"text": "", "media": [media(instagram, "image", "a")] * 2, "link": None},
         "options": {"instagram": {"format": "story"}}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert PostTarget.objects.count() == 0


def test_a_container_still_processing_is_polled_until_finished(
    api: APIClient, store: Store, instagram_account: SocialAccount, instagram: SandboxServer
) -> None:
    publish(api, store, media=[media(instagram, "video", "v", "?sandbox_polls=4")])
    target_publish(target_id=only_target().pk)
    assert only_target().status == TargetStatus.PUBLISHED
    polls = [r for r in instagram.state.requests("instagram") if "status_code" in str(r["query"])]
    assert len(polls) == 5  # four IN_PROGRESS, then FINISHED


def test_a_container_still_processing_after_the_wait_resumes_on_the_next_attempt(
    api: APIClient,
    store: Store,
    instagram_account: SocialAccount,
    instagram: SandboxServer,
    settings: Any,
) -> None:
    settings.INSTAGRAM_CONTAINER_WAIT_SECONDS = 0
    publish(api, store, media=[media(instagram, "video", "v", "?sandbox_polls=1")])
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.QUEUED, "media_processing")
    assert target.due_at is not None
    with time_machine.travel(target.due_at + timedelta(seconds=1)):
        dispatch_due()
        target_publish(target_id=target.pk)
    assert only_target().status == TargetStatus.PUBLISHED
    assert len(created(instagram)) == 1  # the same container, polled again


def test_a_container_in_error_fails_with_meta_reason_and_advice(
    api: APIClient, store: Store, instagram_account: SocialAccount, instagram: SandboxServer
) -> None:
    publish(api, store, media=[media(instagram, "video", "v", "?sandbox_error=2207026")])
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "media_rejected")
    error = api.get(f"{PUBLISH_URL}/{target.post_id}").json()["results"][0]["error"]
    assert "H.264" in error["message"]
    assert error["platform_message"] == (
        "ERROR: Error: Media upload has failed with error code 2207026"
    )
    assert not any(r["path"].endswith("media_publish") for r in instagram.state.requests())
    assert instagram.state.posts("instagram") == []


def test_quota_exhausted_fails_with_a_clear_reason_before_anything_is_made(
    api: APIClient, store: Store, instagram_account: SocialAccount, instagram: SandboxServer
) -> None:
    set_quota_used(instagram.state, instagram_account.handle, 100)
    publish(api, store, media=[media(instagram, "image", "a")])
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "quota_exceeded")
    assert "100 of its 100" in target.error_message
    assert [r["path"].rsplit("/", 1)[-1] for r in instagram.state.requests("instagram")] == [
        "content_publishing_limit"
    ]


def test_an_expired_token_fails_the_target_and_flags_the_account(
    api: APIClient, store: Store, instagram_account: SocialAccount, instagram: SandboxServer
) -> None:
    fault(instagram, method="POST", path=r"/fb/v25\.0/[0-9]+/media", kind="expired_token")
    publish(api, store, media=[media(instagram, "image", "a")])
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "auth_revoked")
    instagram_account.refresh_from_db()
    assert instagram_account.status == SocialAccount.Status.NEEDS_RECONNECT
    assert "Session has expired" in target.platform_error


def test_a_rate_limit_waits_for_the_advised_time_then_publishes_once(
    api: APIClient, store: Store, instagram_account: SocialAccount, instagram: SandboxServer
) -> None:
    fault(instagram, method="POST", path=r"/fb/v25\.0/[0-9]+/media_publish", kind="rate_limit",
          retry_after=600)  # fmt: skip
    publish(api, store, media=[media(instagram, "image", "a")])
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.QUEUED, "rate_limited")
    assert target.due_at is not None
    assert target.due_at >= timezone.now() + timedelta(seconds=590)  # Meta's 10 minutes
    assert dispatch_due().requeued == 0
    with time_machine.travel(target.due_at + timedelta(seconds=1)):
        assert dispatch_due().requeued == 1
        target_publish(target_id=target.pk)
    assert only_target().status == TargetStatus.PUBLISHED
    assert len(created(instagram)) == 1  # resumed from the checkpointed container
    assert len(instagram.state.posts("instagram")) == 1


def test_a_lost_publish_answer_is_settled_by_looking_not_by_reposting(
    api: APIClient,
    store: Store,
    instagram_account: SocialAccount,
    instagram: SandboxServer,
    settings: Any,
) -> None:
    settings.PLATFORM_HTTP_TIMEOUT = 0.5
    fault(instagram, method="POST", path=r"/fb/v25\.0/[0-9]+/media_publish", kind="timeout",
          delay_s=2, after_effect=True)  # fmt: skip
    publish(api, store, media=[media(instagram, "image", "a")])
    target_publish(target_id=only_target().pk)
    assert only_target().status == TargetStatus.UNCONFIRMED
    [post] = instagram.state.posts("instagram")
    target_reconcile(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.platform_post_id) == (TargetStatus.PUBLISHED, post["id"])
    assert target.url == post["permalink"]
    publishes = [r for r in instagram.state.requests() if r["path"].endswith("/media_publish")]
    assert len(publishes) == 1


@pytest.mark.parametrize(
    ("login", "outcome", "posts_left"),
    [("facebook", "deleted", 0), ("instagram", "not_supported", 1)],
)
def test_unpublish_deletes_through_facebook_login_and_not_through_instagram_login(
    api: APIClient, store: Store, instagram: SandboxServer, login: str, outcome: str,
    posts_left: int,
) -> None:  # fmt: skip
    SocialAccountFactory.create(store=store, platform="instagram", login_kind=login)
    answer = publish(api, store, media=[media(instagram, "image", "a")])
    target_publish(target_id=only_target().pk)
    response = api.post(f"{PUBLISH_URL}/{answer['post_id']}/unpublish", format="json")
    assert response.status_code == 200, response.json()
    [result] = response.json()["results"]
    assert (result["platform"], result["status"]) == ("instagram", outcome)
    if outcome == "not_supported":
        assert result["error"]["code"] == "not_supported"
        assert "Facebook Login" in result["error"]["message"]
    assert len(instagram.state.posts("instagram")) == posts_left
    deletes = [r for r in instagram.state.requests("instagram") if r["method"] == "DELETE"]
    assert len(deletes) == (1 if login == "facebook" else 0)


def test_x_threads_and_instagram_in_one_request_are_all_published(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    instagram_account: SocialAccount,
    instagram: SandboxServer,
    settings: Any,
) -> None:
    settings.THREADS_CONTAINER_POLL_SECONDS = 0.01
    SocialAccountFactory.create(store=store, platform="threads")
    answer = publish_request(
        api,
        store,
        platforms=["x", "threads", "instagram"],
        content={"text": "عرض اليوم", "media": [media(instagram, "image", "a")], "link": LINK},
        wait=False,
    )
    for target in PostTarget.objects.all():
        target_publish(target_id=target.pk)
    result = api.get(f"{PUBLISH_URL}/{answer['post_id']}").json()
    assert result["status"] == "published"
    assert {r["platform"]: r["status"] for r in result["results"]} == {
        "x": "published",
        "threads": "published",
        "instagram": "published",
    }
    for slug in ("x", "threads", "instagram"):
        assert len(instagram.state.posts(slug)) == 1


def test_a_png_is_converted_to_jpeg_through_the_relay_and_the_answer_says_so(
    api: APIClient, store: Store, instagram_account: SocialAccount, instagram: SandboxServer
) -> None:
    png = {"type": "image", "url": f"{instagram.base_url}/_sandbox/media/bag.png"}
    answer = publish(api, store, media=[png])
    target_publish(target_id=only_target().pk)

    notice = "The PNG image was converted to JPEG, which Instagram requires."
    result = api.get(f"{PUBLISH_URL}/{answer['post_id']}").json()
    [outcome] = result["results"]
    assert (outcome["status"], outcome["notices"]) == ("published", [notice])
    [made] = created(instagram)
    relayed = made["image_url"]
    assert relayed.startswith(f"{settings_base()}/media/relay/") and relayed.endswith(".jpg")
    assert only_target().checkpoint["relayed"] == {png["url"]: relayed}
    served = Client().get(relayed.removeprefix(settings_base()))
    body = b"".join(served.streaming_content)  # type: ignore[attr-defined]
    assert served["Content-Type"] == "image/jpeg" and body[:3] == b"\xff\xd8\xff"
    [post] = instagram.state.posts("instagram")
    assert post["media"][0]["url"] == relayed


def test_a_png_carousel_item_is_converted_and_named_in_the_notice(
    api: APIClient, store: Store, instagram_account: SocialAccount, instagram: SandboxServer
) -> None:
    png = {"type": "image", "url": f"{instagram.base_url}/_sandbox/media/b.png"}
    publish(api, store, media=[media(instagram, "image", "a"), png])
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert target.status == TargetStatus.PUBLISHED
    assert target.notices == [
        "Item 2: The PNG image was converted to JPEG, which Instagram requires."
    ]
    first, second, _ = created(instagram)
    assert first["image_url"] == media(instagram, "image", "a")["url"]  # a JPEG goes as it is
    assert "/media/relay/" in second["image_url"]


def test_a_wide_jpeg_is_scaled_to_1440_pixels(
    api: APIClient, store: Store, instagram_account: SocialAccount, instagram: SandboxServer
) -> None:
    wide = {"type": "image", "url": f"{instagram.base_url}/_sandbox/media/w.jpg?w=2880&h=1800"}
    publish(api, store, media=[wide])
    target_publish(target_id=only_target().pk)
    assert only_target().notices == [
        f"The 2880{BY}1800 image was scaled down to 1440{BY}900 for Instagram."
    ]


def test_an_image_url_that_is_no_image_fails_with_a_clear_reason(
    api: APIClient, store: Store, instagram_account: SocialAccount, instagram: SandboxServer
) -> None:
    clip = {"type": "image", "url": f"{instagram.base_url}/_sandbox/media/c.mp4?bytes=100"}
    publish(api, store, media=[clip])
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "media_fetch_failed")
    assert "video/mp4" in target.error_message
    assert created(instagram) == []
