"""TikTok through the public API and the pipeline, against the sandbox over real HTTP: a video
ends published with its page's URL after exactly the Direct Post calls PLATFORMS.md documents,
and what the creator cannot do, a FAILED publish and TikTok's error codes end as clear results."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import PostTarget, TargetStatus
from publishing.sandbox.core import SandboxServer
from publishing.sandbox.tiktok import sandbox_token
from publishing.services.pipeline import target_publish, target_reconcile
from tests.factories import SocialAccountFactory
from tests.support.api import PUBLISH_URL
from tests.support.api import publish as publish_request
from tests.support.tiktok_shapes import MIB, assert_valid_tiktok_request

SIZE = 16 * MIB + 1000  # three chunks of 5 MiB, the last absorbing the remainder
TEXT = "Summer dress, new in #dress"
CREATOR, INIT, UPLOAD, STATUS = (
    "/v2/post/publish/creator_info/query/",
    "/v2/post/publish/video/init/",
    "/upload/",
    "/v2/post/publish/status/fetch/",
)


@pytest.fixture
def tiktok(sandbox: SandboxServer, settings: Any) -> SandboxServer:
    settings.TIKTOK_UPLOAD_CHUNK_BYTES = 5 * MIB
    settings.TIKTOK_STATUS_POLL_SECONDS = 0
    return sandbox


@pytest.fixture
def creator(store: Store) -> SocialAccount:
    return SocialAccountFactory.create(store=store, platform="tiktok", handle="shop_tt")


def publish(
    api: APIClient,
    sandbox: SandboxServer,
    store: Store,
    options: dict[str, Any] | None = None,
    *,
    text: str = TEXT,
    size: int = 1000,
) -> dict[str, Any]:
    clip = f"{sandbox.base_url}/_sandbox/media/clip.mp4?bytes={size}"
    content = {"text": text, "media": [{"type": "video", "url": clip}], "link": None}
    extra = {"options": {"tiktok": options}} if options else {}
    return publish_request(api, store, platforms=["tiktok"], content=content, wait=False, **extra)


def fault(sandbox: SandboxServer, **spec: Any) -> None:
    response = requests.post(
        f"{sandbox.base_url}/_sandbox/faults", json={"platform": "tiktok", **spec}, timeout=5
    )
    assert response.status_code == 200, response.text


def calls(sandbox: SandboxServer) -> list[tuple[str, str, str]]:
    """``(method, path, Content-Range)`` of every TikTok call, in order."""
    return [
        (r["method"], r["path"], r["headers"].get("content-range", ""))
        for r in sandbox.state.requests("tiktok")
    ]


def only_target() -> PostTarget:
    return PostTarget.objects.get()


def test_a_video_is_published_in_chunks_with_its_page_in_the_documented_calls(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer
) -> None:
    answer = publish(api, tiktok, store, {"privacy": "PUBLIC_TO_EVERYONE"}, size=SIZE)
    target_publish(target_id=only_target().pk)

    [post] = tiktok.state.posts("tiktok")
    result = api.get(f"{PUBLISH_URL}/{answer['post_id']}").json()
    assert result["status"] == "published"
    url = f"{tiktok.base_url}/tiktok-web/@shop_tt/video/{post['id']}"
    assert result["results"] == [
        {
            "platform": "tiktok",
            "status": "published",
            "post_id": post["id"],
            "url": url,
            "notices": [],
        }
    ]
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and "Summer dress" in page.text
    assert post["bytes"] == SIZE
    assert post["post_info"]["privacy_level"] == "PUBLIC_TO_EVERYONE"
    assert calls(tiktok) == [
        ("POST", CREATOR, ""),
        ("POST", INIT, ""),
        ("PUT", UPLOAD, f"bytes 0-{5 * MIB - 1}/{SIZE}"),
        ("PUT", UPLOAD, f"bytes {5 * MIB}-{10 * MIB - 1}/{SIZE}"),
        ("PUT", UPLOAD, f"bytes {10 * MIB}-{SIZE - 1}/{SIZE}"),
        ("POST", STATUS, ""),  # PROCESSING_UPLOAD
        ("POST", STATUS, ""),  # PUBLISH_COMPLETE
    ]
    for r in tiktok.state.requests("tiktok"):
        if r["method"] == "POST":
            body = json.dumps(r["json"] or {})
            assert_valid_tiktok_request("POST", r["path"], r["headers"], body)


def test_without_a_privacy_choice_the_video_is_private(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer
) -> None:
    publish(api, tiktok, store)
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert target.status == TargetStatus.PUBLISHED
    assert target.url == f"{tiktok.base_url}/tiktok-web/@shop_tt"
    [post] = tiktok.state.posts("tiktok")
    assert post["post_info"]["privacy_level"] == "SELF_ONLY"


def test_an_unknown_privacy_level_is_refused_at_request_time(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer
) -> None:
    clip = f"{tiktok.base_url}/_sandbox/media/clip.mp4?bytes=10"
    response = api.post(
        PUBLISH_URL,
        {"store_id": str(store.pk), "platforms": ["tiktok"], "schedule_at": None,
         "content": {"text": TEXT, "media": [{"type": "video", "url": clip}], "link": None},
         "options": {"tiktok": {"privacy": "public", "disable_duet": "yes"}}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]["options"]["tiktok"]) == {
        "privacy", "disable_duet"
    }  # fmt: skip
    assert PostTarget.objects.count() == 0


def test_a_privacy_level_the_creator_does_not_offer_fails_before_init(
    api: APIClient, store: Store, tiktok: SandboxServer
) -> None:
    # Which levels a creator offers is only known from creator_info, in the worker.
    SocialAccountFactory.create(
        store=store, platform="tiktok", handle="priv", token=sandbox_token("priv", private=True)
    )
    publish(api, tiktok, store, {"privacy": "PUBLIC_TO_EVERYONE"})
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "privacy_not_allowed")
    assert "it offers SELF_ONLY" in target.error_message
    assert [c[1] for c in calls(tiktok)] == [CREATOR]


def test_a_failed_publish_fails_with_advice(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer
) -> None:
    publish(api, tiktok, store, text="Too long #sandbox_fail_duration_check_failed")
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert target.status == TargetStatus.FAILED
    assert "longer than this TikTok account may post" in target.error_message
    assert tiktok.state.posts("tiktok") == []


def test_an_expired_token_fails_the_target_and_flags_the_account(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer
) -> None:
    fault(tiktok, method="POST", path=CREATOR, kind="expired_token")
    publish(api, tiktok, store)
    target_publish(target_id=only_target().pk)
    assert (only_target().status, only_target().error_code) == (TargetStatus.FAILED, "auth")
    creator.refresh_from_db()
    assert creator.status == SocialAccount.Status.NEEDS_RECONNECT


def test_a_rate_limit_is_retried_later(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer
) -> None:
    fault(tiktok, method="POST", path=INIT, kind="rate_limit")
    publish(api, tiktok, store)
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.QUEUED, "rate_limited")
    assert target.due_at is not None


def test_spam_risk_fails_with_advice(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer
) -> None:
    fault(tiktok, method="POST", path=CREATOR, kind="no_credits")
    publish(api, tiktok, store)
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert target.status == TargetStatus.FAILED
    assert "publish again tomorrow" in target.error_message
    assert "spam_risk_too_many_posts" in target.platform_error


def test_a_lost_answer_to_the_last_chunk_is_settled_from_the_checkpointed_publish_id(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer, settings: Any
) -> None:
    settings.PLATFORM_HTTP_TIMEOUT = 0.5
    fault(tiktok, method="PUT", path=UPLOAD, kind="timeout", delay_s=2, after_effect=True)
    publish(api, tiktok, store, {"privacy": "PUBLIC_TO_EVERYONE"})
    target_publish(target_id=only_target().pk)
    assert only_target().status == TargetStatus.UNCONFIRMED
    # TikTok offers no video list to a posting connection: the lookup finds nothing and the
    # target goes again, where status/fetch of the checkpointed publish_id finds the video.
    target_reconcile(target_id=only_target().pk)
    assert only_target().status == TargetStatus.QUEUED
    target_publish(target_id=only_target().pk)

    [post] = tiktok.state.posts("tiktok")
    target = only_target()
    assert (target.status, target.platform_post_id) == (TargetStatus.PUBLISHED, post["id"])
    assert [c[1] for c in calls(tiktok)] == [CREATOR, INIT, UPLOAD, STATUS, STATUS]


def test_unpublish_answers_not_supported_without_calling_tiktok(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer
) -> None:
    answer = publish(api, tiktok, store)
    target_publish(target_id=only_target().pk)
    before = len(calls(tiktok))
    response = api.post(f"{PUBLISH_URL}/{answer['post_id']}/unpublish", format="json")
    assert response.status_code == 200, response.json()
    [result] = response.json()["results"]
    assert (result["platform"], result["status"]) == ("tiktok", "not_supported")
    assert "delete the video in the TikTok app" in result["error"]["message"]
    assert len(calls(tiktok)) == before
    assert len(tiktok.state.posts("tiktok")) == 1
