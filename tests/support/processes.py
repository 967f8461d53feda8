"""Real Celery worker and beat processes for end-to-end tests, on the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.support.sandbox import platform_urls

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def service_env(sandbox_url: str, **extra: str) -> dict[str, str]:
    """The environment a worker or beat needs to share this test's database."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="mollkom_social.settings",
        DATABASE_URL=(
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
            f"{connection.settings_dict['NAME']}"
        ),
        **platform_urls(sandbox_url),
        MEDIA_ALLOW_LOOPBACK="true",
        MEDIA_ALLOW_HTTP="true",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),  # the test's own directory for relayed media
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Service:
    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, as when a machine dies."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_worker(
    env: dict[str, str],
    log_dir: Path,
    name: str = "worker",
    concurrency: int = 8,
    queues: str = "default,publish.x,publish.x.media",
) -> Service:
    command = [
        str(BIN / "celery"), "-A", "mollkom_social", "worker", "-Q", queues,
        "--pool", "threads", "--concurrency", str(concurrency),
        "--without-mingle", "--without-gossip", "--loglevel", "INFO", "-n", f"{name}@%h",
    ]  # fmt: skip
    return Service(name, command, env, log_dir)


def start_beat(env: dict[str, str], log_dir: Path) -> Service:
    return Service(
        "beat",
        [
            str(BIN / "celery"),
            "-A",
            "mollkom_social",
            "beat",
            "--loglevel",
            "INFO",
            "--max-interval",
            "1",
            "--schedule",
            str(log_dir / "beat-schedule"),
        ],
        env,
        log_dir,
    )


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
