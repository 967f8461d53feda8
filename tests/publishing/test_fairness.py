"""Per-store and per-account limits in front of the pipeline: the publish task called
in-process against the sandbox over real HTTP, the slots in the test Redis."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import PostTarget, PublishAttempt, TargetStatus
from publishing.sandbox.core import SandboxServer
from publishing.services.dispatcher import dispatch_due
from publishing.services.fairness import _slots, target_claims
from publishing.slots import Claim
from publishing.tasks import publish_target_task
from tests.support.api import publish


@pytest.fixture
def target(api: APIClient, store: Store, x_account: SocialAccount) -> PostTarget:
    publish(api, store, wait=False)
    return PostTarget.objects.get()


@pytest.fixture
def fill() -> Iterator[Any]:
    """Take every slot of the given claims, as other publishes of the store would."""
    tokens: list[str] = []

    def take(claim: Claim) -> None:
        for _ in range(claim.limit):
            token = _slots().acquire([claim])
            assert token is not None
            tokens.append(token)

    yield take
    for token in tokens:
        _slots().release(token)


def test_a_target_over_its_stores_limit_is_deferred_without_spending_an_attempt(
    target: PostTarget, store: Store, sandbox: SandboxServer, fill: Any, settings: Any
) -> None:
    [store_claim, _] = target_claims(store_id=store.pk, account_id=target.account_id)
    fill(store_claim)
    before = timezone.now()
    publish_target_task(target.pk)
    target.refresh_from_db()
    assert target.status == TargetStatus.QUEUED
    assert target.attempt_count == 0
    assert target.enqueued_at is None  # for the dispatcher to send again
    assert target.due_at is not None
    wait = (target.due_at - before).total_seconds()
    assert settings.PUBLISH_LIMIT_DEFER_SECONDS <= wait <= settings.PUBLISH_LIMIT_DEFER_SECONDS * 2
    assert sandbox.state.posts("x") == []
    assert not PublishAttempt.objects.filter(target=target).exists()


def test_a_target_over_its_accounts_limit_is_deferred(
    target: PostTarget, store: Store, sandbox: SandboxServer, fill: Any
) -> None:
    [_, account_claim] = target_claims(store_id=store.pk, account_id=target.account_id)
    fill(account_claim)
    publish_target_task(target.pk)
    target.refresh_from_db()
    assert (target.status, target.attempt_count) == (TargetStatus.QUEUED, 0)
    assert sandbox.state.posts("x") == []


def test_another_stores_full_limit_does_not_hold_this_one_back(
    target: PostTarget, sandbox: SandboxServer, fill: Any
) -> None:
    [other_store, other_account] = target_claims(store_id="another-store", account_id=0)
    fill(other_store)
    fill(other_account)
    publish_target_task(target.pk)
    target.refresh_from_db()
    assert target.status == TargetStatus.PUBLISHED


def test_a_deferred_target_is_sent_again_by_the_dispatcher_and_published(
    target: PostTarget,
    store: Store,
    sandbox: SandboxServer,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    [store_claim, _] = target_claims(store_id=store.pk, account_id=target.account_id)
    held = [_slots().acquire([store_claim]) for _ in range(store_claim.limit)]
    publish_target_task(target.pk)
    with django_capture_on_commit_callbacks(execute=False):
        assert dispatch_due().requeued == 0  # not due yet
    for token in held:
        _slots().release(str(token))
    later = timezone.now() + timedelta(seconds=settings.PUBLISH_LIMIT_DEFER_SECONDS * 2)
    with time_machine.travel(later):
        with django_capture_on_commit_callbacks(execute=False) as sends:
            assert dispatch_due().requeued == 1
        assert len(sends) == 1
        publish_target_task(target.pk)
    target.refresh_from_db()
    assert (target.status, target.attempt_count) == (TargetStatus.PUBLISHED, 1)
    assert len(sandbox.state.posts("x")) == 1


def test_a_publish_gives_its_slots_back(
    target: PostTarget, store: Store, sandbox: SandboxServer
) -> None:
    claims = target_claims(store_id=store.pk, account_id=target.account_id)
    publish_target_task(target.pk)
    assert PostTarget.objects.get().status == TargetStatus.PUBLISHED
    tokens = [_slots().acquire(claims) for _ in range(min(c.limit for c in claims))]
    assert all(tokens)
    for token in tokens:
        _slots().release(str(token))


def test_a_limit_of_zero_is_no_limit(store: Store, settings: Any) -> None:
    settings.PUBLISH_MAX_CONCURRENT_PER_STORE = 0
    [claim] = target_claims(store_id=store.pk, account_id=7)
    assert claim.key.endswith(":account:7")
    settings.PUBLISH_MAX_CONCURRENT_PER_ACCOUNT = 0
    assert target_claims(store_id=store.pk, account_id=7) == []
