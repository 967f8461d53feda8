"""Reconciliation at volume, in-process against the sandbox over real HTTP: a lost answer is
settled by a search that covers the whole window, and nothing but a complete miss sends a
post again."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import requests
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import PostTarget, TargetStatus
from publishing.platforms.base import Checkpoint, Content, MediaItem
from publishing.platforms.registry import get_client
from publishing.sandbox.core import SandboxServer
from publishing.services.dispatcher import dispatch_due
from publishing.services.pipeline import target_claim, target_publish
from publishing.services.platform_calls import credentials_for
from publishing.services.reconcile import target_reconcile
from tests.factories import SocialAccountFactory
from tests.support.api import publish as publish_request

TEXT = "تخفيضات الجمعة البيضاء على كل الفساتين"


@dataclass(frozen=True)
class Case:
    platform: str
    create_path: str  # the call that makes the public post
    text_field: str  # where the sandbox keeps the post's text
    image: bool = False  # the platform wants media

    def __str__(self) -> str:
        return self.platform


CASES = [
    Case("x", "/2/tweets", "text"),
    Case("facebook", r"/v25\.0/[0-9]+/feed", "message"),
    Case("threads", "/v1.0/me/threads_publish", "text"),
    Case("instagram", r"/fb/v25\.0/[0-9]+/media_publish", "caption", image=True),
]


@pytest.fixture
def fast(sandbox: SandboxServer, settings: Any) -> SandboxServer:
    settings.PLATFORM_HTTP_TIMEOUT = 0.5
    for name in ("INSTAGRAM", "THREADS"):
        setattr(settings, f"{name}_CONTAINER_POLL_SECONDS", 0.01)
        setattr(settings, f"{name}_CONTAINER_WAIT_SECONDS", 2)
    return sandbox


def image(sandbox: SandboxServer, name: str) -> str:
    return f"{sandbox.base_url}/_sandbox/media/{name}.jpg"


def publish(api: APIClient, store: Store, case: Case, sandbox: SandboxServer) -> PostTarget:
    media = [{"type": "image", "url": image(sandbox, "lost")}] if case.image else []
    answer = publish_request(
        api,
        store,
        platforms=[case.platform],
        content={"text": TEXT, "media": media, "link": None},
        wait=False,
    )
    return PostTarget.objects.get(post_id=answer["post_id"])


def fault(sandbox: SandboxServer, platform: str, **spec: Any) -> None:
    response = requests.post(
        f"{sandbox.base_url}/_sandbox/faults", json={"platform": platform, **spec}, timeout=5
    )
    assert response.status_code == 200, response.text


def lose_the_answer(sandbox: SandboxServer, case: Case) -> None:
    """The platform makes the post; its answer never reaches us."""
    fault(sandbox, case.platform, method="POST", path=case.create_path, kind="timeout",
          delay_s=2, after_effect=True)  # fmt: skip


def post_more(sandbox: SandboxServer, account: SocialAccount, case: Case, count: int) -> None:
    """The store keeps posting (other texts) through the same account, straight to the
    platform: the lost post sinks down the account's listing."""
    client = get_client(case.platform)
    for n in range(count):
        media = (MediaItem("image", image(sandbox, f"more{n}")),) if case.image else ()
        client.publish(
            credentials_for(account),
            Content(text=f"منتج رقم {n}", media=media),
            Checkpoint(),
            before_create=lambda: None,
        )


def live_copies(sandbox: SandboxServer, case: Case) -> list[dict[str, Any]]:
    return [
        p
        for p in sandbox.state.posts(case.platform)
        if str(p.get(case.text_field, "")).strip() == TEXT
    ]


def refresh(target: PostTarget) -> PostTarget:
    target.refresh_from_db()
    return target


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_lost_answer_is_found_behind_sixty_newer_posts(
    api: APIClient, store: Store, fast: SandboxServer, case: Case
) -> None:
    account = SocialAccountFactory.create(store=store, platform=case.platform)
    target = publish(api, store, case, fast)
    lose_the_answer(fast, case)
    target_publish(target_id=target.pk)
    assert refresh(target).status == TargetStatus.UNCONFIRMED
    [lost] = live_copies(fast, case)
    post_more(fast, account, case, 60)

    target_reconcile(target_id=target.pk)

    target = refresh(target)
    assert (target.status, target.platform_post_id) == (TargetStatus.PUBLISHED, lost["id"])
    assert len(live_copies(fast, case)) == 1


# Instagram's 100 posts a day would refuse the newer posts; its edge pages the same way.
@pytest.mark.parametrize("case", CASES[:3], ids=str)
def test_the_search_pages_back_to_the_first_create_call(
    api: APIClient, store: Store, fast: SandboxServer, case: Case
) -> None:
    account = SocialAccountFactory.create(store=store, platform=case.platform)
    target = publish(api, store, case, fast)
    lose_the_answer(fast, case)
    target_publish(target_id=target.pk)
    [lost] = live_copies(fast, case)
    post_more(fast, account, case, 150)  # pages of 100
    fast.state.clear_requests()

    target_reconcile(target_id=target.pk)

    target = refresh(target)
    assert (target.status, target.platform_post_id) == (TargetStatus.PUBLISHED, lost["id"])
    cursor = "pagination_token" if case.platform == "x" else "after"
    listings = [
        r for r in fast.state.requests(case.platform)
        if r["method"] == "GET" and r["path"].endswith(("/tweets", "/posts", "/threads"))
    ]  # fmt: skip
    assert [cursor in r["query"] for r in listings] == [False, True]


@pytest.mark.parametrize("case", CASES[:2], ids=str)
def test_a_search_that_cannot_finish_never_sends_again(
    api: APIClient, store: Store, fast: SandboxServer, case: Case, settings: Any
) -> None:
    settings.RECONCILE_SEARCH_MAX_PAGES = 1
    account = SocialAccountFactory.create(store=store, platform=case.platform)
    target = publish(api, store, case, fast)
    lose_the_answer(fast, case)
    target_publish(target_id=target.pk)
    post_more(fast, account, case, 120)  # more than one page of 100

    for lookups in range(1, settings.RECONCILE_MAX_LOOKUPS):
        target_reconcile(target_id=target.pk)
        target = refresh(target)
        assert (target.status, target.reconcile_lookups) == (TargetStatus.UNCONFIRMED, lookups)
        assert target.due_at is not None and target.due_at > timezone.now()  # asked later
    target_reconcile(target_id=target.pk)

    target = refresh(target)
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "reconcile_failed")
    assert "may be live" in target.error_message
    assert len(live_copies(fast, case)) == 1  # never sent again


def test_x_calling_a_resend_a_duplicate_settles_it_as_the_earlier_post(
    api: APIClient, store: Store, x_account: SocialAccount, fast: SandboxServer
) -> None:
    case = CASES[0]
    target = publish(api, store, case, fast)
    lose_the_answer(fast, case)
    target_publish(target_id=target.pk)
    [lost] = live_copies(fast, case)
    # A search that missed it (a listing that had not caught up) sent it again.
    PostTarget.objects.filter(pk=target.pk).update(
        status=TargetStatus.QUEUED, create_started_at=None, due_at=timezone.now()
    )

    target_publish(target_id=target.pk)  # X: "duplicate content"

    target = refresh(target)
    assert (target.status, target.platform_post_id) == (TargetStatus.PUBLISHED, lost["id"])
    assert (target.error_code, target.error_message) == ("", "")
    assert len(live_copies(fast, case)) == 1


def test_x_duplicate_of_another_post_on_a_first_send_still_fails(
    api: APIClient, store: Store, x_account: SocialAccount, fast: SandboxServer
) -> None:
    case = CASES[0]
    get_client("x").publish(
        credentials_for(x_account), Content(text=TEXT), Checkpoint(), before_create=lambda: None
    )  # the merchant posted the same text by hand
    target = publish(api, store, case, fast)
    target_publish(target_id=target.pk)
    target = refresh(target)
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "duplicate_content")


@pytest.mark.parametrize("case", CASES[2:], ids=str)
def test_a_published_container_whose_post_is_not_listed_is_never_sent_again(
    api: APIClient, store: Store, fast: SandboxServer, case: Case, settings: Any
) -> None:
    SocialAccountFactory.create(store=store, platform=case.platform)
    target = publish(api, store, case, fast)
    lose_the_answer(fast, case)
    target_publish(target_id=target.pk)
    [lost] = live_copies(fast, case)
    fast.state.remove_post(case.platform, lost["id"])  # published, but not (yet) listed

    for _ in range(settings.RECONCILE_MAX_LOOKUPS):
        target_reconcile(target_id=target.pk)
        assert refresh(target).status != TargetStatus.QUEUED

    target = refresh(target)
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "reconcile_failed")
    publishes = [r for r in fast.state.requests(case.platform) if r["method"] == "POST"]
    assert sum(1 for r in publishes if r["path"].endswith("_publish")) == 1


@pytest.mark.parametrize("case", CASES[2:], ids=str)
def test_a_container_never_published_settles_without_reading_the_listing(
    api: APIClient, store: Store, fast: SandboxServer, case: Case
) -> None:
    SocialAccountFactory.create(store=store, platform=case.platform)
    target = publish(api, store, case, fast)
    fault(fast, case.platform, method="POST", path=case.create_path, kind="server_error")
    target_publish(target_id=target.pk)
    assert refresh(target).status == TargetStatus.UNCONFIRMED
    fast.state.clear_requests()

    target_reconcile(target_id=target.pk)

    assert refresh(target).status == TargetStatus.QUEUED
    reads = [r["path"] for r in fast.state.requests(case.platform) if r["method"] == "GET"]
    assert not [path for path in reads if path.endswith(("/threads", "/media"))], reads
    target_publish(target_id=target.pk)
    assert refresh(target).status == TargetStatus.PUBLISHED
    assert len(live_copies(fast, case)) == 1


def test_complete_misses_are_bounded_and_the_window_never_moves(
    api: APIClient, store: Store, x_account: SocialAccount, fast: SandboxServer, settings: Any
) -> None:
    # Every create call fails in a way that may or may not have made the post; none did.
    fault(fast, "x", method="POST", path="/2/tweets", kind="server_error", times=0)
    target = publish(api, store, CASES[0], fast)
    target_publish(target_id=target.pk)
    first = refresh(target).first_create_at
    assert first is not None
    for misses in range(1, settings.RECONCILE_MAX_MISSES):
        target_reconcile(target_id=target.pk)
        target = refresh(target)
        assert (target.status, target.reconcile_misses) == (TargetStatus.QUEUED, misses)
        with time_machine.travel(timezone.now() + timedelta(seconds=5)):
            target_publish(target_id=target.pk)
        target = refresh(target)
        assert target.status == TargetStatus.UNCONFIRMED
        assert target.create_started_at is not None and target.create_started_at > first
        assert target.first_create_at == first  # the window's start stays put
    target_reconcile(target_id=target.pk)

    target = refresh(target)
    assert (target.status, target.error_code) == (TargetStatus.FAILED, "reconcile_failed")
    assert fast.state.posts("x") == []


def test_a_worker_that_always_dies_after_a_create_call_leaves_the_target_unconfirmed(
    api: APIClient, store: Store, x_account: SocialAccount, fast: SandboxServer, settings: Any
) -> None:
    settings.PUBLISH_MAX_ATTEMPTS = 2
    target = publish(api, store, CASES[0], fast)
    # An earlier try's create call went out, its answer was lost, a search missed it and
    # sent it again; since then the worker dies before each create call.
    PostTarget.objects.filter(pk=target.pk).update(first_create_at=timezone.now())
    lease = timedelta(seconds=settings.PUBLISH_LEASE_SECONDS + 1)
    for _ in range(2):
        assert target_claim(target_id=target.pk) is not None
        with time_machine.travel(timezone.now() + lease):
            dispatch_due()
        PostTarget.objects.filter(pk=target.pk, status="queued").update(due_at=timezone.now())

    target = refresh(target)
    assert (target.status, target.error_code) == (TargetStatus.UNCONFIRMED, "outcome_unknown")


@pytest.mark.django_db(transaction=True)
def test_an_older_lookups_miss_never_overwrites_a_newer_outcome(
    api: APIClient, store: Store, x_account: SocialAccount, fast: SandboxServer, settings: Any
) -> None:
    settings.PLATFORM_HTTP_TIMEOUT = 10  # the slow lookup below is answered, late
    target = publish(api, store, CASES[0], fast)
    fault(fast, "x", method="POST", path="/2/tweets", kind="server_error")  # made nothing
    target_publish(target_id=target.pk)
    assert refresh(target).status == TargetStatus.UNCONFIRMED
    # Lookup A is slow; lookup B starts later, misses, and the post is sent again, with
    # an unknown outcome once more: A's "not found" comes back about a target that has
    # since changed, and must not send it again.
    fault(fast, "x", method="GET", path=r"/2/users/\d+/tweets", kind="latency", delay_s=3)

    def slow_lookup() -> None:
        try:
            target_reconcile(target_id=target.pk)
        finally:
            connection.close()  # the thread's own

    slow = threading.Thread(target=slow_lookup)
    slow.start()
    time.sleep(0.5)
    target_reconcile(target_id=target.pk)
    assert refresh(target).status == TargetStatus.QUEUED
    fault(fast, "x", method="POST", path="/2/tweets", kind="server_error")
    target_publish(target_id=target.pk)
    assert refresh(target).status == TargetStatus.UNCONFIRMED
    slow.join(timeout=10)

    target = refresh(target)
    assert (target.status, target.reconcile_misses) == (TargetStatus.UNCONFIRMED, 1)
    target_reconcile(target_id=target.pk)
    target_publish(target_id=target.pk)
    assert refresh(target).status == TargetStatus.PUBLISHED
    assert len(live_copies(fast, CASES[0])) == 1
