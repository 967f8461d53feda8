"""The chaos test's harness: a seeded plan of posts, a client that sends them over HTTP,
the monkey that kills processes, injects faults and drops database connections, and the
comparison of every target with what the sandbox holds.

Every post's text carries a marker (``[chaos-<seed>-<n>]``) unique to it, so a platform's post
is matched to its target whatever the client did to the text around it.
"""

from __future__ import annotations

import dataclasses
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from django.db import connection

from publishing.models import Post, PostTarget, TargetStatus
from tests.support.processes import Service, start_beat, start_worker

PLATFORMS = ("x", "facebook", "threads", "instagram")
TEXT_PLATFORMS = ("x", "facebook", "threads")  # Instagram takes no post without media
FINAL = frozenset({TargetStatus.PUBLISHED, TargetStatus.FAILED, TargetStatus.CANCELLED})
# The call that makes the post, per platform (the path after the sandbox's platform prefix).
CREATE_PATHS = {
    "x": "/2/tweets",
    "facebook": r"/v[0-9.]+/[^/]+/(feed|photos)",
    "threads": r"/v1\.0/[^/]+/threads_publish",
    "instagram": r"/v[0-9.]+/[^/]+/media_publish",
}
# Where each platform keeps the post's text in the sandbox.
TEXT_FIELDS = {"x": "text", "facebook": "message", "threads": "text", "instagram": "caption"}
WORDS = (
    "summer", "dress", "linen", "sale", "new", "arrivals", "فستان", "صيفي", "جديد", "خصم",
    "shoes", "bag", "limited", "today", "weekend", "gift",
)  # fmt: skip
# A reconciliation's listing of recent posts (attempts are recorded without the query).
_LOOKUP = re.compile(r"/(tweets|threads|media|feed|posts)$")
MARKER = re.compile(r"\[chaos-\d+-\d+\]")
PUBLISH_PATH = "/functions/v1/social-publish"


# --- The plan -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedPost:
    number: int
    store: int  # index into the test's stores
    platforms: tuple[str, ...]
    text: str
    images: tuple[str, ...]
    send_at: float  # seconds after the start
    due_at: float | None  # seconds after the start; None publishes now
    keyed: bool  # sent with an Idempotency-Key
    wait: bool


def plan_posts(
    rng: random.Random, *, seed: int, count: int, media_base: str, send_window: float
) -> list[PlannedPost]:
    """``count`` posts: same-minute batches (20+ posts due together on one account), then
    immediate and scheduled ones spread over ``send_window`` seconds."""
    batches = max(1, count // 80)
    batch_size = min(count // (batches + 1), 26)
    posts: list[PlannedPost] = []

    def add(store: int, send_at: float, due_at: float | None, must: str | None = None) -> None:
        number = len(posts)
        image_count = rng.choice((0, 0, 0, 1, 1, 2)) if must != "instagram" else rng.choice((1, 2))
        pool = PLATFORMS if image_count else TEXT_PLATFORMS
        platforms = set(rng.sample(pool, rng.randint(1, len(pool))))
        if must is not None:
            platforms.add(must)
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 8)))
        posts.append(
            PlannedPost(
                number=number,
                store=store,
                platforms=tuple(p for p in PLATFORMS if p in platforms),
                text=f"{words} [chaos-{seed}-{number}]",
                images=tuple(
                    f"{media_base}/_sandbox/media/chaos-{seed}-{number}-{i}.jpg"
                    for i in range(image_count)
                ),
                send_at=send_at,
                due_at=due_at,
                keyed=rng.random() < 0.5,
                wait=due_at is None and rng.random() < 0.15,
            )
        )

    for batch in range(batches):
        store, platform = rng.randrange(2), rng.choice(PLATFORMS)
        due = send_window * 0.8 + 12 * batch
        for _ in range(batch_size):
            add(store, rng.uniform(0, due - 12), due, must=platform)
    while len(posts) < count:
        send_at = rng.uniform(0, send_window)
        scheduled = rng.random() < 0.5
        add(rng.randrange(2), send_at, send_at + rng.uniform(5, 45) if scheduled else None)
    return sorted(posts, key=lambda p: p.send_at)


def plan_probes(rng: random.Random, posts: list[PlannedPost], *, seed: int) -> list[PlannedPost]:
    """Four text posts sent once the chaos is over: the service must be healthy again."""
    first = len(posts)
    return [
        dataclasses.replace(
            post, number=first + i, send_at=0.0, due_at=None, images=(),
            platforms=tuple(p for p in post.platforms if p != "instagram") or ("x",),
            text=post.text.replace(f"-{post.number}]", f"-{first + i}]"),
        )
        for i, post in enumerate(rng.sample(posts, 4))
    ]  # fmt: skip


# --- Sending --------------------------------------------------------------------------


@dataclass
class ApiTally:
    """What the API answered, split at the moment the chaos ended."""

    chaos_over: bool = False
    server_errors_during: int = 0
    server_errors_after: int = 0
    connection_errors: int = 0
    retries: int = 0
    refused: list[str] = field(default_factory=list)  # 4xx answers, described
    # Requests without a key that failed but had made the post (found by its text).
    unkeyed_found: list[int] = field(default_factory=list)
    post_ids: dict[int, tuple[int, str]] = field(default_factory=dict)  # number: store, id
    lock: threading.Lock = field(default_factory=threading.Lock)

    def server_error(self) -> None:
        with self.lock:
            if self.chaos_over:
                self.server_errors_after += 1
            else:
                self.server_errors_during += 1


class ApiClient:
    """The storefront: one API key per store, over real HTTP to the live server."""

    def __init__(self, base_url: str, keys: list[str], store_ids: list[str]) -> None:
        self.base_url = base_url
        self.keys = keys
        self.store_ids = store_ids
        self.tally = ApiTally()

    def get(self, store: int, post_id: str) -> dict[str, Any] | None:
        try:
            response = requests.get(
                f"{self.base_url}{PUBLISH_PATH}/{post_id}", headers=self._auth(store), timeout=30
            )
        except requests.RequestException:
            with self.tally.lock:
                self.tally.connection_errors += 1
            return None
        if response.status_code >= 500:
            self.tally.server_error()
            return None
        answer: dict[str, Any] = response.json()
        return answer

    def find(self, store: int, text: str) -> str | None:
        """The id of the store's post with this text, or None; LookupError if the API could
        not say."""
        try:
            response = requests.get(
                f"{self.base_url}{PUBLISH_PATH}",
                params={"store_id": self.store_ids[store], "q": text, "limit": "5"},
                headers=self._auth(store),
                timeout=30,
            )
        except requests.RequestException:
            with self.tally.lock:
                self.tally.connection_errors += 1
            raise LookupError(text) from None
        if response.status_code >= 500:
            self.tally.server_error()
            raise LookupError(text)
        found = response.json()["posts"]
        return str(found[0]["post_id"]) if found else None

    def send(self, post: PlannedPost, start: datetime) -> None:
        """Publish, retrying a 5xx or a broken connection with the same Idempotency-Key.
        Without a key, the store's posts are searched for the text first, as a careful
        storefront would, so that a post made before the error is not made again."""
        body: dict[str, Any] = {
            "store_id": self.store_ids[post.store],
            "platforms": list(post.platforms),
            "content": {
                "text": post.text,
                "media": [{"type": "image", "url": url} for url in post.images],
                "link": None,
            },
            "schedule_at": (
                None
                if post.due_at is None
                else (start + timedelta(seconds=post.due_at)).isoformat()
            ),
            "wait": post.wait,
        }
        headers = self._auth(post.store)
        if post.keyed:
            headers["Idempotency-Key"] = f"chaos-{uuid.uuid4()}"
        for attempt in range(10):
            if attempt:
                with self.tally.lock:
                    self.tally.retries += 1
                time.sleep(0.5 * attempt)
                if not post.keyed:
                    try:
                        found = self.find(post.store, post.text)
                    except LookupError:
                        continue
                    if found is not None:
                        self.tally.unkeyed_found.append(post.number)
                        self.tally.post_ids[post.number] = (post.store, found)
                        return
            try:
                response = requests.post(
                    f"{self.base_url}{PUBLISH_PATH}", json=body, headers=headers, timeout=60
                )
            except requests.RequestException:
                with self.tally.lock:
                    self.tally.connection_errors += 1
                continue
            if response.status_code >= 500:
                self.tally.server_error()
                continue
            if response.status_code != 200:
                self.tally.refused.append(
                    f"post {post.number}: {response.status_code} {response.text[:200]}"
                )
                return
            self.tally.post_ids[post.number] = (post.store, response.json()["post_id"])
            return
        self.tally.refused.append(f"post {post.number}: gave up after 10 attempts")

    def send_all(
        self, posts: list[PlannedPost], start: datetime, threads: int = 4
    ) -> Callable[[], None]:
        """Send each post at its time from a few threads; returns a function that waits."""
        began = time.monotonic()

        def one(post: PlannedPost) -> None:
            time.sleep(max(0.0, began + post.send_at - time.monotonic()))
            self.send(post, start)

        pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="chaos-send")
        futures = [pool.submit(one, post) for post in posts]

        def join() -> None:
            for future in futures:
                future.result()
            pool.shutdown()

        return join

    def _auth(self, store: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[store]}"}


# --- The monkey -----------------------------------------------------------------------


@dataclass
class Monkey:
    """Kills and restarts the worker and beat, moves the platforms' latency, and drops the
    service's database connections, on a seeded schedule, from the calling (main) thread:
    the test's own database connection is the one it must spare."""

    rng: random.Random
    sandbox_url: str
    env: dict[str, str]
    log_dir: Path
    queues: str
    services: list[Service]
    lost_answer_delay: float
    worker: Service | None = None
    beat: Service | None = None
    kills: Counter[str] = field(default_factory=Counter)
    terminated_connections: int = 0
    terminations: int = 0
    died_on_their_own: list[str] = field(default_factory=list)

    def start_worker(self) -> None:
        self.worker = start_worker(
            self.env, self.log_dir, f"worker-{self.kills['worker']}", 8, queues=self.queues
        )
        self.services.append(self.worker)

    def start_beat(self) -> None:
        self.beat = start_beat(self.env, self.log_dir)
        self.services.append(self.beat)

    def inject_faults(self) -> None:
        """Faults that stay until cleared, each hitting a request by chance."""
        for platform, path in CREATE_PATHS.items():
            create = {"platform": platform, "method": "POST", "path": path, "times": 0}
            self._fault(kind="server_error", probability=0.04, **create)
            self._fault(kind="rate_limit", probability=0.04, retry_after=1, **create)
            self._fault(
                kind="timeout", probability=0.06, after_effect=True,
                delay_s=self.lost_answer_delay, **create,
            )  # fmt: skip
            # Every other call (uploads, containers, status reads) fails now and then too.
            self._fault(platform=platform, kind="server_error", probability=0.02, times=0)
            self._fault(
                platform=platform, kind="rate_limit", probability=0.02, retry_after=1, times=0
            )

    def calm(self) -> None:
        requests.delete(f"{self.sandbox_url}/_sandbox/faults", timeout=5)
        self._latency(0)

    def run(self, until: float) -> None:
        """Chaos until ``until`` (a monotonic time)."""
        now = time.monotonic()
        next_kill = now + self.rng.uniform(3, 10)
        next_latency = now
        span = until - now
        terminations = sorted(now + self.rng.uniform(0.1, 0.9) * span for _ in range(4))
        while (now := time.monotonic()) < until:
            if now >= next_latency:
                self._latency(self.rng.randint(100, 300))
                next_latency = now + self.rng.uniform(2, 5)
            if now >= next_kill:
                self._kill_and_restart(self.rng.choice(("worker", "worker", "beat", "both")))
                next_kill = time.monotonic() + self.rng.uniform(3, 10)
            if terminations and now >= terminations[0]:
                terminations.pop(0)
                self.terminate_connections()
            time.sleep(0.1)

    def ensure_running(self) -> None:
        """After the chaos: a live worker and beat (noting any that died without our help)."""
        if self.worker is None or self._died(self.worker):
            self.start_worker()
        if self.beat is None or self._died(self.beat):
            self.start_beat()

    def _died(self, service: Service) -> bool:
        if service.process.poll() is None:
            return False
        self.died_on_their_own.append(f"{service.name} (exit {service.process.returncode})")
        return True

    def terminate_connections(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            self.terminated_connections += cursor.fetchone()[0]
        self.terminations += 1

    def _kill_and_restart(self, what: str) -> None:
        for name in ("worker", "beat") if what == "both" else (what,):
            service = self.worker if name == "worker" else self.beat
            if service is not None:
                self._died(service)
                service.kill()
            self.kills[name] += 1
        time.sleep(self.rng.uniform(0, 1.5))
        if what in ("worker", "both"):
            self.start_worker()
        if what in ("beat", "both"):
            self.start_beat()

    def _fault(self, **spec: Any) -> None:
        response = requests.post(f"{self.sandbox_url}/_sandbox/faults", json=spec, timeout=5)
        assert response.status_code == 200, response.text

    def _latency(self, ms: int) -> None:
        requests.post(f"{self.sandbox_url}/_sandbox/latency", json={"ms": ms}, timeout=5)


# --- The comparison -------------------------------------------------------------------


@dataclass
class Verdict:
    targets: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    duplicates: list[str] = field(default_factory=list)
    live_but_failed: list[str] = field(default_factory=list)
    published_missing: list[str] = field(default_factory=list)
    unsettled: list[str] = field(default_factory=list)
    wrong_post_id: list[str] = field(default_factory=list)
    failed_not_live: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    double_posts: list[str] = field(default_factory=list)  # one request, two Post rows

    def examples(self, limit: int = 4) -> str:
        lines = []
        for name in (
            "duplicates", "live_but_failed", "published_missing", "unsettled", "wrong_post_id",
            "failed_not_live", "orphans", "double_posts",
        ):  # fmt: skip
            found: list[str] = getattr(self, name)
            lines += [f"  {name}: {example}" for example in found[:limit]]
        return "\n".join(lines)


def unsettled_count() -> int:
    return PostTarget.objects.exclude(status__in=FINAL).count()


def compare(
    sandbox_posts: Callable[[str], list[dict[str, Any]]], handles: dict[tuple[str, str], str]
) -> Verdict:
    """Every target against the posts its account holds on the platform.

    ``handles`` maps (store id, platform) to the account's handle, which the sandbox records
    as each post's ``username``."""
    held: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}
    for platform in PLATFORMS:
        for post in sandbox_posts(platform):
            found = MARKER.search(str(post.get(TEXT_FIELDS[platform], "")))
            if found:
                held.setdefault((platform, post["username"]), {}).setdefault(
                    found.group(), []
                ).append(post)
    verdict = Verdict()
    expected: set[tuple[str, str, str]] = set()
    targets = PostTarget.objects.select_related("post").order_by("post__created_at", "platform")
    for target in targets:
        verdict.targets += 1
        verdict.statuses[target.status] += 1
        marker = _marker(target.post.text)
        handle = handles[(str(target.post.store_id), target.platform)]
        expected.add((target.platform, handle, marker))
        live = held.get((target.platform, handle), {}).get(marker, [])
        kinds: list[list[str]] = []
        if len(live) > 1:
            kinds.append(verdict.duplicates)
        if live and target.status in (TargetStatus.FAILED, TargetStatus.CANCELLED):
            kinds.append(verdict.live_but_failed)
        if target.status == TargetStatus.PUBLISHED:
            if not live:
                kinds.append(verdict.published_missing)
            elif target.platform_post_id not in {str(p["id"]) for p in live}:
                kinds.append(verdict.wrong_post_id)
        if target.status not in FINAL:
            kinds.append(verdict.unsettled)
        if target.status == TargetStatus.FAILED and not live:
            kinds.append(verdict.failed_not_live)
        if kinds:
            line = _describe(target, marker, live)
            for kind in kinds:
                kind.append(line)
    rows = Counter(_marker(text) for text in Post.objects.values_list("text", flat=True))
    verdict.double_posts = [f"{marker}: {n} posts" for marker, n in rows.items() if n > 1]
    for (platform, handle), markers in held.items():
        for marker, posts in markers.items():
            if (platform, handle, marker) not in expected:
                verdict.orphans.append(f"{platform} @{handle} {marker}: {len(posts)} post(s)")
    return verdict


def _marker(text: str) -> str:
    found = MARKER.search(text)
    assert found, text
    return found.group()


def _describe(target: PostTarget, marker: str, live: Iterable[dict[str, Any]]) -> str:
    ids = [str(p["id"]) for p in live]
    error = f" {target.error_code}: {target.error_message[:90]!r}" if target.error_code else ""
    # The calls that mattered, oldest first: creates and lookups, not every status read.
    calls = [
        f"{a.method} {urlsplit(a.url).path.split('/', 2)[-1]}→{a.status_code or a.error[:40]}"
        for a in target.attempts.all()
        if a.method != "GET" or _LOOKUP.search(urlsplit(a.url).path) or a.status_code is None
    ]
    return (
        f"{target.platform} {marker} {target.status}{error} attempts={target.attempt_count} "
        f"post_id={target.platform_post_id or '-'} sandbox={ids} calls=[{'; '.join(calls[-8:])}]"
    )


def utcnow() -> datetime:
    return datetime.now(UTC)
