"""A broker that cannot be reached, for tests of what an outage does."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import kombu.pools
import redis

from mollkom_social.celery import app

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _drop_connections() -> None:
    # Celery caches its connection and producer pools (its own and kombu's global ones),
    # built for whatever URL was current: drop them all so the next send connects to the
    # URL in force now. These are private attributes, hence setattr.
    kombu.pools.reset()
    setattr(app, "_pool", None)  # noqa: B010
    setattr(app.amqp, "_producer_pool", None)  # noqa: B010


@contextmanager
def broker_unreachable() -> Iterator[None]:
    original = app.conf.broker_url
    _drop_connections()
    app.conf.update(broker_url=UNREACHABLE)
    try:
        yield
    finally:
        app.conf.update(broker_url=original)
        _drop_connections()


def broker_client() -> redis.Redis:
    return redis.Redis.from_url(app.conf.broker_url)


def queued_calls(task_name: str, queue: str = "default") -> list[list[Any]]:
    """The positional arguments of every `task_name` message waiting on `queue` in the
    (real, test) broker, oldest first; the messages are taken off the queue."""
    client = broker_client()
    calls = []
    for raw in client.lrange(queue, 0, -1)[::-1]:  # kombu pushes on the left
        message = json.loads(raw)
        if message["headers"]["task"] == task_name:
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            calls.append(args)
    client.delete(queue)
    return calls
