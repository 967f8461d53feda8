"""Fairness end to end: one store's posts whose image host drips bytes must not hold back
another store's text post. Real worker and beat processes, the sandbox over HTTP, and a
local image host that trickles its bytes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import PostTarget, TargetStatus
from publishing.routing import publish_queues
from tests.e2e.conftest import Stack
from tests.factories import ApiKeyFactory, SocialAccountFactory, StoreFactory
from tests.support.api import publish
from tests.support.processes import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

SLOW_POSTS = 24
THREADS = 8
# Each slow image holds its thread this long before the deadline cuts it off: far longer
# than the text post may wait.
FETCH_DEADLINE_SECONDS = 15
ALLOWED_DELAY_SECONDS = 2.0


class DripHost:
    """Serves an image one byte every 100 ms, until the client or the test gives up."""

    def __init__(self) -> None:
        stopping = self.stopping = threading.Event()
        self.requests = 0

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", "1000000")
                self.end_headers()
                try:
                    while not stopping.wait(0.1):
                        self.wfile.write(b"\0")
                        self.wfile.flush()
                except OSError:
                    pass  # the fetcher hung up at its deadline

            def log_message(self, *args: object) -> None:
                pass

        host = self
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/drip.png"

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def drip(stack: Stack) -> Iterator[DripHost]:
    # Requested after the stack, so stopped before it: the workers' fetches end at once.
    host = DripHost()
    yield host
    host.stop()


@pytest.fixture
def other_store(db: object) -> tuple[Store, APIClient]:
    store = StoreFactory.create()
    SocialAccountFactory.create(store=store, platform="x")
    _, raw = ApiKeyFactory.create_with_raw(store=store)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return store, client


def text_post_delay(store: Store, api: APIClient, stack: Stack, label: str) -> float:
    """Seconds from the request to the text post's publication."""
    requested: datetime = timezone.now()
    post_id = publish(api, store, wait=False, content={"text": label, "media": [], "link": None})[
        "post_id"
    ]
    target = PostTarget.objects.filter(post_id=post_id)
    wait_for(
        lambda: target.filter(status=TargetStatus.PUBLISHED).exists(),
        60,
        f"the text post {label}\n{stack.logs()}",
    )
    published = target.get().published_at
    assert published is not None
    return (published - requested).total_seconds()


def flood(api: APIClient, store: Store, drip: DripHost, stack: Stack) -> None:
    """The slow store's posts, each with an image on the drip host, until they hold threads."""
    image = [{"type": "image", "url": drip.url}]
    for n in range(SLOW_POSTS):
        publish(api, store, wait=False, content={"text": f"slow {n}", "media": image, "link": None})
    wait_for(lambda: drip.requests >= 3, 20, f"the slow fetches\n{stack.logs()}")
    time.sleep(1.0)  # every free thread has had its chance to take one


def measure(
    api: APIClient, store: Store, other: tuple[Store, APIClient], drip: DripHost, stack: Stack
) -> tuple[float, float]:
    other_store, other_api = other
    text_post_delay(other_store, other_api, stack, "warm-up")  # the worker's first task is slow
    idle = text_post_delay(other_store, other_api, stack, "idle")
    flood(api, store, drip, stack)
    busy = text_post_delay(other_store, other_api, stack, "busy")
    print(f"text post delay: idle {idle:.2f} s, beside {SLOW_POSTS} slow posts {busy:.2f} s")
    return idle, busy


def test_one_worker_pool_a_stores_slow_media_does_not_delay_another_stores_text(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    other_store: tuple[Store, APIClient],
    stack: Stack,
    drip: DripHost,
) -> None:
    """A single pool for every queue: the per-store and per-account limits keep threads
    free for the other store."""
    stack.worker(concurrency=THREADS, MEDIA_FETCH_DEADLINE=str(FETCH_DEADLINE_SECONDS))
    stack.beat()
    _, busy = measure(api, store, other_store, drip, stack)
    assert busy < ALLOWED_DELAY_SECONDS, stack.logs()
    # The slow store was held to its account's limit, not starved: the rest wait their turn.
    slow = PostTarget.objects.filter(post__store=store)
    assert slow.filter(status=TargetStatus.PROCESSING).count() <= 3  # the account's default
    assert slow.filter(status=TargetStatus.QUEUED).exists()


def test_text_and_media_pools_a_stores_slow_media_does_not_delay_another_stores_text(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    other_store: tuple[Store, APIClient],
    stack: Stack,
    drip: DripHost,
    settings: object,
) -> None:
    """The `make run` layout: a pool for text and one for media. Even with no per-store
    limit, slow media holds only the media pool's threads."""
    limits = {"PUBLISH_MAX_CONCURRENT_PER_STORE": "0", "PUBLISH_MAX_CONCURRENT_PER_ACCOUNT": "0"}
    deadline = {"MEDIA_FETCH_DEADLINE": str(FETCH_DEADLINE_SECONDS)}
    text = ",".join(["default", *publish_queues(media=False)])
    stack.worker("text", concurrency=THREADS, queues=text, **limits, **deadline)
    stack.worker(
        "media", concurrency=THREADS, queues=",".join(publish_queues(media=True)), **limits,
        **deadline,
    )  # fmt: skip
    stack.beat()
    _, busy = measure(api, store, other_store, drip, stack)
    assert busy < ALLOWED_DELAY_SECONDS, stack.logs()
