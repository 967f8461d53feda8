"""The bounded wait: M immediate publishes with `wait: true` sent at the same moment, the
sandbox answering each platform call after 500 ms, a real worker (threads x50).

Variants: gunicorn gthread 2x32 (the README's setup), and gunicorn sync x2, to show why
gthread was chosen: a sync worker holds its process for the whole wait.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _support as s

M = 64
LATENCY_MS = 500
WORKER_CONCURRENCY = 50
WARMUP = 10
ROUNDS = 3  # rounds of M for the gthread variants (one for sync: it takes ~20 s)


def _variant(
    label: str, *, worker_class: str, workers: int, wsgi_app: str, celery_app: str, rounds: int
) -> list[str]:
    s.reset_state()
    run = uuid.uuid4().hex[:8]
    with s.Stack("wait") as stack:
        sandbox, sandbox_url = stack.sandbox(s.bench_env(), LATENCY_MS)
        env = s.bench_env(SANDBOX_URL=sandbox_url)
        store = s.create_store(env)
        headers = s.api_headers(store)
        web, port = stack.web(env, worker_class=worker_class, workers=workers, app=wsgi_app)
        worker = stack.worker(env, concurrency=WORKER_CONCURRENCY, app=celery_app)
        try:
            warm = [s.publish_body(store, f"warm {run} {i}", wait=False) for i in range(WARMUP)]
            s.run_load(port, warm, headers, concurrency=WARMUP)
            s.wait_until(
                lambda: s.target_counts(store.store_id)["published"] >= WARMUP, 60, "warm-up"
            )
            processes_before = len(web.pids())
            threads_before = sum(s.threads_of(pid) for pid in web.pids())
            since = time.time()
            meter = s.Meter({"web": web, "worker": worker, "sandbox": sandbox}, 0.1).start()
            result = s.LoadResult()
            for round_ in range(rounds):
                bodies = [
                    s.publish_body(store, f"wait {run} {round_} {i}", wait=True) for i in range(M)
                ]
                one = s.run_load(
                    port, bodies, headers, concurrency=M, together=True, keep_bodies=True
                )
                result.latencies += one.latencies
                result.bodies += one.bodies
            meter.stop()
        except BaseException:
            stack.keep_logs()
            raise
        threads_after = sum(s.threads_of(pid) for pid in web.pids())
        _, published_p95, _ = s.publish_latencies(store, since)
    answers: Counter[str] = Counter()
    for body in result.bodies:
        try:
            answers[str(json.loads(body)["status"])] += 1
        except (ValueError, KeyError):
            answers["(no answer)"] += 1
    lat = sorted(result.latencies)
    return [
        label,
        f"{rounds}x{M}",
        s.statuses_text(answers),
        s.ms(lat[0]),
        s.ms(s.pct(lat, 50)),
        s.ms(s.pct(lat, 95)),
        s.ms(lat[-1]),
        s.ms(published_p95),
        f"{processes_before}->{meter.peak_processes['web']}",
        f"{threads_before}->{threads_after}",
        f"{meter.peak_connections}",
        s.per_item_ms(meter.cpu["web"], result.n),
        meter.noise(),
    ]


def main() -> None:
    rows = [
        _variant(
            "gthread 2x32",
            worker_class="gthread",
            workers=2,
            wsgi_app="mollkom_social.wsgi",
            celery_app="mollkom_social",
            rounds=ROUNDS,
        ),
        _variant(
            "sync x2",
            worker_class="sync",
            workers=2,
            wsgi_app="mollkom_social.wsgi",
            celery_app="mollkom_social",
            rounds=1,
        ),
    ]
    s.print_table(
        f"4. bounded wait: rounds of {M} concurrent immediate publishes with wait:true, "
        f"sandbox latency {LATENCY_MS} ms, worker threads x{WORKER_CONCURRENCY}",
        [
            "web",
            "N",
            "answered",
            "min ms",
            "p50 ms",
            "p95 ms",
            "max ms",
            "published p95",
            "web procs",
            "web threads",
            "peak db conns",
            "web CPU-ms/req",
            "others busy",
        ],
        rows,
    )
    print(
        f"   ideal: every answer ~{LATENCY_MS} ms + one poll (100 ms). published p95: post "
        "created -> target published (worker side). web procs/threads: before -> peak/after "
        "(gunicorn master included)."
    )


if __name__ == "__main__":
    s.ensure_database()
    main()
