"""TikTok through the public API and the pipeline, against the sandbox over real HTTP: a video
ends published with its page's URL after exactly the Direct Post calls PLATFORMS.md documents,
and what the creator cannot do, a FAILED publish and TikTok's error codes end as clear results."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.media.relay import BY, relay_prefix
from publishing.models import PostTarget, TargetStatus
from publishing.sandbox.core import SandboxServer
from publishing.sandbox.tiktok import sandbox_token
from publishing.services.pipeline import target_publish
from publishing.services.reconcile import target_reconcile
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
    answer = publish(api, tiktok, store, {"privacy_level": "PUBLIC_TO_EVERYONE"}, size=SIZE)
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
         "options": {"tiktok": {"privacy_level": "public", "disable_duet": "yes"}}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]["options"]["tiktok"]) == {
        "privacy_level", "disable_duet"
    }  # fmt: skip
    assert PostTarget.objects.count() == 0


def test_a_privacy_level_the_creator_does_not_offer_fails_before_init(
    api: APIClient, store: Store, tiktok: SandboxServer
) -> None:
    # Which levels a creator offers is only known from creator_info, in the worker.
    SocialAccountFactory.create(
        store=store, platform="tiktok", handle="priv", token=sandbox_token("priv", private=True)
    )
    publish(api, tiktok, store, {"privacy_level": "PUBLIC_TO_EVERYONE"})
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
    publish(api, tiktok, store, {"privacy_level": "PUBLIC_TO_EVERYONE"})
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


# --- Photo posts and PULL_FROM_URL (PLATFORMS.md 4.3) --------------------------------------

CONTENT_INIT = "/v2/post/publish/content/init/"


def verify(sandbox: SandboxServer, *prefixes: str) -> None:
    """The URL prefixes the sandbox's TikTok app has verified."""
    response = requests.put(
        f"{sandbox.base_url}/_sandbox/tiktok/verified-prefixes",
        json={"prefixes": list(prefixes)},
        timeout=5,
    )
    assert response.status_code == 200, response.text


def photo(sandbox: SandboxServer, name: str) -> dict[str, str]:
    return {"type": "image", "url": f"{sandbox.base_url}/_sandbox/media/{name}"}


def publish_photos(
    api: APIClient, store: Store, media: list[dict[str, str]], options: dict[str, Any] | None = None
) -> dict[str, Any]:
    content = {"text": "Summer dress, new in\nLinen, three colours #dress", "media": media,
               "link": "https://shop.example/p/1"}  # fmt: skip
    extra = {"options": {"tiktok": options}} if options else {}
    return publish_request(api, store, platforms=["tiktok"], content=content, wait=False, **extra)


def tiktok_json(sandbox: SandboxServer, path: str) -> list[dict[str, Any]]:
    return [r["json"] for r in sandbox.state.requests("tiktok") if r["path"] == path]


def test_a_photo_post_is_published_through_the_relay_with_notices(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer
) -> None:
    verify(tiktok, relay_prefix())
    media = [photo(tiktok, "a.jpg"), photo(tiktok, "b.png"), photo(tiktok, "c.webp?w=4000&h=3000")]
    options = {"privacy_level": "PUBLIC_TO_EVERYONE", "photo_cover_index": 1}
    answer = publish_photos(api, store, media, options)
    target_publish(target_id=only_target().pk)

    [post] = tiktok.state.posts("tiktok")
    [result] = api.get(f"{PUBLISH_URL}/{answer['post_id']}").json()["results"]
    assert result["status"] == "published"
    assert result["url"] == f"{tiktok.base_url}/tiktok-web/@shop_tt/video/{post['id']}"
    assert result["notices"] == [
        "Photo 2: The PNG image was converted to JPEG: TikTok takes only JPEG or WebP images.",
        f"Photo 3: The 4000{BY}3000 image was scaled down to 1080{BY}810 for TikTok.",
    ]
    assert [c[1] for c in calls(tiktok)] == [CREATOR, CONTENT_INIT, STATUS, STATUS]
    for r in tiktok.state.requests("tiktok"):
        assert_valid_tiktok_request("POST", r["path"], r["headers"], json.dumps(r["json"] or {}))
    [init] = tiktok_json(tiktok, CONTENT_INIT)
    assert (init["media_type"], init["post_mode"]) == ("PHOTO", "DIRECT_POST")
    assert init["post_info"] == {
        "title": "Summer dress, new in",
        "description": "Summer dress, new in\nLinen, three colours #dress\nhttps://shop.example/p/1",
        "privacy_level": "PUBLIC_TO_EVERYONE",
        "disable_comment": False,
    }
    images = init["source_info"]["photo_images"]
    assert init["source_info"]["photo_cover_index"] == 1
    # Not under a verified prefix, so even the JPEG goes from the relay (unchanged, no notice).
    assert all(url.startswith(relay_prefix()) for url in images) and post["pulled"] == images
    for url, kind in zip(images, ("image/jpeg", "image/jpeg", "image/jpeg"), strict=True):
        served = Client().get(url.removeprefix(django_settings.MEDIA_PUBLIC_BASE_URL))
        assert (served.status_code, served["Content-Type"]) == (200, kind)


def test_photos_under_a_verified_prefix_are_pulled_as_they_are(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer, settings: Any
) -> None:
    cdn = f"{tiktok.base_url}/_sandbox/media/"
    settings.TIKTOK_VERIFIED_URL_PREFIXES = [cdn]
    verify(tiktok, cdn, relay_prefix())
    media = [photo(tiktok, "a.jpg"), photo(tiktok, "b.webp")]
    publish_photos(api, store, media)
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.notices) == (TargetStatus.PUBLISHED, [])
    assert target.url == f"{tiktok.base_url}/tiktok-web/@shop_tt"  # SELF_ONLY: the profile
    [init] = tiktok_json(tiktok, CONTENT_INIT)
    assert init["source_info"]["photo_images"] == [m["url"] for m in media]


def test_a_prefix_tiktok_has_not_verified_fails_with_tiktoks_reason(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer, settings: Any
) -> None:
    # Configured as verified here, but not verified in the (sandbox's) developer portal.
    settings.TIKTOK_VERIFIED_URL_PREFIXES = [f"{tiktok.base_url}/_sandbox/media/"]
    verify(tiktok, relay_prefix())
    publish_photos(api, store, [photo(tiktok, "a.jpg")])
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "rejected")
    assert "not verified in our TikTok developer portal" in target.error_message
    assert "url_ownership_unverified" in target.platform_error
    assert tiktok.state.posts("tiktok") == []


def test_a_retry_reuses_the_relayed_photos(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer, settings: Any
) -> None:
    verify(tiktok, relay_prefix())
    fault(tiktok, method="POST", path=CONTENT_INIT, kind="rate_limit")
    publish_photos(api, store, [photo(tiktok, "a.png")])
    target_publish(target_id=only_target().pk)
    first = only_target()
    assert (first.status, first.error_code) == (TargetStatus.QUEUED, "rate_limited")
    assert first.due_at is not None
    with time_machine.travel(first.due_at + timedelta(seconds=1)):
        target_publish(target_id=first.pk)
    target = only_target()
    assert target.status == TargetStatus.PUBLISHED
    first_url, second_url = (
        r["source_info"]["photo_images"] for r in tiktok_json(tiktok, CONTENT_INIT)
    )
    assert first_url == second_url == list(first.checkpoint["relayed"].values())
    assert len(list((Path(settings.MEDIA_ROOT) / "relay").iterdir())) == 1  # converted once
    assert len(target.notices) == 1


def test_a_video_under_a_verified_prefix_is_pulled_by_tiktok(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer, settings: Any
) -> None:
    cdn = f"{tiktok.base_url}/_sandbox/media/"
    settings.TIKTOK_VERIFIED_URL_PREFIXES = [cdn]
    verify(tiktok, cdn)
    answer = publish(api, tiktok, store, {"privacy_level": "PUBLIC_TO_EVERYONE"}, size=SIZE)
    target_publish(target_id=only_target().pk)

    [post] = tiktok.state.posts("tiktok")
    [result] = api.get(f"{PUBLISH_URL}/{answer['post_id']}").json()["results"]
    assert result["status"] == "published"
    assert result["url"] == f"{tiktok.base_url}/tiktok-web/@shop_tt/video/{post['id']}"
    assert [c[1] for c in calls(tiktok)] == [CREATOR, INIT, STATUS, STATUS]
    [init] = tiktok_json(tiktok, INIT)
    assert init["source_info"] == {
        "source": "PULL_FROM_URL",
        "video_url": f"{cdn}clip.mp4?bytes={SIZE}",
    }
    assert_valid_tiktok_request("POST", INIT, {"authorization": "Bearer x",
        "content-type": "application/json; charset=UTF-8"}, json.dumps(init))  # fmt: skip


def test_a_lost_answer_to_a_pull_is_never_sent_again_blindly(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer, settings: Any
) -> None:
    cdn = f"{tiktok.base_url}/_sandbox/media/"
    settings.TIKTOK_VERIFIED_URL_PREFIXES = [cdn]
    settings.PLATFORM_HTTP_TIMEOUT = 0.5
    verify(tiktok, cdn)
    fault(tiktok, method="POST", path=INIT, kind="timeout", delay_s=2, after_effect=True)
    answer = publish(api, tiktok, store)
    target_publish(target_id=only_target().pk)
    assert only_target().status == TargetStatus.UNCONFIRMED
    target_reconcile(target_id=only_target().pk)  # TikTok cannot be asked: nothing found
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "outcome_unknown")
    assert "look at the TikTok profile" in target.error_message
    assert [c[1] for c in calls(tiktok)].count(INIT) == 1
    # A person who checked retries: it is sent again.
    response = api.post(f"{PUBLISH_URL}/{answer['post_id']}/retry", {}, format="json")
    assert response.status_code == 200, response.json()
    target_publish(target_id=only_target().pk)
    assert only_target().status == TargetStatus.PUBLISHED
    assert [c[1] for c in calls(tiktok)].count(INIT) == 2


@pytest.mark.parametrize(
    ("media", "options", "message"),
    [
        (["a.jpg"] * 36, None, "TikTok takes 1 to 35 photos in a photo post; this post has 36."),
        (["a.jpg", "clip.mp4"], None, "TikTok takes one video, or 1 to 35 photos"),
        (["a.jpg", "b.jpg"], {"photo_cover_index": 2}, "a number from 0 to 1"),
        (["a.jpg"], {"disable_stitch": True}, "disable_stitch applies only to videos"),
        (["clip.mp4"], {"photo_cover_index": 0}, "photo_cover_index applies only to photo posts"),
    ],
)
def test_tiktok_rules_are_refused_at_request_time_naming_the_rule(
    api: APIClient,
    store: Store,
    creator: SocialAccount,
    tiktok: SandboxServer,
    media: list[str],
    options: dict[str, Any] | None,
    message: str,
) -> None:
    items = [
        {"type": "video" if name.endswith(".mp4") else "image",
         "url": f"{tiktok.base_url}/_sandbox/media/{name}"}
        for name in media
    ]  # fmt: skip
    response = api.post(
        PUBLISH_URL,
        {"store_id": str(store.pk), "platforms": ["tiktok"], "schedule_at": None,
         "content": {"text": TEXT, "media": items, "link": None},
         **({"options": {"tiktok": options}} if options else {})},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400, response.json()
    [problem] = response.json()["error"]["details"]["platforms"]["tiktok"]
    assert message in problem["message"]
    assert PostTarget.objects.count() == 0


def test_photo_cover_index_must_be_a_json_integer(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer
) -> None:
    response = api.post(
        PUBLISH_URL,
        {"store_id": str(store.pk), "platforms": ["tiktok"], "schedule_at": None,
         "content": {"text": TEXT, "media": [photo(tiktok, "a.jpg")], "link": None},
         "options": {"tiktok": {"photo_cover_index": "1"}}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"]["details"]["options"]["tiktok"]["photo_cover_index"]


def test_a_failed_photo_post_fails_with_advice_about_photos(
    api: APIClient, store: Store, creator: SocialAccount, tiktok: SandboxServer
) -> None:
    verify(tiktok, relay_prefix())
    content = {"text": "Dress #sandbox_fail_picture_size_check_failed",
               "media": [photo(tiktok, "a.jpg")], "link": None}  # fmt: skip
    publish_request(api, store, platforms=["tiktok"], content=content, wait=False)
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "rejected")
    assert target.error_message.startswith("TikTok takes photos of at most 1080p and 20 MB.")
