"""Threads through the public API and the pipeline, against the sandbox over real HTTP:
every format ends published with its permalink, and the sandbox saw exactly the calls
Threads requires, in order."""

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
from publishing.sandbox.threads import set_quota_used
from publishing.services.dispatcher import dispatch_due
from publishing.services.pipeline import target_publish
from publishing.services.reconcile import target_reconcile
from tests.factories import SocialAccountFactory
from tests.support.api import PUBLISH_URL
from tests.support.api import publish as publish_request

LINK = "https://shop.example/p/1"
LIMIT = ("GET", "/v1.0/me/threads_publishing_limit")
CREATE = ("POST", "/v1.0/me/threads")
PUBLISH = ("POST", "/v1.0/me/threads_publish")


@pytest.fixture
def threads(sandbox: SandboxServer, settings: Any) -> SandboxServer:
    settings.THREADS_API_BASE_URL = f"{sandbox.base_url}/threads/v1.0"
    settings.THREADS_CONTAINER_POLL_SECONDS = 0.01
    settings.THREADS_CONTAINER_WAIT_SECONDS = 2
    return sandbox


@pytest.fixture
def threads_account(store: Store) -> SocialAccount:
    return SocialAccountFactory.create(store=store, platform="threads")


def publish(api: APIClient, store: Store, **content: Any) -> dict[str, Any]:
    body = {"text": "فستان صيفي جديد 🌸", "media": [], "link": None, **content}
    return publish_request(api, store, platforms=["threads"], content=body, wait=False)


def media(sandbox: SandboxServer, kind: str, name: str, query: str = "") -> dict[str, str]:
    return {"type": kind, "url": f"{sandbox.base_url}/_sandbox/media/{name}.png{query}"}


def calls(sandbox: SandboxServer) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in sandbox.state.requests("threads")]


def fault(sandbox: SandboxServer, **spec: Any) -> None:
    response = requests.post(
        f"{sandbox.base_url}/_sandbox/faults", json={"platform": "threads", **spec}, timeout=5
    )
    assert response.status_code == 200, response.text


def only_target() -> PostTarget:
    return PostTarget.objects.get()


def status_calls(sandbox: SandboxServer) -> list[str]:
    return [
        r["path"]
        for r in sandbox.state.requests("threads")
        if r["method"] == "GET" and r["query"].get("fields") == ["id,status,error_message"]
    ]


@pytest.mark.parametrize("fmt", ["text", "image", "video", "carousel"])
def test_every_format_is_published_with_its_permalink_in_the_required_calls(
    api: APIClient,
    store: Store,
    threads_account: SocialAccount,
    threads: SandboxServer,
    fmt: str,
) -> None:
    items = {
        "text": [],
        "image": [media(threads, "image", "a")],
        "video": [media(threads, "video", "v")],
        "carousel": [media(threads, "image", "a"), media(threads, "video", "v")],
    }[fmt]
    answer = publish(api, store, media=items, link=LINK)
    target_publish(target_id=only_target().pk)

    [post] = threads.state.posts("threads")
    result = api.get(f"{PUBLISH_URL}/{answer['post_id']}").json()
    assert result["status"] == "published"
    assert result["results"] == [
        {"platform": "threads", "status": "published", "post_id": post["id"],
         "url": post["permalink"], "notices": []}
    ]  # fmt: skip
    assert post["permalink"].startswith(f"{threads.base_url}/threads-web/@{threads_account.handle}")
    page = requests.get(post["permalink"], timeout=5)
    assert page.status_code == 200 and "فستان صيفي جديد" in page.text

    made = [
        r["query"] for r in threads.state.requests("threads") if (r["method"], r["path"]) == CREATE
    ]
    parent, children = made[-1], made[:-1]
    checkpoint = only_target().checkpoint

    def polls(container: str, times: int = 1) -> list[tuple[str, str]]:
        return [("GET", f"/v1.0/{container}")] * times

    # Threads' container model: quota, the items (each polled until FINISHED), the
    # container, polled, then publish and the permalink. Videos stay IN_PROGRESS for two
    # polls in the sandbox.
    child_ids: list[str] = list(checkpoint.get("children") or [])
    expected = [LIMIT, *[CREATE] * len(child_ids)]
    for item_id, item in zip(child_ids, items_kinds(fmt), strict=True):
        expected += polls(item_id, 3 if item == "video" else 1)
    expected += [CREATE, *polls(checkpoint["container"], 3 if fmt == "video" else 1)]
    expected += [PUBLISH, ("GET", f"/v1.0/{post['id']}")]
    assert calls(threads) == expected
    if fmt == "text":
        assert parent["media_type"] == ["TEXT"] and parent["link_attachment"] == [LINK]
    else:
        assert parent["text"] == [f"فستان صيفي جديد 🌸\n{LINK}"]
        assert "link_attachment" not in parent
    if fmt == "carousel":
        assert [c["media_type"] for c in children] == [["IMAGE"], ["VIDEO"]]
        assert [c["is_carousel_item"] for c in children] == [["true"], ["true"]]
        assert parent["children"] == [",".join(child_ids)]


def items_kinds(fmt: str) -> list[str]:
    return ["image", "video"] if fmt == "carousel" else []


def test_a_container_still_processing_is_polled_until_finished(
    api: APIClient, store: Store, threads_account: SocialAccount, threads: SandboxServer
) -> None:
    publish(api, store, media=[media(threads, "video", "v", "?sandbox_polls=4")])
    target_publish(target_id=only_target().pk)
    assert only_target().status == TargetStatus.PUBLISHED
    assert len(status_calls(threads)) == 5  # four IN_PROGRESS, then FINISHED


def test_a_container_still_processing_after_the_wait_resumes_on_the_next_attempt(
    api: APIClient,
    store: Store,
    threads_account: SocialAccount,
    threads: SandboxServer,
    settings: Any,
) -> None:
    settings.THREADS_CONTAINER_WAIT_SECONDS = 0
    publish(api, store, media=[media(threads, "video", "v", "?sandbox_polls=1")])
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.QUEUED, "media_processing")
    assert target.due_at is not None
    with time_machine.travel(target.due_at + timedelta(seconds=1)):
        dispatch_due()
        target_publish(target_id=target.pk)
    assert only_target().status == TargetStatus.PUBLISHED
    assert calls(threads).count(CREATE) == 1  # the same container, polled again


def test_a_container_in_error_fails_with_meta_reason_and_advice(
    api: APIClient, store: Store, threads_account: SocialAccount, threads: SandboxServer
) -> None:
    publish(api, store, media=[media(threads, "image", "a", "?sandbox_error=INVALID_ASPEC_RATIO")])
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "media_rejected")
    error = api.get(f"{PUBLISH_URL}/{target.post_id}").json()["results"][0]["error"]
    assert "aspect ratio" in error["message"]
    assert error["platform_message"] == "ERROR: INVALID_ASPEC_RATIO"
    assert PUBLISH not in calls(threads) and threads.state.posts("threads") == []


def test_quota_exhausted_fails_with_a_clear_reason_before_anything_is_made(
    api: APIClient, store: Store, threads_account: SocialAccount, threads: SandboxServer
) -> None:
    set_quota_used(threads.state, threads_account.handle, 250)
    publish(api, store)
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "quota_exceeded")
    assert "250" in target.error_message
    assert calls(threads) == [LIMIT]


def test_an_expired_token_fails_the_target_and_flags_the_account(
    api: APIClient, store: Store, threads_account: SocialAccount, threads: SandboxServer
) -> None:
    fault(threads, method="POST", path="/v1.0/me/threads", kind="expired_token")
    publish(api, store)
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "auth_revoked")
    threads_account.refresh_from_db()
    assert threads_account.status == SocialAccount.Status.NEEDS_RECONNECT
    assert "Session has expired" in target.platform_error


def test_a_rate_limit_waits_for_the_advised_time_then_publishes_once(
    api: APIClient, store: Store, threads_account: SocialAccount, threads: SandboxServer
) -> None:
    fault(threads, method="POST", path="/v1.0/me/threads_publish", kind="rate_limit",
          retry_after=600)  # fmt: skip
    publish(api, store)
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
    assert calls(threads).count(CREATE) == 1  # resumed from the checkpointed container
    assert len(threads.state.posts("threads")) == 1


def test_a_lost_publish_answer_is_settled_by_looking_not_by_reposting(
    api: APIClient,
    store: Store,
    threads_account: SocialAccount,
    threads: SandboxServer,
    settings: Any,
) -> None:
    settings.PLATFORM_HTTP_TIMEOUT = 0.5
    fault(threads, method="POST", path="/v1.0/me/threads_publish", kind="timeout", delay_s=2,
          after_effect=True)  # fmt: skip
    publish(api, store)
    target_publish(target_id=only_target().pk)
    assert only_target().status == TargetStatus.UNCONFIRMED
    [post] = threads.state.posts("threads")
    target_reconcile(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.platform_post_id) == (TargetStatus.PUBLISHED, post["id"])
    assert target.url == post["permalink"]
    assert calls(threads).count(PUBLISH) == 1


def test_x_and_threads_in_one_request_are_both_published(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    threads_account: SocialAccount,
    threads: SandboxServer,
) -> None:
    answer = publish_request(
        api,
        store,
        platforms=["x", "threads"],
        content={"text": "عرض اليوم", "media": [media(threads, "image", "a")], "link": LINK},
        wait=False,
    )
    for target in PostTarget.objects.all():
        target_publish(target_id=target.pk)
    result = api.get(f"{PUBLISH_URL}/{answer['post_id']}").json()
    assert result["status"] == "published"
    assert {r["platform"]: r["status"] for r in result["results"]} == {
        "x": "published",
        "threads": "published",
    }
    assert len(threads.state.posts("x")) == 1 and len(threads.state.posts("threads")) == 1
