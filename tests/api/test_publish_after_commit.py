"""POST /functions/v1/social-publish when the database fails after the post was committed:
the answer still carries the post, and the Idempotency-Key replay finds it, so a retrying
storefront never publishes twice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import Post
from tests.support.api import PUBLISH_URL
from tests.support.postgres import terminate_backend

# Committed for real, so "after commit" is after a real COMMIT.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _drop_the_dead_connection(transactional_db: None) -> Iterator[None]:
    # The test client, unlike a server, never closes a request's connection: a connection
    # left dead by a failing request would otherwise break the database flush after it.
    yield
    connection.close()


class ConnectionDrops:
    """At the database edge, the server terminates this thread's connection for real, once
    a statement starting with `armed_by` has run: before the next statement outside a
    transaction (after COMMIT), or right away when `at_commit` (so the COMMIT meets it);
    and then before every later statement when `every`."""

    def __init__(self, *, armed_by: str, at_commit: bool = False, every: bool = False) -> None:
        self.armed_by = armed_by
        self.at_commit = at_commit
        self.every = every
        self.armed = False
        self.drops = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        wrapper = context["connection"]
        if self.armed and (self.at_commit or not wrapper.in_atomic_block):
            self._drop(wrapper)
        result = execute(sql, params, many, context)
        if sql.startswith(self.armed_by):
            self.armed = True
            if self.at_commit:
                self._drop(wrapper)
        return result

    def _drop(self, wrapper: Any) -> None:
        terminate_backend(wrapper.connection.info.backend_pid)
        self.drops += 1
        self.armed = self.every


@contextmanager
def connection_drops(**fault_spec: Any) -> Iterator[ConnectionDrops]:
    fault = ConnectionDrops(**fault_spec)
    with connection.execute_wrapper(fault):
        yield fault


INSERT_POST = 'INSERT INTO "publishing_post"'
INSERT_TARGETS = 'INSERT INTO "publishing_posttarget"'


def _publish(api: APIClient, store: Store, key: str | None) -> Any:
    body: dict[str, Any] = {
        "store_id": str(store.pk),
        "platforms": ["x"],
        "content": {"text": "فستان صيفي جديد", "media": [], "link": None},
        "schedule_at": None,
    }
    headers = {"Idempotency-Key": key} if key else None
    return api.post(PUBLISH_URL, body, format="json", headers=headers)


def _as_queued(post_id: str) -> dict[str, Any]:
    return {
        "success": True,
        "post_id": post_id,
        "status": "processing",
        "schedule_at": None,
        "results": [
            {"platform": "x", "status": "queued", "post_id": None, "url": None, "notices": []}
        ],
    }


def test_connection_dropped_while_waiting_after_commit_still_answers_the_post(
    api: APIClient, store: Store, x_account: SocialAccount, settings: Any
) -> None:
    settings.PUBLISH_WAIT_SECONDS = 0.5  # no worker runs: the targets stay queued
    with connection_drops(armed_by=INSERT_POST) as fault:
        response = _publish(api, store, "order-1001")

    assert response.status_code == 200, response.json()
    assert fault.drops == 1
    post = Post.objects.get()
    assert response.json() == _as_queued(str(post.pk))
    replay = _publish(api, store, "order-1001")
    assert (replay.status_code, replay.json()) == (200, response.json())
    assert Post.objects.count() == 1


def test_database_out_of_reach_after_commit_answers_the_post_as_written(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    with connection_drops(armed_by=INSERT_POST, every=True) as fault:
        response = _publish(api, store, "order-1002")

    assert response.status_code == 200, response.json()
    assert fault.drops >= 2  # the read-back, and its retry on a fresh connection
    post = Post.objects.get()
    assert response.json() == _as_queued(str(post.pk))
    # Nothing was stored for the key: its replay reads the post as it is now.
    replay = _publish(api, store, "order-1002")
    assert (replay.status_code, replay.json()) == (200, _as_queued(str(post.pk)))
    assert Post.objects.count() == 1


def test_connection_dropped_at_commit_answers_503_with_the_post_id_to_look_up(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    # The COMMIT fails on a dead connection, and so does looking on a fresh one: whether
    # the post was saved is unknown, and the answer says which post to look for.
    with connection_drops(armed_by=INSERT_TARGETS, at_commit=True, every=True) as fault:
        response = _publish(api, store, None)

    assert response.status_code == 503, response.json()
    assert fault.drops >= 2  # at COMMIT, and the look on a fresh connection
    post_id = response.json()["error"]["details"]["post_id"]
    assert response.json() == {
        "success": False,
        "error": {
            "code": "outcome_unknown",
            "message": (
                "The post may have been saved, but the database could not confirm it. Look it "
                "up by details.post_id, or send it again with the same Idempotency-Key."
            ),
            "details": {"post_id": post_id},
        },
    }
    # Here the server terminated the connection before the COMMIT: nothing was saved.
    assert api.get(f"{PUBLISH_URL}/{post_id}").status_code == 404
    assert Post.objects.count() == 0
