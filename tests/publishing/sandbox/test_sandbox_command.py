"""``manage.py sandbox`` as ``make run`` and the end-to-end tests start it: a real process."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from publishing.sandbox.x import sandbox_token

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def test_command_announces_its_url_applies_latency_and_stops_on_sigterm() -> None:
    env = {**os.environ, "SANDBOX_LATENCY_MS": "150", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "sandbox", "--port", "0"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 20)
        assert ready, "no output from manage.py sandbox"
        line = process.stdout.readline().strip()
        assert line.startswith("sandbox listening on http://127.0.0.1:"), line
        base_url = line.removeprefix("sandbox listening on ")

        health = requests.get(f"{base_url}/_sandbox/health", timeout=5)
        started = time.monotonic()
        me = requests.get(
            f"{base_url}/x/2/users/me",
            headers={"Authorization": f"Bearer {sandbox_token('cli')}"},
            timeout=5,
        )

        assert health.json() == {
            "ok": True,
            "platforms": ["facebook", "instagram", "threads", "tiktok", "x", "youtube"],
        }
        assert me.json()["data"]["username"] == "cli"
        assert time.monotonic() - started >= 0.15
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)

    assert process.returncode == 0, err
    assert out.strip().endswith("sandbox stopped")
