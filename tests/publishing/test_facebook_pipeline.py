"""Facebook Pages through the public API and the pipeline, against the sandbox over real HTTP:
every format ends published with its permalink, and the sandbox saw exactly the calls the Page
API requires, in order."""

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
from publishing.sandbox.core import SandboxServer
from publishing.services.dispatcher import dispatch_due
from publishing.services.pipeline import target_publish
from publishing.services.reconcile import target_reconcile
from tests.factories import SocialAccountFactory
from tests.support.api import PUBLISH_URL
from tests.support.api import publish as publish_request

LINK = "https://shop.example/p/1"
TEXT = "فستان صيفي جديد 🌸 #فساتين"


@pytest.fixture
def facebook(sandbox: SandboxServer, settings: Any) -> SandboxServer:
    settings.FACEBOOK_VIDEO_POLL_SECONDS = 0.01
    settings.FACEBOOK_VIDEO_WAIT_SECONDS = 2
    return sandbox


@pytest.fixture
def fb_page(store: Store) -> SocialAccount:
    return SocialAccountFactory.create(store=store, platform="facebook")


def publish(
    api: APIClient, store: Store, *, options: dict[str, Any] | None = None, **content: Any
) -> dict[str, Any]:
    body = {"text": TEXT, "media": [], "link": LINK, **content}
    extra = {"options": {"facebook": options}} if options else {}
    return publish_request(api, store, platforms=["facebook"], content=body, wait=False, **extra)


def media(sandbox: SandboxServer, kind: str, name: str, query: str = "") -> dict[str, str]:
    return {"type": kind, "url": f"{sandbox.base_url}/_sandbox/media/{name}.png{query}"}


def calls(sandbox: SandboxServer, page_id: str) -> list[tuple[str, str]]:
    return [
        (r["method"], r["path"].replace(page_id, "{page}"))
        for r in sandbox.state.requests("facebook")
    ]


def sent(sandbox: SandboxServer, suffix: str) -> list[dict[str, str]]:
    """Parameters (form and query, without the token) of the POSTs on a path ending so."""
    found = []
    for r in sandbox.state.requests("facebook"):
        if r["method"] == "POST" and r["path"].endswith(suffix):
            params = {k: v[0] for k, v in r["query"].items()}
            params.update(r.get("form") or {})
            params.pop("access_token", None)
            found.append(params)
    return found


def fault(sandbox: SandboxServer, **spec: Any) -> None:
    response = requests.post(
        f"{sandbox.base_url}/_sandbox/faults", json={"platform": "facebook", **spec}, timeout=5
    )
    assert response.status_code == 200, response.text


def only_target() -> PostTarget:
    return PostTarget.objects.get()


G = "/v25.0"
FORMATS: dict[str, tuple[list[tuple[str, str]], dict[str, Any] | None]] = {
    "text": ([], None),
    "photo": ([("image", "a")], None),
    "photos": ([("image", "a"), ("image", "b"), ("image", "c")], None),
    "video": ([("video", "v")], None),
    "reel": ([("video", "v")], {"format": "reel"}),
}


def expected_calls(fmt: str, post: dict[str, Any], target: PostTarget) -> list[tuple[str, str]]:
    video = target.checkpoint.get("video_id")
    if fmt == "text":
        return [("POST", f"{G}/{{page}}/feed"), ("GET", f"{G}/{post['id']}".replace(
            post["page_id"], "{page}"))]  # fmt: skip
    if fmt == "photo":
        return [("POST", f"{G}/{{page}}/photos"),
                ("GET", f"{G}/{post['id']}".replace(post["page_id"], "{page}"))]  # fmt: skip
    if fmt == "photos":
        return [("POST", f"{G}/{{page}}/photos")] * 3 + [
            ("POST", f"{G}/{{page}}/feed"),
            ("GET", f"{G}/{post['id']}".replace(post["page_id"], "{page}")),
        ]
    polls = [("GET", f"{G}/{video}")] * 3  # processing twice, then ready
    if fmt == "video":
        return [("POST", f"/video{G}/{{page}}/videos"), *polls]
    return [
        ("GET", f"{G}/{{page}}/video_reels"),
        ("POST", f"{G}/{{page}}/video_reels"),
        ("POST", f"/rupload/video-upload{G}/{video}"),
        ("POST", f"{G}/{{page}}/video_reels"),
        *polls,
    ]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_is_published_with_its_permalink_in_the_required_calls(
    api: APIClient, store: Store, fb_page: SocialAccount, facebook: SandboxServer, fmt: str
) -> None:
    items, options = FORMATS[fmt]
    answer = publish(api, store, media=[media(facebook, k, n) for k, n in items], options=options)
    target_publish(target_id=only_target().pk)

    [post] = facebook.state.posts("facebook")
    target = only_target()
    result = api.get(f"{PUBLISH_URL}/{answer['post_id']}").json()
    assert result["status"] == "published", result
    [one] = result["results"]
    assert (one["status"], one["url"]) == ("published", post["permalink_url"])
    assert one["post_id"] == (post["object_id"] if fmt in ("video", "reel") else post["id"])
    page_html = requests.get(post["permalink_url"], timeout=5)
    assert page_html.status_code == 200 and TEXT in page_html.text
    assert calls(facebook, fb_page.platform_account_id) == expected_calls(fmt, post, target)

    if fmt == "text":  # the link in its own field, the text as it was written
        assert sent(facebook, "/feed") == [{"message": TEXT, "link": LINK}]
    else:  # no link field on photos and videos: it goes on its own line
        assert post["message"] == f"{TEXT}\n{LINK}"
    if fmt == "photos":
        uploads = sent(facebook, "/photos")
        assert [u["published"] for u in uploads] == ["false"] * 3
        [feed] = sent(facebook, "/feed")
        fbids = [f'{{"media_fbid": "{i}"}}' for i in target.checkpoint["photos"]]
        assert feed["attached_media"] == f"[{', '.join(fbids)}]"
        assert len(post["media"]) == 3
    if fmt == "reel":
        start, finish = sent(facebook, "/video_reels")
        assert start == {"upload_phase": "start"}
        assert finish == {"upload_phase": "finish", "video_id": target.checkpoint["video_id"],
                          "video_state": "PUBLISHED", "description": f"{TEXT}\n{LINK}"}  # fmt: skip
        assert "/reel/" in post["permalink_url"]


def test_a_link_post_without_text_sends_only_the_link(
    api: APIClient, store: Store, fb_page: SocialAccount, facebook: SandboxServer
) -> None:
    publish(api, store, text="")
    target_publish(target_id=only_target().pk)
    assert only_target().status == TargetStatus.PUBLISHED
    assert sent(facebook, "/feed") == [{"link": LINK}]


def test_a_video_still_processing_after_the_wait_resumes_on_the_next_attempt(
    api: APIClient, store: Store, fb_page: SocialAccount, facebook: SandboxServer, settings: Any
) -> None:
    settings.FACEBOOK_VIDEO_WAIT_SECONDS = 0
    publish(api, store, media=[media(facebook, "video", "v", "?sandbox_polls=1")])
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.QUEUED, "media_processing")
    assert target.due_at is not None
    with time_machine.travel(target.due_at + timedelta(seconds=1)):
        dispatch_due()
        target_publish(target_id=target.pk)
    assert only_target().status == TargetStatus.PUBLISHED
    assert len(sent(facebook, "/videos")) == 1  # the same video, polled again
    assert len(facebook.state.posts("facebook")) == 1


def test_a_video_in_error_fails_with_the_reason_and_advice(
    api: APIClient, store: Store, fb_page: SocialAccount, facebook: SandboxServer
) -> None:
    publish(api, store, media=[media(facebook, "video", "v", "?sandbox_error=6000")])
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "media_rejected")
    assert "MP4" in target.error_message
    assert "Video processing failed (error 6000)" in target.platform_error
    assert facebook.state.posts("facebook") == []


def test_the_reels_daily_cap_refuses_before_uploading(
    api: APIClient, store: Store, fb_page: SocialAccount, facebook: SandboxServer
) -> None:
    for n in range(30):  # 30 Reels already published today
        facebook.state.add_post("facebook", {
            "id": f"{fb_page.platform_account_id}_{n}", "page_id": fb_page.platform_account_id,
            "object_id": str(n), "reel": True, "created_epoch": timezone.now().timestamp(),
            "message": "", "permalink_url": "", "username": fb_page.handle, "media": [], "link": "",
            "created_time": "",
        })  # fmt: skip
        facebook.state.add_media("facebook", {
            "id": str(n), "kind": "reel", "page_id": fb_page.platform_account_id, "post_id": "",
            "created_epoch": timezone.now().timestamp(), "finished": True, "uploaded": True,
            "state": "ready", "error": "", "url": "", "polls_left": 0,
        })  # fmt: skip
    publish(api, store, media=[media(facebook, "video", "v")], options={"format": "reel"})
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "quota_exceeded")
    assert "30 Reels" in target.error_message
    assert [r["method"] for r in facebook.state.requests("facebook")] == ["GET"]


def test_an_expired_token_fails_the_target_and_flags_the_account(
    api: APIClient, store: Store, fb_page: SocialAccount, facebook: SandboxServer
) -> None:
    fault(facebook, method="POST", path=r"/v25\.0/[0-9]+/feed", kind="expired_token")
    publish(api, store)
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "auth_revoked")
    fb_page.refresh_from_db()
    assert fb_page.status == SocialAccount.Status.NEEDS_RECONNECT
    assert "session has been invalidated" in target.platform_error


def test_a_rate_limit_waits_for_the_advised_time_then_publishes_once(
    api: APIClient, store: Store, fb_page: SocialAccount, facebook: SandboxServer
) -> None:
    fault(facebook, method="POST", path=r"/v25\.0/[0-9]+/feed", kind="rate_limit",
          retry_after=600)  # fmt: skip
    publish(api, store, media=[media(facebook, "image", "a"), media(facebook, "image", "b")])
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
    assert len(sent(facebook, "/photos")) == 2  # resumed from the checkpointed photos
    assert len(facebook.state.posts("facebook")) == 1


@pytest.mark.parametrize("path", [r"/v25\.0/[0-9]+/feed", r"/v25\.0/[0-9]+/video_reels"])
def test_a_lost_publish_answer_is_settled_by_looking_not_by_reposting(
    api: APIClient, store: Store, fb_page: SocialAccount, facebook: SandboxServer, settings: Any,
    path: str,
) -> None:  # fmt: skip
    settings.PLATFORM_HTTP_TIMEOUT = 0.5
    reel = "video_reels" in path
    # A Reel's start is not the publishing call: only the finish (the second POST) times out.
    if reel:
        fault(facebook, method="POST", path=path, kind="latency", delay_s=0, times=1)
    fault(facebook, method="POST", path=path, kind="timeout", delay_s=2, after_effect=True)
    items = [media(facebook, "video", "v")] if reel else []
    publish(api, store, media=items, options={"format": "reel"} if reel else None)
    target_publish(target_id=only_target().pk)
    assert only_target().status == TargetStatus.UNCONFIRMED
    [post] = facebook.state.posts("facebook")
    target_reconcile(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.platform_post_id) == (TargetStatus.PUBLISHED, post["id"])
    assert target.url == post["permalink_url"]
    assert len(sent(facebook, path.rsplit("/", 1)[-1])) == (2 if reel else 1)


def test_unpublish_deletes_the_post(
    api: APIClient, store: Store, fb_page: SocialAccount, facebook: SandboxServer
) -> None:
    answer = publish(api, store, media=[media(facebook, "image", "a")])
    target_publish(target_id=only_target().pk)
    facebook.state.remove_post("facebook", only_target().platform_post_id)  # gone counts too
    second = publish(api, store, text="second", media=[media(facebook, "video", "v")])
    target = PostTarget.objects.get(post_id=second["post_id"])
    target_publish(target_id=target.pk)
    for post_id in (answer["post_id"], second["post_id"]):
        response = api.post(f"{PUBLISH_URL}/{post_id}/unpublish", format="json")
        assert response.status_code == 200, response.json()
        [result] = response.json()["results"]
        assert (result["platform"], result["status"]) == ("facebook", "deleted")
    assert facebook.state.posts("facebook") == []
    deletes = [r for r in facebook.state.requests("facebook") if r["method"] == "DELETE"]
    assert len(deletes) == 2


def test_x_threads_instagram_and_facebook_in_one_request_are_all_published(
    api: APIClient, store: Store, x_account: SocialAccount, fb_page: SocialAccount,
    facebook: SandboxServer, settings: Any,
) -> None:  # fmt: skip
    settings.THREADS_CONTAINER_POLL_SECONDS = 0.01
    settings.INSTAGRAM_CONTAINER_POLL_SECONDS = 0.01
    for slug in ("threads", "instagram"):
        SocialAccountFactory.create(store=store, platform=slug)
    platforms = ["x", "threads", "instagram", "facebook"]
    answer = publish_request(
        api, store, platforms=platforms, wait=False,
        content={"text": "عرض اليوم", "media": [media(facebook, "image", "a")], "link": LINK},
    )  # fmt: skip
    for target in PostTarget.objects.all():
        target_publish(target_id=target.pk)
    result = api.get(f"{PUBLISH_URL}/{answer['post_id']}").json()
    assert result["status"] == "published"
    assert {r["platform"]: r["status"] for r in result["results"]} == dict.fromkeys(
        platforms, "published"
    )
    for slug in platforms:
        assert len(facebook.state.posts(slug)) == 1
