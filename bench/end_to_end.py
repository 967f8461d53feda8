"""End-to-end publish rate: N immediate posts through the API (`wait: false`), a real Celery
worker (threads pool, 50) and the sandbox with 100 ms of latency per platform call; the
clock runs from the first request until every target is `published` in the database.

Then the worker's two tasks in process, one thread, to show what a published post costs
the worker before any concurrency: CPU and SQL statements.
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _support as s

N = 500
WARMUP = 50
CONCURRENCY = 32
LATENCY_MS = 100
WORKER_CONCURRENCY = 50
SETTLE_TIMEOUT = 240.0
FLOOR_CPU_MS = 3.5  # DESIGN.md, "Measured on these machines"


def _wait_published(store: s.StoreKey, expected: int, timeout: float) -> None:
    def done() -> bool:
        counts = s.target_counts(store.store_id)
        stuck = counts["failed"] + counts["unconfirmed"]
        if stuck:
            raise RuntimeError(f"targets did not publish: {dict(counts)}")
        return counts["published"] >= expected

    s.wait_until(done, timeout, f"{expected} published targets")


def _variant(label: str, wsgi_app: str, celery_app: str) -> tuple[list[str], list[str]]:
    s.reset_state()
    run = uuid.uuid4().hex[:8]
    with s.Stack("e2e") as stack:
        sandbox, sandbox_url = stack.sandbox(s.bench_env(), LATENCY_MS)
        env = s.bench_env(SANDBOX_URL=sandbox_url)
        store = s.create_store(env)
        headers = s.api_headers(store)
        web, port = stack.web(env, app=wsgi_app)
        worker = stack.worker(env, concurrency=WORKER_CONCURRENCY, app=celery_app)
        try:
            # Warm-up: proves the worker consumes and warms every process's pools.
            warm = [s.publish_body(store, f"warm {run} {i}", wait=False) for i in range(WARMUP)]
            s.run_load(port, warm, headers, concurrency=CONCURRENCY)
            _wait_published(store, WARMUP, 90)
            bodies = [
                s.publish_body(store, f"e2e {run} {i} — وصل حديثاً", wait=False) for i in range(N)
            ]
            since = time.time()
            meter = s.Meter({"web": web, "worker": worker, "sandbox": sandbox}).start()
            load = s.run_load(port, bodies, headers, concurrency=CONCURRENCY)
            _wait_published(store, WARMUP + N, SETTLE_TIMEOUT)
            meter.stop()
        except BaseException:
            stack.keep_logs()
            raise
        p50, p95, worst = s.publish_latencies(store, since)
        attempts = s.pg_scalar("SELECT count(*) FROM publishing_publishattempt")
    cpu = meter.cpu
    app_cpu = cpu["web"] + cpu["worker"]
    service_cpu = app_cpu + cpu["postgres"] + cpu["redis"]
    throughput = [
        label,
        f"{N}",
        s.statuses_text(load.statuses),
        f"{load.n / load.wall:,.0f}",
        f"{N / meter.wall:,.1f}",
        f"{meter.wall:.1f}",
        s.ms(p50),
        s.ms(p95),
        s.ms(worst),
        f"{(attempts or 0) - WARMUP}",
        f"{meter.peak_connections}",
        meter.noise(),
    ]
    cost = [
        label,
        s.per_item_ms(cpu["web"], N),
        s.per_item_ms(cpu["worker"], N),
        s.per_item_ms(app_cpu, N),
        s.per_item_ms(cpu["postgres"], N),
        s.per_item_ms(cpu["redis"], N),
        s.per_item_ms(service_cpu, N),
        f"{service_cpu * 1000 / N / FLOOR_CPU_MS:.1f}x",
        s.per_item_ms(cpu["sandbox"], N),
    ]
    return throughput, cost


PIPELINE_N = 200


def _pipeline_in_process() -> list[list[str]]:
    """The worker's two tasks run in this process on one thread against an in-process
    sandbox (no latency): CPU-ms (this thread only) and SQL statements per target."""
    s.django_setup()
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    from accounts.sandbox import sandbox_accounts_connect
    from accounts.selectors import connected_accounts
    from accounts.services import store_create
    from publishing.models import PostTarget
    from publishing.platforms.base import Content
    from publishing.sandbox import serve_in_thread
    from publishing.services.pipeline import target_publish
    from publishing.services.posts import PublishRequest, post_create
    from publishing.tasks import publish_post_task

    server, url = serve_in_thread()
    try:
        with override_settings(X_API_BASE_URL=f"{url}/x", X_WEB_BASE_URL=f"{url}/x-web"):
            store = store_create(name="Pipeline bench")
            sandbox_accounts_connect(store=store)
            accounts = connected_accounts(store=store)
            run = uuid.uuid4().hex[:8]
            posts = [
                post_create(
                    store=store,
                    request=PublishRequest(
                        platforms=["x"],
                        content=Content(text=f"pipeline {run} {i}", media=(), link=""),
                        schedule_at=None,
                    ),
                    accounts=accounts,
                )
                for i in range(PIPELINE_N + 1)
            ]
            targets = dict(PostTarget.objects.values_list("post_id", "pk"))
            rows = []
            for label, step in (
                ("fan-out task (publish_post)", lambda post: publish_post_task(str(post.pk))),
                (
                    "publish task (target_publish)",
                    lambda post: target_publish(target_id=targets[post.pk]),
                ),
            ):
                with CaptureQueriesContext(connection) as captured:
                    step(posts[0])
                started = time.thread_time()
                for post in posts[1:]:
                    step(post)
                cpu = time.thread_time() - started
                rows.append(
                    [label, s.per_item_ms(cpu, PIPELINE_N), str(len(captured.captured_queries))]
                )
    finally:
        server.stop()
    return rows


def main() -> None:
    variants = [("gthread 2x32 + worker", "mollkom_social.wsgi", "mollkom_social")]
    throughput_rows = []
    cost_rows = []
    for label, wsgi_app, celery_app in variants:
        throughput, cost = _variant(label, wsgi_app, celery_app)
        throughput_rows.append(throughput)
        cost_rows.append(cost)
    s.print_table(
        f"2. end to end: {N} immediate posts (wait:false, X only), web gthread 2x32, worker "
        f"threads x{WORKER_CONCURRENCY}, sandbox latency {LATENCY_MS} ms",
        [
            "variant",
            "N",
            "HTTP",
            "API req/s",
            "posts/s",
            "total s",
            "p50 ms",
            "p95 ms",
            "max ms",
            "calls",
            "peak db conns",
            "others busy",
        ],
        throughput_rows,
    )
    print(
        "   p50/p95/max: post created -> target published; calls: platform calls recorded; "
        "others busy: CPU used by unrelated processes, % of all cores"
    )
    s.print_table(
        "   CPU-ms per published post",
        [
            "variant",
            "web",
            "worker",
            "web+worker",
            "pg",
            "redis",
            "service total",
            "vs floor 3.5",
            "sandbox (excl.)",
        ],
        cost_rows,
    )
    s.print_table(
        f"   the worker's part in process (1 thread, {PIPELINE_N} posts, sandbox without latency)",
        ["task", "CPU-ms per post", "SQL statements"],
        _pipeline_in_process(),
    )


if __name__ == "__main__":
    s.ensure_database()
    main()
