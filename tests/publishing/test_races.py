"""Races on real PostgreSQL: each side in its own thread and connection, started together."""

from __future__ import annotations

import functools
import random
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import requests
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from mollkom_social.api.errors import ApiError
from publishing.models import IdempotencyKey, Post, PostTarget, TargetStatus
from publishing.sandbox.core import SandboxServer
from publishing.services.dispatcher import dispatch_due
from publishing.services.posts import post_cancel
from tests.support.processes import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/functions/v1/social-publish"


def run_together(*jobs: Callable[[], Any]) -> list[Any]:
    """Run the jobs in threads released at the same instant; their results or exceptions."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = job()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def after(delay: float, job: Callable[[], Any]) -> Callable[[], Any]:
    def delayed() -> Any:
        time.sleep(delay)
        return job()

    return delayed


def body(store: Store, text: str, **overrides: Any) -> dict[str, Any]:
    return {
        "store_id": str(store.pk),
        "platforms": ["x"],
        "content": {"text": text, "media": [], "link": None},
        "schedule_at": (timezone.now() + timedelta(minutes=5)).isoformat(),
        **overrides,
    }


def test_cancel_and_dispatch_racing_exactly_one_wins(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    rounds = 30
    base = timezone.now() + timedelta(minutes=5)
    posts = []
    for i in range(rounds):  # one post falling due per minute, one race per post
        at = (base + timedelta(minutes=i)).isoformat()
        response = api.post(URL, body(store, f"post {i}", schedule_at=at), format="json")
        posts.append(response.json()["post_id"])
    outcomes = {"cancelled": 0, "dispatched": 0}
    for i, post_id in enumerate(posts):
        # A random head start for one side, so each wins some rounds.
        lead = random.uniform(-0.01, 0.01)
        with time_machine.travel(base + timedelta(minutes=i, seconds=1)):
            cancel, dispatch = run_together(
                after(max(0, lead), functools.partial(post_cancel, store=store, post_id=post_id)),
                after(max(0, -lead), dispatch_due),
            )
        assert not isinstance(dispatch, Exception), dispatch
        target = PostTarget.objects.get(post_id=post_id)
        if isinstance(cancel, ApiError):
            assert cancel.status_code == 409
            assert (target.status, dispatch.scheduled) == (TargetStatus.QUEUED, 1)
            outcomes["dispatched"] += 1
        else:
            assert not isinstance(cancel, Exception), cancel
            assert (target.status, dispatch.scheduled) == (TargetStatus.CANCELLED, 0)
            assert Post.objects.get(pk=post_id).status == "cancelled"
            outcomes["cancelled"] += 1
    assert sum(outcomes.values()) == rounds
    print(f"cancel won {outcomes['cancelled']} of {rounds} rounds")


def test_concurrent_requests_with_one_idempotency_key_publish_once(
    api_key: str, store: Store, x_account: SocialAccount
) -> None:
    payload = body(store, "once only", wait=False)

    def call() -> tuple[int, dict[str, Any]]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}", HTTP_IDEMPOTENCY_KEY="order-77")
        response = client.post(URL, payload, format="json")
        return response.status_code, response.json()

    results = run_together(*[call for _ in range(8)])
    assert [status for status, _ in results] == [200] * 8
    assert len({answer["post_id"] for _, answer in results}) == 1
    assert Post.objects.count() == 1
    assert PostTarget.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_same_key_and_body_replays_the_first_answer(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    payload = body(store, "replay me")
    first = api.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    second = api.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert Post.objects.count() == 1


def test_a_retry_after_the_scheduled_time_passed_replays_the_first_answer(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    at = timezone.now() + timedelta(minutes=5)
    payload = body(store, "scheduled", schedule_at=at.isoformat())
    first = api.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k-late")
    assert first.status_code == 200
    # The storefront's retry comes late: the request as such would now be refused.
    with time_machine.travel(at + timedelta(minutes=1)):
        late = api.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k-late")
        fresh = api.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k-new")
    assert (late.status_code, late.json()) == (200, first.json())
    assert fresh.status_code == 400
    assert Post.objects.count() == 1


def test_same_key_with_another_body_is_422(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    api.post(URL, body(store, "first"), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    response = api.post(URL, body(store, "second"), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Post.objects.count() == 1


def test_keys_are_per_store(api: APIClient, store: Store, x_account: SocialAccount) -> None:
    from tests.factories import ApiKeyFactory, SocialAccountFactory, StoreFactory

    other = StoreFactory.create()
    SocialAccountFactory.create(store=other)
    _, other_key = ApiKeyFactory.create_with_raw(store=other)
    other_api = APIClient()
    other_api.credentials(HTTP_AUTHORIZATION=f"Bearer {other_key}")
    api.post(URL, body(store, "a"), format="json", HTTP_IDEMPOTENCY_KEY="same")
    response = other_api.post(URL, body(other, "b"), format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert response.status_code == 200
    assert Post.objects.count() == 2


def test_edit_and_dispatch_racing_never_mix_old_and_new(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    from publishing.platforms.base import Content
    from publishing.services.lifecycle import PostChanges, post_update

    rounds = 30
    base = timezone.now() + timedelta(minutes=5)
    posts = []
    for i in range(rounds):
        at = (base + timedelta(minutes=i)).isoformat()
        response = api.post(URL, body(store, f"old {i}", schedule_at=at), format="json")
        posts.append(response.json()["post_id"])
    wins = 0
    for i, post_id in enumerate(posts):
        lead = random.uniform(-0.01, 0.01)
        changes = PostChanges(content=Content(text=f"new {i}"))
        with time_machine.travel(base + timedelta(minutes=i, seconds=1)):
            edit, dispatch = run_together(
                after(
                    max(0, lead),
                    functools.partial(post_update, store=store, post_id=post_id, changes=changes),
                ),
                after(max(0, -lead), dispatch_due),
            )
        assert not isinstance(dispatch, Exception), dispatch
        text = Post.objects.get(pk=post_id).text
        status = PostTarget.objects.get(post_id=post_id).status
        if isinstance(edit, ApiError):  # the dispatcher got there first: the old post goes
            assert edit.status_code == 409
            assert (text, status) == (f"old {i}", TargetStatus.QUEUED)
        else:  # the edit won; the dispatcher skipped the locked row or came after it
            assert not isinstance(edit, Exception), edit
            assert text == f"new {i}"
            wins += 1
    print(f"edit won {wins} of {rounds} rounds")


def test_a_worker_that_lost_its_lease_stops_before_making_a_second_post(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    from publishing.services.pipeline import target_publish

    # Worker A is slow in its image upload; meanwhile its lease runs out and worker B
    # takes the target over and publishes. A must not publish when it wakes up.
    requests.post(
        f"{sandbox.base_url}/_sandbox/faults",
        json={"platform": "x", "method": "POST", "path": "/2/media/upload", "kind": "latency",
              "delay_s": 2, "times": 1},
        timeout=5,
    )  # fmt: skip
    media = [{"type": "image", "url": f"{sandbox.base_url}/_sandbox/media/slow.png"}]
    response = api.post(
        URL,
        {**body(store, "one post only"), "schedule_at": None, "wait": False,
         "content": {"text": "one post only", "media": media}},
        format="json",
    )  # fmt: skip
    target = PostTarget.objects.get(post_id=response.json()["post_id"])

    def run_worker_a() -> None:
        try:
            target_publish(target_id=target.pk)
        finally:
            connection.close()

    worker_a = threading.Thread(target=run_worker_a)
    worker_a.start()
    wait_for(lambda: PostTarget.objects.get(pk=target.pk).status == "processing", 5, "A's claim")
    PostTarget.objects.filter(pk=target.pk).update(lease_expires_at=timezone.now())  # ran out
    assert dispatch_due().recovered == 1
    target_publish(target_id=target.pk)  # worker B
    worker_a.join(timeout=30)
    target.refresh_from_db()
    assert (target.status, target.attempt_count) == (TargetStatus.PUBLISHED, 2)
    assert len(sandbox.state.posts("x")) == 1
    creates = [r for r in sandbox.state.requests("x") if r["path"] == "/2/tweets"]
    assert len(creates) == 1
