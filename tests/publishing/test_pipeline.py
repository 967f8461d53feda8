"""The pipeline in-process against the sandbox over real HTTP: tasks' services called
directly (no eager Celery), faults injected at the sandbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import Post, PostTarget, PublishAttempt, TargetStatus
from publishing.sandbox.core import SandboxServer
from publishing.services.dispatcher import dispatch_due
from publishing.services.pipeline import target_claim, target_publish
from publishing.services.reconcile import target_reconcile
from tests.support.api import PUBLISH_URL
from tests.support.api import publish as publish_request

URL = PUBLISH_URL


def publish(api: APIClient, store: Store, **overrides: Any) -> dict[str, Any]:
    """Publish without waiting: these tests run the worker's service themselves."""
    return publish_request(api, store, **{"wait": False, **overrides})


def after_lease(settings: Any) -> Any:
    return timezone.now() + timedelta(seconds=settings.PUBLISH_LEASE_SECONDS + 1)


def only_target() -> PostTarget:
    return PostTarget.objects.get()


def fault(sandbox: SandboxServer, **spec: Any) -> None:
    response = requests.post(
        f"{sandbox.base_url}/_sandbox/faults", json={"platform": "x", **spec}, timeout=5
    )
    assert response.status_code == 200, response.text


def sandbox_posts(sandbox: SandboxServer) -> list[dict[str, Any]]:
    return sandbox.state.posts("x")


def test_immediate_post_is_fanned_out_and_published(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = publish(api, store)
    assert len(callbacks) == 1  # one fan-out task, sent only after commit
    target = only_target()
    assert answer == {
        "success": True,
        "post_id": str(target.post_id),
        "status": "processing",
        "schedule_at": None,
        "results": [
            {"platform": "x", "status": "queued", "post_id": None, "url": None, "notices": []}
        ],
    }

    target_publish(target_id=target.pk)

    [tweet] = sandbox_posts(sandbox)
    response = api.get(f"{URL}/{target.post_id}")
    assert response.json() == {
        "success": True,
        "post_id": str(target.post_id),
        "status": "published",
        "schedule_at": None,
        "results": [
            {
                "platform": "x",
                "status": "published",
                "post_id": tweet["id"],
                "url": f"{sandbox.base_url}/x-web/{x_account.handle}/status/{tweet['id']}",
                "notices": [],
            }
        ],
    }
    page = requests.get(response.json()["results"][0]["url"], timeout=5)
    assert page.status_code == 200 and "فستان صيفي جديد" in page.text
    attempt = PublishAttempt.objects.get()
    assert (attempt.method, attempt.status_code) == ("POST", 201)
    assert attempt.url == f"{sandbox.base_url}/x/2/tweets"


def test_scheduled_post_waits_for_the_dispatcher_then_publishes(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    at = timezone.now() + timedelta(minutes=10)
    answer = publish(api, store, schedule_at=at.isoformat())
    assert answer["status"] == "scheduled"
    assert answer["results"] == [
        {"platform": "x", "status": "scheduled", "post_id": None, "url": None, "notices": []}
    ]
    assert dispatch_due().scheduled == 0  # not due yet
    with time_machine.travel(at + timedelta(seconds=1)):
        assert dispatch_due().scheduled == 1
        assert only_target().status == TargetStatus.QUEUED
        target_publish(target_id=only_target().pk)
    assert only_target().status == TargetStatus.PUBLISHED
    assert Post.objects.get().status == "published"
    assert len(sandbox_posts(sandbox)) == 1


def test_missed_ticks_are_caught_up_in_one_pass(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    settings: Any,
) -> None:
    settings.DISPATCH_BATCH_SIZE = 2
    base = timezone.now()
    for minutes in range(1, 6):
        publish(api, store, schedule_at=(base + timedelta(minutes=minutes)).isoformat())
    with time_machine.travel(base + timedelta(hours=1)):  # beat was down for an hour
        assert dispatch_due().scheduled == 5
    assert set(PostTarget.objects.values_list("status", flat=True)) == {"queued"}


def test_rate_limit_puts_the_target_back_until_the_reset(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    fault(sandbox, method="POST", path="/2/tweets", kind="rate_limit", retry_after=600)
    publish(api, store)
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert target.status == TargetStatus.QUEUED
    assert target.error_code == "rate_limited"
    assert target.due_at is not None
    assert target.due_at >= timezone.now() + timedelta(seconds=590)
    assert target.enqueued_at is None
    assert dispatch_due().requeued == 0  # not before X's reset
    assert sandbox_posts(sandbox) == []
    response = api.get(f"{URL}/{target.post_id}")
    assert response.json()["results"][0]["error"]["code"] == "rate_limited"
    with time_machine.travel(target.due_at + timedelta(seconds=1)):
        assert dispatch_due().requeued == 1
        target_publish(target_id=target.pk)
    assert only_target().status == TargetStatus.PUBLISHED
    assert len(sandbox_posts(sandbox)) == 1


def test_revoked_token_fails_the_target_and_flags_the_account(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    fault(sandbox, method="POST", path="/2/tweets", kind="expired_token")
    publish(api, store)
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert target.status == TargetStatus.FAILED
    assert target.error_code == "auth_revoked"
    x_account.refresh_from_db()
    assert x_account.status == SocialAccount.Status.NEEDS_RECONNECT
    assert api.get(f"{URL}/{target.post_id}").json()["results"][0]["error"] == {
        "code": "auth_revoked",
        "message": "X no longer accepts this account's token; reconnect the X account.",
        "platform_message": "Unauthorized",
    }


def test_duplicate_content_fails_with_the_reason(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    for _ in range(2):
        publish(api, store)
    first, second = PostTarget.objects.order_by("pk")
    target_publish(target_id=first.pk)
    target_publish(target_id=second.pk)
    second.refresh_from_db()
    assert second.status == TargetStatus.FAILED
    assert second.error_code == "duplicate_content"
    assert len(sandbox_posts(sandbox)) == 1


def test_lost_answer_is_unconfirmed_then_settled_without_reposting(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    settings: Any,
) -> None:
    settings.PLATFORM_HTTP_TIMEOUT = 0.5
    fault(sandbox, method="POST", path="/2/tweets", kind="timeout", delay_s=2, after_effect=True)
    publish(api, store)
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert target.status == TargetStatus.UNCONFIRMED
    assert target.create_started_at is not None
    assert api.get(f"{URL}/{target.post_id}").json()["status"] == "unconfirmed"
    [tweet] = sandbox_posts(sandbox)  # X made it, though we never heard back

    target_reconcile(target_id=target.pk)

    target.refresh_from_db()
    assert (target.status, target.platform_post_id) == (TargetStatus.PUBLISHED, tweet["id"])
    assert len(sandbox_posts(sandbox)) == 1


def test_failed_create_that_made_nothing_is_sent_again_after_checking(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    fault(sandbox, method="POST", path="/2/tweets", kind="server_error")
    publish(api, store)
    target_publish(target_id=only_target().pk)
    assert only_target().status == TargetStatus.UNCONFIRMED  # a 5xx on create: unknown
    target_reconcile(target_id=only_target().pk)
    target = only_target()
    assert target.status == TargetStatus.QUEUED
    assert target.error_code == "not_found_on_platform"
    target_publish(target_id=target.pk)
    assert only_target().status == TargetStatus.PUBLISHED
    assert len(sandbox_posts(sandbox)) == 1


def test_expired_lease_before_the_create_call_resumes(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    settings: Any,
) -> None:
    publish(api, store)
    target = only_target()
    first_attempt = target_claim(target_id=target.pk)  # then the worker dies
    assert first_attempt == 1
    assert dispatch_due().recovered == 0  # lease still held
    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.PUBLISH_LEASE_SECONDS + 1)
    ):
        report = dispatch_due()
        assert (report.recovered, report.unconfirmed) == (1, 0)
        assert only_target().status == TargetStatus.QUEUED
        target_publish(target_id=target.pk)
    target = only_target()
    assert (target.status, target.attempt_count) == (TargetStatus.PUBLISHED, 2)
    assert len(sandbox_posts(sandbox)) == 1


def test_expired_lease_after_the_create_call_is_unconfirmed(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    settings: Any,
) -> None:
    publish(api, store)
    target = only_target()
    target_claim(target_id=target.pk)
    PostTarget.objects.filter(pk=target.pk).update(create_started_at=timezone.now())
    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.PUBLISH_LEASE_SECONDS + 1)
    ):
        report = dispatch_due()
    assert (report.recovered, report.unconfirmed) == (1, 1)
    assert only_target().status == TargetStatus.UNCONFIRMED


def test_a_worker_that_lost_its_lease_cannot_overwrite_the_outcome(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    settings: Any,
) -> None:
    from publishing.services.pipeline import _failed

    publish(api, store)
    target = only_target()
    stale_attempt = target_claim(target_id=target.pk)
    assert stale_attempt is not None
    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.PUBLISH_LEASE_SECONDS + 1)
    ):
        dispatch_due()
        target_publish(target_id=target.pk)  # attempt 2 publishes
    _failed(target.pk, stale_attempt, "late", "the first worker woke up")  # fenced off
    assert only_target().status == TargetStatus.PUBLISHED


def test_retries_stop_after_the_maximum_attempts(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    settings: Any,
) -> None:
    settings.PUBLISH_MAX_ATTEMPTS = 2
    fault(sandbox, method="POST", path="/2/tweets", kind="rate_limit", retry_after=1, times=0)
    publish(api, store)
    target_publish(target_id=only_target().pk)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        dispatch_due()
        target_publish(target_id=only_target().pk)
    target = only_target()
    assert target.status == TargetStatus.FAILED
    assert "gave up after 2 tries" in target.error_message


def test_a_disconnected_account_fails_its_pending_targets(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    publish(api, store)
    SocialAccount.objects.filter(pk=x_account.pk).update(
        status=SocialAccount.Status.NEEDS_RECONNECT
    )
    target_publish(target_id=only_target().pk)
    assert only_target().error_code == "account_needs_reconnect"
    assert sandbox_posts(sandbox) == []


@pytest.mark.parametrize("status", ["queued", "processing", "published"])
def test_a_claimed_target_is_not_claimed_again(
    api: APIClient, store: Store, x_account: SocialAccount, status: str
) -> None:
    publish(api, store)
    PostTarget.objects.update(status=status)
    assert (target_claim(target_id=only_target().pk) is None) == (status != "queued")


def test_reconciliation_matches_text_that_x_returns_escaped(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    settings: Any,
) -> None:
    settings.PLATFORM_HTTP_TIMEOUT = 0.5
    fault(sandbox, method="POST", path="/2/tweets", kind="timeout", delay_s=2, after_effect=True)
    publish(api, store, content={"text": "Shoes & bags <50% off>", "media": [], "link": None})
    target_publish(target_id=only_target().pk)
    target_reconcile(target_id=only_target().pk)
    assert only_target().status == TargetStatus.PUBLISHED
    assert len(sandbox_posts(sandbox)) == 1


def test_images_are_fetched_uploaded_and_attached(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    media = [
        {"type": "image", "url": f"{sandbox.base_url}/_sandbox/media/dress-{i}.png"}
        for i in range(2)
    ]
    publish(api, store, content={"text": "", "media": media, "link": None})
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert target.status == TargetStatus.PUBLISHED
    assert len(target.checkpoint["media_ids"]) == 2
    [tweet] = sandbox_posts(sandbox)
    assert tweet["request_body"]["media"]["media_ids"] == target.checkpoint["media_ids"]
    assert len(tweet["media"]) == 2


def test_media_on_a_private_address_is_refused_in_production(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    settings: Any,
) -> None:
    settings.MEDIA_ALLOW_LOOPBACK = False
    media = [{"type": "image", "url": f"{sandbox.base_url}/_sandbox/media/a.png"}]
    publish(api, store, content={"text": "hi", "media": media, "link": None})
    target_publish(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "media_unavailable")
    assert "not a public address" in target.error_message
    assert sandbox_posts(sandbox) == []


def test_immediate_publish_answers_processing_when_the_wait_runs_out(
    api: APIClient, store: Store, x_account: SocialAccount, settings: Any
) -> None:
    settings.PUBLISH_WAIT_SECONDS = 0.3  # no worker runs in this test
    response = api.post(
        URL,
        {
            "store_id": str(store.pk),
            "platforms": ["x"],
            "content": {"text": "hello"},
            "schedule_at": None,
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "processing"
    assert response.json()["results"][0]["status"] == "queued"


def test_with_the_broker_down_the_post_is_kept_and_sent_later(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from tests.support.broker import broker_unreachable

    settings.PUBLISH_WAIT_SECONDS = 0.2
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        answer = publish_request(api, store)
    assert answer["status"] == "processing"  # answered, and nothing lost
    target = only_target()
    assert target.status == TargetStatus.QUEUED
    stale = timezone.now() + timedelta(seconds=settings.REQUEUE_AFTER_SECONDS + 1)
    with time_machine.travel(stale), django_capture_on_commit_callbacks(execute=False) as sent:
        assert dispatch_due().requeued == 1
    assert len(sent) == 1
    target_publish(target_id=target.pk)
    assert only_target().status == TargetStatus.PUBLISHED


def test_reconciliation_that_cannot_ask_the_platform_ends_as_failed_may_be_live(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer, settings: Any
) -> None:
    fault(sandbox, method="POST", path="/2/tweets", kind="server_error")
    publish(api, store)
    target_publish(target_id=only_target().pk)
    assert only_target().status == TargetStatus.UNCONFIRMED
    fault(sandbox, method="GET", path=r"/2/users/\d+/tweets", kind="server_error", times=0)
    for _ in range(settings.RECONCILE_MAX_LOOKUPS - 1):
        target_reconcile(target_id=only_target().pk)
        assert only_target().status == TargetStatus.UNCONFIRMED  # asks again later
    target_reconcile(target_id=only_target().pk)
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "reconcile_failed")
    assert "may be live" in target.error_message


def test_reconciliation_with_a_refused_token_fails_and_flags_the_account(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    fault(sandbox, method="POST", path="/2/tweets", kind="server_error")
    publish(api, store)
    target_publish(target_id=only_target().pk)
    fault(sandbox, method="GET", path=r"/2/users/\d+/tweets", kind="expired_token")
    target_reconcile(target_id=only_target().pk)
    assert only_target().error_code == "reconcile_failed"
    x_account.refresh_from_db()
    assert x_account.status == SocialAccount.Status.NEEDS_RECONNECT


def test_reconciliation_never_takes_another_targets_post(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    # Two image-only posts a minute apart; the second's answer is lost and X made nothing.
    media = [{"type": "image", "url": f"{sandbox.base_url}/_sandbox/media/a.png"}]
    first = publish(api, store, content={"text": "", "media": media, "link": None})
    target_publish(target_id=PostTarget.objects.get(post_id=first["post_id"]).pk)
    second = publish(api, store, content={"text": "", "media": media, "link": None})
    fault(sandbox, method="POST", path="/2/tweets", kind="server_error")
    late = PostTarget.objects.get(post_id=second["post_id"])
    target_publish(target_id=late.pk)
    target_reconcile(target_id=late.pk)
    late.refresh_from_db()
    assert late.status == TargetStatus.QUEUED  # not mistaken for the first post
    assert late.platform_post_id == ""


def test_a_target_whose_worker_always_dies_fails_after_the_usual_tries(
    api: APIClient, store: Store, x_account: SocialAccount, settings: Any
) -> None:
    settings.PUBLISH_MAX_ATTEMPTS = 2
    publish(api, store)
    target = only_target()
    for _ in range(2):  # claimed, then the worker dies, twice
        assert target_claim(target_id=target.pk) is not None
        with time_machine.travel(after_lease(settings)):
            dispatch_due()
        PostTarget.objects.filter(pk=target.pk, status="queued").update(due_at=timezone.now())
    target = only_target()
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "worker_lost")
