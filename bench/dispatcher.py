"""Scheduler cost: `dispatch_due()` claiming due targets out of a 200k-row table, in process.

Rows go in with bulk_create (one store, one account, one post per target). The claim's
on-commit enqueues really go to Redis (db 14). Idle ticks (nothing due) are timed at
several table sizes, and each scan an idle tick runs is EXPLAIN ANALYZEd.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis

from bench import _support as s

TOTAL = 200_000
DUE = 5_000
BATCH = 5_000
IDLE_TICKS = 15
FIRST_SIZE = 20_000


@contextlib.contextmanager
def _timed(owner: object, name: str, totals: dict[str, float], label: str) -> Iterator[None]:
    """Add the wall time spent in owner.name to totals[label] while the block runs."""
    original: Callable[..., Any] = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label] = totals.get(label, 0.0) + time.perf_counter() - started

    setattr(owner, name, timed)
    try:
        yield
    finally:
        setattr(owner, name, original)


class Table:
    """The bench's rows, written through the ORM like the product writes them."""

    def __init__(self) -> None:
        from accounts.sandbox import sandbox_accounts_connect
        from accounts.services import store_create

        self.store = store_create(name="Dispatch bench")
        self.account = sandbox_accounts_connect(store=self.store)[0]
        self.size = 0

    def insert(self, count: int, *, due: bool) -> float:
        """Insert `count` scheduled targets (due now, or 1 h to 30 days out); seconds taken."""
        from django.db import connection, transaction
        from django.utils import timezone

        from publishing.models import Post, PostTarget

        started = time.perf_counter()
        now = timezone.now()
        for offset in range(0, count, BATCH):
            size = min(BATCH, count - offset)
            whens = [
                now - timedelta(minutes=1, milliseconds=self.size + offset + i)
                if due
                else now + timedelta(hours=1, seconds=((self.size + offset + i) * 7919) % 2_592_000)
                for i in range(size)
            ]
            with transaction.atomic():
                posts = Post.objects.bulk_create(
                    Post(
                        store=self.store,
                        text=f"scheduled post {self.size + offset + i}",
                        media=[],
                        link="",
                        schedule_at=when,
                        status="scheduled",
                    )
                    for i, when in enumerate(whens)
                )
                PostTarget.objects.bulk_create(
                    PostTarget(
                        post=post,
                        platform="x",
                        account=self.account,
                        status="scheduled",
                        due_at=when,
                    )
                    for post, when in zip(posts, whens, strict=True)
                )
        self.size += count
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE publishing_post, publishing_posttarget")
        return time.perf_counter() - started


def _idle_ticks() -> tuple[float, float, int]:
    """p50 and max wall ms of an idle dispatch_due(), and its statement count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from publishing.services.dispatcher import dispatch_due

    times = []
    for _ in range(IDLE_TICKS):
        started = time.perf_counter()
        report = dispatch_due()
        times.append(time.perf_counter() - started)
        assert not any(vars(report).values()), report
    with CaptureQueriesContext(connection) as captured:
        dispatch_due()
    return statistics.median(times) * 1000, max(times) * 1000, len(captured.captured_queries)


def _explain_idle_tick() -> list[list[str]]:
    """EXPLAIN ANALYZE each scan of an idle tick (inside a rolled-back transaction)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from publishing.services.dispatcher import dispatch_due

    with CaptureQueriesContext(connection) as captured:
        dispatch_due()
    selects = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    scans = ["scheduled due", "queued stale", "expired lease", "unconfirmed due"]
    rows = []
    for label, sql in zip(scans, selects, strict=False):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0][0]
            transaction.set_rollback(True)
        node = plan["Plan"]
        while node.get("Plans") and node["Node Type"] in (
            "LockRows",
            "Limit",
            "Sort",
            "Incremental Sort",
        ):
            node = node["Plans"][0]
        access = node["Node Type"]
        if node.get("Index Name"):
            access += f" using {node['Index Name']}"
        scanned = int(node.get("Actual Rows", 0)) + int(node.get("Rows Removed by Filter", 0))
        rows.append([label, access, f"{scanned:,}", f"{plan['Execution Time']:.2f}"])
    return rows


def main() -> None:
    s.reset_state()
    s.django_setup()
    from django.utils import timezone

    import publishing.services.dispatcher as dispatcher
    import publishing.tasks as tasks
    from publishing.models import PostTarget

    broker = redis.Redis.from_url(s.REDIS_URL)
    table = Table()
    insert_s = table.insert(FIRST_SIZE, due=False)
    idle_rows = [[f"{table.size:,} scheduled, none due", *_fmt_idle(_idle_ticks())]]
    insert_s += table.insert(TOTAL - DUE - FIRST_SIZE, due=False)
    idle_rows.append([f"{table.size:,} scheduled, none due", *_fmt_idle(_idle_ticks())])
    insert_s += table.insert(DUE, due=True)

    # The claim: everything due goes out in one tick (up to 20 batches of 500).
    totals: dict[str, float] = {}
    meter = s.Meter({}).start()
    started_cpu = time.process_time()
    with (
        _timed(dispatcher, "_mark_processing", totals, "post status"),
        _timed(tasks, "enqueue_target", totals, "enqueue"),
    ):
        started = time.perf_counter()
        report = dispatcher.dispatch_due()
        wall = time.perf_counter() - started
    own_cpu = time.process_time() - started_cpu
    meter.stop()
    claimed = report.scheduled
    queued_msgs = int(broker.llen("publish.x"))
    claim_sql = wall - totals.get("post status", 0.0) - totals.get("enqueue", 0.0)

    idle_rows.append([f"{table.size:,} rows, {DUE:,} just queued", *_fmt_idle(_idle_ticks())])
    PostTarget.objects.filter(status="queued").update(
        status="published", due_at=None, published_at=timezone.now()
    )
    idle_rows.append([f"{table.size:,} rows, after they published", *_fmt_idle(_idle_ticks())])
    plans = _explain_idle_tick()

    s.print_table(
        f"3. dispatcher: dispatch_due() claiming {DUE:,} due of {TOTAL:,} scheduled targets "
        f"(batches of 500; inserted at {TOTAL * 2 / insert_s:,.0f} rows/s via bulk_create)",
        ["what", "rows", "wall s", "rows/s", "ms/row", "share"],
        [
            [
                "whole tick (claim+status+enqueue)",
                f"{claimed:,}",
                f"{wall:.2f}",
                f"{claimed / wall:,.0f}",
                f"{wall * 1000 / claimed:.3f}",
                "100%",
            ],
            [
                "  SELECT FOR UPDATE + UPDATE",
                f"{claimed:,}",
                f"{claim_sql:.2f}",
                f"{claimed / claim_sql:,.0f}",
                f"{claim_sql * 1000 / claimed:.3f}",
                f"{claim_sql / wall:.0%}",
            ],
            [
                "  posts marked processing",
                f"{claimed:,}",
                f"{totals['post status']:.2f}",
                f"{claimed / totals['post status']:,.0f}",
                f"{totals['post status'] * 1000 / claimed:.3f}",
                f"{totals['post status'] / wall:.0%}",
            ],
            [
                "  enqueue to Redis (on commit)",
                f"{queued_msgs:,} msgs",
                f"{totals['enqueue']:.2f}",
                f"{queued_msgs / totals['enqueue']:,.0f}",
                f"{totals['enqueue'] * 1000 / queued_msgs:.3f}",
                f"{totals['enqueue'] / wall:.0%}",
            ],
        ],
    )
    print(
        f"   CPU-ms per claimed row: dispatcher process {own_cpu * 1000 / claimed:.2f}, "
        f"postgres {meter.cpu['postgres'] * 1000 / claimed:.2f}, "
        f"redis {meter.cpu['redis'] * 1000 / claimed:.2f}; others busy {meter.noise()}. "
        "Floor (DESIGN.md): claim 80-100k rows/s; enqueue 0.4-0.6 CPU-ms."
    )
    s.print_table(
        f"   idle tick (nothing due), {IDLE_TICKS} ticks each",
        ["table", "p50 ms", "max ms", "statements"],
        idle_rows,
    )
    s.print_table(
        f"   the idle tick's scans at {table.size:,} rows (EXPLAIN ANALYZE)",
        ["scan", "access", "rows read", "exec ms"],
        plans,
    )


def _fmt_idle(result: tuple[float, float, int]) -> list[str]:
    p50, worst, statements = result
    return [f"{p50:.2f}", f"{worst:.2f}", f"{statements}"]


if __name__ == "__main__":
    s.ensure_database()
    main()
