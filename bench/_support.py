"""Shared plumbing for the benchmarks: environment, database, processes, CPU, load, tables.

Everything runs on loopback against a dedicated PostgreSQL database (`mollkom_bench`) and
Redis db 14, never the test databases. Every process started here is in its own session,
is stopped (SIGTERM, then SIGKILL) when its `Stack` closes, and has a bounded lifetime.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PYTHON = str(BIN / "python")

# Overridable so two checkouts on one machine can bench at once without sharing state.
DB_NAME = os.environ.get("BENCH_DB_NAME", "mollkom_bench")
PG_DSN = "postgresql://postgres@127.0.0.1:5432/"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
TOKEN_KEY = "ZmFrZS10ZXN0LWtleS1mb3ItbW9sbGtvbS1zb2NpYWw="
CLK_TCK = os.sysconf("SC_CLK_TCK")
PUBLISH_PATH = "/functions/v1/social-publish"


def bench_env(**extra: str) -> dict[str, str]:
    """The environment every service process (and the in-process Django) runs with."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="mollkom_social.settings",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        CACHE_KEY_PREFIX="mollkom-bench",
        SECRET_KEY="bench-secret-key",
        TOKEN_ENCRYPTION_KEYS=TOKEN_KEY,
        DEBUG="false",
        LOG_LEVEL="WARNING",
        API_THROTTLE_RATE="1000000/min",
        # The benchmarks push one store's posts through as fast as the pipeline goes: the
        # per-store and per-account fairness limits would measure those limits instead.
        PUBLISH_MAX_CONCURRENT_PER_STORE="0",
        PUBLISH_MAX_CONCURRENT_PER_ACCOUNT="0",
        # No mail leaves a benchmark; outside the embedded default an unset mail server
        # would stop `migrate` at its start-up check.
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def django_setup() -> None:
    """Configure Django in this process against the bench database (idempotent)."""
    for key, value in bench_env().items():
        if key not in os.environ or os.environ[key] != value:
            os.environ[key] = value
    import django

    django.setup()
    # The Celery app must be configured (broker = Redis db 14) before tasks are sent.
    import mollkom_social.celery  # noqa: F401


# --- PostgreSQL and Redis ----------------------------------------------------------------


def pg(dbname: str = DB_NAME) -> psycopg.Connection[Any]:
    return psycopg.connect(PG_DSN + dbname, autocommit=True)


def pg_scalar(sql: str, params: Sequence[Any] = ()) -> Any:
    with pg() as conn:
        row = conn.execute(sql, params).fetchone()
    return None if row is None else row[0]


def ensure_database() -> None:
    """Create `mollkom_bench` if missing and migrate it (quietly)."""
    with pg("postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,))
        if exists.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    migrate()


def migrate() -> None:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=bench_env(),
        check=True,
        timeout=300,
    )


def reset_state() -> None:
    """Migrate (the schema may have moved since the run began), then empty the bench
    database's stores and posts and Redis db 14 (the bench's own)."""
    migrate()
    with pg() as conn:
        conn.execute(
            "TRUNCATE accounts_store, publishing_post, publishing_posttarget, "
            "publishing_publishattempt, publishing_idempotencykey CASCADE"
        )
    redis.Redis.from_url(REDIS_URL).flushdb()


@dataclass(frozen=True)
class StoreKey:
    store_id: str
    api_key: str


def create_store(env: dict[str, str], name: str = "Bench shop") -> StoreKey:
    out = subprocess.run(
        [PYTHON, "manage.py", "create_store", name, "--sandbox-accounts"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return StoreKey(store_id=data["store_id"], api_key=data["api_key"])


def target_counts(store_id: str) -> Counter[str]:
    with pg() as conn:
        rows = conn.execute(
            "SELECT t.status, count(*) FROM publishing_posttarget t "
            "JOIN publishing_post p ON p.id = t.post_id WHERE p.store_id = %s GROUP BY 1",
            (store_id,),
        ).fetchall()
    return Counter({status: int(n) for status, n in rows})


def publish_latencies(store: StoreKey, since: float) -> tuple[float, float, float]:
    """p50, p95, max seconds from post created to target published (database clock) for
    the store's posts created since `since` (epoch seconds)."""
    with pg() as conn:
        row = conn.execute(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d), "
            "percentile_cont(0.95) WITHIN GROUP (ORDER BY d), max(d) FROM ("
            "  SELECT extract(epoch FROM t.published_at - p.created_at) AS d"
            "  FROM publishing_posttarget t JOIN publishing_post p ON p.id = t.post_id"
            "  WHERE p.store_id = %s AND p.created_at >= to_timestamp(%s)"
            "  AND t.published_at IS NOT NULL) x",
            (store.store_id, since),
        ).fetchone()
    assert row is not None and row[0] is not None
    return float(row[0]), float(row[1]), float(row[2])


# --- Processes ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the command name (which may contain spaces): state is [0].
    return raw[raw.rindex(")") + 2 :].split()


def proc_cpu(pid: int) -> float:
    """utime + stime + cutime + cstime (waited-for children) in seconds; 0 if gone."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / CLK_TCK


def _all_pids() -> Iterator[int]:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            yield int(entry)


def session_pids(sid: int) -> list[int]:
    pids = []
    for pid in _all_pids():
        fields = _stat_fields(pid)
        if fields is not None and int(fields[3]) == sid:
            pids.append(pid)
    return pids


def pids_named(comm: str) -> list[int]:
    pids = []
    for pid in _all_pids():
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/comm").read_text().strip() == comm:
                pids.append(pid)
    return pids


def threads_of(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


class Service:
    """One command in its own session, logging to a file; its CPU covers the whole tree."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def pids(self) -> list[int]:
        return session_pids(self.pid)

    def cpu(self) -> float:
        """CPU seconds of every live process of the session, plus their reaped children."""
        return sum(proc_cpu(pid) for pid in self.pids())

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # Stragglers of the session (a forked child that outlived its parent).
        for pid in session_pids(self.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._log.close()


def http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes] | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), b""
    except OSError:
        return None


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


class Stack:
    """Starts services on loopback and stops them all on exit, whatever happened."""

    def __init__(self, label: str) -> None:
        self.log_dir = Path(tempfile.mkdtemp(prefix=f"mollkom-bench-{label}-"))
        self.services: dict[str, Service] = {}
        self._failed = False

    def __enter__(self) -> Stack:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for service in reversed(list(self.services.values())):
            service.stop()
        if exc_type is None and not self._failed:
            shutil.rmtree(self.log_dir, ignore_errors=True)
        else:
            print(f"  (logs kept in {self.log_dir})")

    def keep_logs(self) -> None:
        self._failed = True

    def start(self, name: str, command: list[str], env: dict[str, str]) -> Service:
        service = Service(name, command, env, self.log_dir)
        self.services[name] = service
        return service

    def sandbox(self, env: dict[str, str], latency_ms: int) -> tuple[Service, str]:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        service = self.start(
            "sandbox",
            [PYTHON, "manage.py", "sandbox", "--port", str(port)],
            {**env, "SANDBOX_LATENCY_MS": str(latency_ms)},
        )

        def up() -> bool:
            service.check_alive()
            return http_get(f"{url}/_sandbox/health") is not None

        wait_until(up, 30, "the sandbox")
        return service, url

    def web(
        self,
        env: dict[str, str],
        *,
        worker_class: str = "gthread",
        workers: int = 2,
        threads: int = 32,
        app: str = "mollkom_social.wsgi",
    ) -> tuple[Service, int]:
        port = free_port()
        command = [
            str(BIN / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            worker_class,
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ]
        if worker_class == "gthread":
            command += ["--threads", str(threads)]
        service = self.start("web", command, env)

        def up() -> bool:
            service.check_alive()
            return http_get(f"http://127.0.0.1:{port}/healthz", timeout=5) is not None

        wait_until(up, 60, "gunicorn")
        return service, port

    def worker(
        self,
        env: dict[str, str],
        *,
        concurrency: int = 50,
        app: str = "mollkom_social",
        queues: str = "default,publish.x,publish.x.media",
    ) -> Service:
        return self.start(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                app,
                "worker",
                "-Q",
                queues,
                "--pool",
                "threads",
                "--concurrency",
                str(concurrency),
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "WARNING",
                "-n",
                f"bench-{os.getpid()}@%h",
            ],
            env,
        )


# --- CPU and connection sampling ---------------------------------------------------------


class Meter:
    """CPU seconds spent between start() and stop() by each service, by the PostgreSQL
    backends of the bench database, by redis-server and by this process (the client); plus
    the peak number of bench-database connections and of each service's processes."""

    def __init__(self, services: dict[str, Service], interval: float = 0.2) -> None:
        self.services = services
        self.interval = interval
        self.peak_connections = 0
        self.peak_processes: dict[str, int] = dict.fromkeys(services, 0)
        self._backend_base: dict[int, float] = {}
        self._backend_last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._redis = pids_named("redis-server")
        self._start: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.wall = 0.0

    def _backends(self, conn: psycopg.Connection[Any]) -> list[int]:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (DB_NAME,),
        ).fetchall()
        return [int(pid) for (pid,) in rows]

    def _sample(self, conn: psycopg.Connection[Any], first: bool = False) -> None:
        backends = self._backends(conn)
        self.peak_connections = max(self.peak_connections, len(backends))
        for pid in backends:
            cpu = proc_cpu(pid)
            if pid not in self._backend_base:
                self._backend_base[pid] = cpu if first else 0.0
            if cpu > 0:
                self._backend_last[pid] = cpu
        for name, service in self.services.items():
            self.peak_processes[name] = max(self.peak_processes[name], len(service.pids()))

    def _run(self) -> None:
        with pg() as conn:
            while not self._stop.wait(self.interval):
                self._sample(conn)
            self._sample(conn)

    @staticmethod
    def _machine_busy() -> float:
        """CPU seconds the whole machine spent busy (all processes, all cores)."""
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        values = [int(v) for v in fields]
        idle = values[3] + values[4]
        return (sum(values[:8]) - idle) / CLK_TCK

    @property
    def others(self) -> float:
        """Busy CPU seconds not attributed to anything measured here: other work on the
        machine (e.g. someone's test suite) competing for the same cores."""
        return max(
            0.0,
            self.cpu.get("machine", 0.0) - sum(v for k, v in self.cpu.items() if k != "machine"),
        )

    def noise(self) -> str:
        cores = os.cpu_count() or 1
        return f"{self.others / self.wall / cores * 100:.0f}%"

    def _self_cpu(self) -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def start(self) -> Meter:
        with pg() as conn:
            self._sample(conn, first=True)
        self._start = {name: s.cpu() for name, s in self.services.items()}
        self._start["redis"] = sum(proc_cpu(pid) for pid in self._redis)
        self._start["client"] = self._self_cpu()
        self._start["machine"] = self._machine_busy()
        self._t0 = time.perf_counter()
        self._thread.start()
        return self

    def stop(self) -> Meter:
        self.wall = time.perf_counter() - self._t0
        for name, service in self.services.items():
            self.cpu[name] = service.cpu() - self._start[name]
        self.cpu["redis"] = sum(proc_cpu(pid) for pid in self._redis) - self._start["redis"]
        self.cpu["client"] = self._self_cpu() - self._start["client"]
        self.cpu["machine"] = self._machine_busy() - self._start["machine"]
        self._stop.set()
        self._thread.join(timeout=5)
        self.cpu["postgres"] = sum(
            last - self._backend_base.get(pid, 0.0) for pid, last in self._backend_last.items()
        )
        return self


# --- Load ----------------------------------------------------------------------------------


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    bodies: list[bytes] = field(default_factory=list)
    first_start: float = float("inf")
    last_end: float = 0.0

    @property
    def n(self) -> int:
        return len(self.latencies)

    @property
    def wall(self) -> float:
        return max(self.last_end - self.first_start, 1e-9)


def run_load(
    port: int,
    bodies: Sequence[bytes],
    headers: dict[str, str],
    *,
    concurrency: int,
    together: bool = False,
    keep_bodies: bool = False,
    timeout: float = 60.0,
) -> LoadResult:
    """POST every body to the publish endpoint from `concurrency` threads, one keep-alive
    connection each. `together`: every thread sends its first request at the same moment."""
    result = LoadResult()
    lock = threading.Lock()
    position = iter(range(len(bodies)))
    barrier = threading.Barrier(concurrency) if together else None

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        local: list[tuple[float, float, int, bytes]] = []
        if barrier is not None:
            barrier.wait(timeout=timeout)
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                break
            started = time.perf_counter()
            try:
                conn.request("POST", PUBLISH_PATH, bodies[index], headers)
                response = conn.getresponse()
                data = response.read()
                status = response.status
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                data, status = b"", 0
            local.append((started, time.perf_counter(), status, data if keep_bodies else b""))
        conn.close()
        with lock:
            for started, ended, status, data in local:
                result.latencies.append(ended - started)
                result.statuses[status] += 1
                result.first_start = min(result.first_start, started)
                result.last_end = max(result.last_end, ended)
                if keep_bodies:
                    result.bodies.append(data)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout * (len(bodies) / concurrency + 2))
    return result


def api_headers(store: StoreKey) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {store.api_key}",
        "Content-Type": "application/json",
        "Connection": "keep-alive",
    }


def publish_body(
    store: StoreKey, text: str, *, wait: bool, schedule_at: str | None = None
) -> bytes:
    return json.dumps(
        {
            "store_id": store.store_id,
            "platforms": ["x"],
            "content": {
                "text": text,
                "media": [],
                "link": "https://shop.example.com/product/123",
            },
            "schedule_at": schedule_at,
            "wait": wait,
        }
    ).encode()


# --- Figures ---------------------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def per_item_ms(cpu_seconds: float, items: int) -> str:
    return f"{cpu_seconds * 1000 / max(items, 1):.2f}"


def statuses_text(statuses: Counter[int] | Counter[str]) -> str:
    return " ".join(f"{k}x{v}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0])))


def print_table(title: str, headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    line = "  ".join(
        h.rjust(w) if i else h.ljust(w)
        for i, (h, w) in enumerate(zip(headers, widths, strict=True))
    )
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    sys.stdout.flush()


def machine_summary() -> list[str]:
    model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    pg_version = pg_scalar("SHOW server_version")
    redis_version = redis.Redis.from_url(REDIS_URL).info("server").get("redis_version", "?")
    return [
        f"machine: nproc={os.cpu_count()}  cpu={model}  mem={mem_kb / 1024 / 1024:.1f} GiB",
        f"software: Python {platform.python_version()}  PostgreSQL {pg_version}  "
        f"Redis {redis_version}  kernel {platform.release()}",
    ]
