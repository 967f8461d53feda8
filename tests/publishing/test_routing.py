"""Targets with media go to their platform's media queue, so slow media never holds the
threads that publish text: checked on the real broker (the test Redis)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
import time_machine
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import PostTarget
from publishing.sandbox.core import SandboxServer
from publishing.services.dispatcher import dispatch_due
from publishing.tasks import enqueue_target, publish_post_task
from tests.support.api import publish


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()
    yield client
    client.flushdb()  # no message of ours for a later test's worker
    client.close()


def queued(broker: redis.Redis) -> dict[str, int]:
    """Messages waiting per publish queue (kombu keeps each queue as a Redis list)."""
    names = [key.decode() if isinstance(key, bytes) else key for key in broker.keys("publish.*")]
    return {name: int(broker.llen(name)) for name in names if broker.type(name) == b"list"}


def media_post(api: APIClient, store: Store, sandbox: SandboxServer, **overrides: Any) -> str:
    image = {"type": "image", "url": f"{sandbox.base_url}/_sandbox/media/a.png"}
    content = {"text": "صورة", "media": [image], "link": None}
    answer = publish(api, store, wait=False, content=content, **overrides)
    return str(answer["post_id"])


def test_a_post_with_media_goes_to_the_media_queue_and_text_to_its_own(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    broker: redis.Redis,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        text = publish(api, store, wait=False)["post_id"]
        media = media_post(api, store, sandbox)
    publish_post_task(text)
    publish_post_task(media)
    assert queued(broker) == {"publish.x": 1, "publish.x.media": 1}


def test_the_dispatcher_routes_due_targets_by_media_too(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    broker: redis.Redis,
    django_capture_on_commit_callbacks: Any,
) -> None:
    at = (timezone.now() + timedelta(minutes=5)).isoformat()
    with django_capture_on_commit_callbacks(execute=False):
        publish(api, store, wait=False, schedule_at=at)
        media_post(api, store, sandbox, schedule_at=at)
    later = timezone.now() + timedelta(minutes=6)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due().scheduled == 2
    assert queued(broker) == {"publish.x": 1, "publish.x.media": 1}


def test_a_target_sent_without_saying_is_routed_by_its_post(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    broker: redis.Redis,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        post_id = media_post(api, store, sandbox)
    enqueue_target(PostTarget.objects.get(post_id=post_id).pk, "x")
    assert queued(broker) == {"publish.x.media": 1}
