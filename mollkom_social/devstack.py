"""`make run`: the web server, two Celery workers (one for text, one for posts with media),
celery-beat and the sandbox, as separate processes in one terminal, on the embedded default
unless DATABASE_URL/REDIS_URL say otherwise. Prints where the server listens once all are up;
Ctrl-C stops them all. A worker or beat that dies is started again, after a delay that grows
while it keeps dying.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from publishing.routing import publish_queues

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
READY_TIMEOUT_SECONDS = 90
# Started again when they die, so that one crash does not take the stack down. The web server
# and the sandbox are not: their usual failure, a port already taken, a restart does not cure.
RESTARTABLE = frozenset({"worker", "media", "beat"})
RESTART_FIRST_DELAY_SECONDS = 1.0
RESTART_MAX_DELAY_SECONDS = 30.0
# A process that ran this long before dying starts again after the first delay.
RESTART_STABLE_SECONDS = 60.0

# One writer at a time, so lines from the processes and our own never interleave.
_OUTPUT = threading.Lock()


def _say(text: str) -> None:
    with _OUTPUT:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def _pump(name: str, stream: IO[bytes]) -> None:
    for raw in iter(stream.readline, b""):
        with _OUTPUT:
            sys.stdout.write(f"{name:>7} | {raw.decode(errors='replace')}")
            sys.stdout.flush()


def _get_json(url: str) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
            data = json.loads(response.read())
            return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def _ready(web: str, sandbox: str) -> bool:
    if _get_json(f"{sandbox}/_sandbox/health") is None:
        return False
    health = _get_json(f"{web}/healthz")
    if health is None:
        return False
    checks = [health.get(name) for name in ("database", "broker", "worker", "beat")]
    return all(isinstance(check, dict) and check.get("ok") for check in checks)


def _commands(env: dict[str, str], host: str, port: str, sandbox_port: str) -> dict[str, list[str]]:
    queues = ",".join(["default", *publish_queues(media=False)])
    # Targets with media have a pool of their own: a slow media host holds these threads,
    # never the ones that publish text.
    media_queues = ",".join(publish_queues(media=True))
    celery = [str(BIN / "celery"), "-A", "mollkom_social"]
    return {
        "sandbox": [str(BIN / "python"), "manage.py", "sandbox", "--port", sandbox_port],
        "worker": [
            *celery, "worker", "-Q", queues, "--pool", "threads",
            "--concurrency", env.get("WORKER_CONCURRENCY", "20"),
            "--loglevel", "INFO", "--without-mingle", "--without-gossip", "-n", "worker@%h",
        ],
        "media": [
            *celery, "worker", "-Q", media_queues, "--pool", "threads",
            "--concurrency", env.get("WORKER_MEDIA_CONCURRENCY", "10"),
            "--loglevel", "INFO", "--without-mingle", "--without-gossip", "-n", "media@%h",
        ],
        "beat": [*celery, "beat", "--loglevel", "INFO"],
        "web": [
            str(BIN / "gunicorn"), "mollkom_social.wsgi", "--bind", f"{host}:{port}",
            "--worker-class", "gthread", "--workers", env.get("WEB_WORKERS", "2"),
            "--threads", env.get("WEB_THREADS", "32"), "--access-logfile", "-",
            # Not the per-user control socket that every gunicorn would otherwise share.
            "--no-control-socket",
        ],
    }  # fmt: skip


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    sandbox_port = os.environ.get("SANDBOX_PORT", "8100")
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = stack_env(os.environ, host=host, port=port, sandbox_url=sandbox_url)

    # Handlers first: a signal while the processes start must still stop them all.
    stopping = threading.Event()

    def stop(*_: object) -> None:
        stopping.set()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)

    children: dict[str, _Child] = {}
    try:
        for name, command in _commands(env, host, port, sandbox_port).items():
            children[name] = _Child(name, command, env)
        web_url = f"http://{host}:{port}"
        return _supervise(
            children,
            stopping,
            ready=lambda: _ready(web_url, sandbox_url),
            banner=(
                f"Mollkom Social is running at {web_url} "
                f"(sandbox platforms at {sandbox_url}); Ctrl-C stops it."
            ),
        )
    finally:
        _stop_all(children)


def stack_env(
    environ: Mapping[str, str], *, host: str, port: str, sandbox_url: str
) -> dict[str, str]:
    """The environment every process gets, the sandbox included: it reads the same settings,
    so its consent pages send browsers back to our callbacks and its TikTok takes our media
    relay's URLs (PUBLIC_BASE_URL, MEDIA_PUBLIC_BASE_URL) wherever PORT puts the service."""
    env = dict(environ)
    env.setdefault("SANDBOX_URL", sandbox_url)
    # Where the platforms (the sandbox's consent pages) send browsers back to.
    env.setdefault("PUBLIC_BASE_URL", f"http://{host}:{port}")
    env.setdefault("DJANGO_SETTINGS_MODULE", "mollkom_social.settings")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def restart_delay(previous: float, ran_for: float) -> float:
    """Seconds to wait before starting a process again that died after `ran_for` seconds:
    doubling while it keeps dying soon after each start, back to the first step once it had
    run a while (a one-off crash is retried at once, a crash loop does not spin)."""
    if previous <= 0 or ran_for >= RESTART_STABLE_SECONDS:
        return RESTART_FIRST_DELAY_SECONDS
    return min(previous * 2, RESTART_MAX_DELAY_SECONDS)


class _Child:
    """One of the processes, its output pumped to ours; restarted in place when allowed."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.delay = 0.0
        self.restart_at: float | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.started = time.monotonic()
        self.restart_at = None
        assert self.process.stdout is not None
        threading.Thread(target=_pump, args=(self.name, self.process.stdout), daemon=True).start()

    def exited(self) -> int | None:
        """The exit code of a process that died and is not yet waiting for its restart."""
        return None if self.restart_at is not None else self.process.poll()


def _supervise(
    children: dict[str, _Child],
    stopping: threading.Event,
    ready: Callable[[], bool],
    banner: str,
) -> int:
    """Announce readiness once, then wait for a signal. A worker or beat that dies is started
    again after a delay; any other process dying stops everything."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    announced = False
    while not stopping.is_set():
        now = time.monotonic()
        for child in children.values():
            code = child.exited()
            if code is not None and child.name not in RESTARTABLE:
                _say(f"stopped: {child.name} exited ({code}); shutting down")
                return 1
            if code is not None:
                child.delay = restart_delay(child.delay, ran_for=now - child.started)
                child.restart_at = now + child.delay
                _say(f"{child.name} exited ({code}); starting it again in {child.delay:.0f}s")
            elif child.restart_at is not None and now >= child.restart_at:
                child.start()
                _say(f"{child.name} started again (pid {child.process.pid})")
        if not announced:
            if ready():
                _say(banner)
                announced = True
            elif now > deadline:
                _say("not ready in time; see the logs above")
                return 1
        stopping.wait(0.5)
    return 0


def _stop_all(children: dict[str, _Child]) -> None:
    processes = [child.process for child in children.values()]
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    raise SystemExit(main())
