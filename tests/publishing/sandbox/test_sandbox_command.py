"""``manage.py sandbox`` as ``make run`` and the end-to-end tests start it: a real process."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from django.urls import reverse

from mollkom_social.devstack import stack_env
from publishing.sandbox import tiktok
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


@contextmanager
def _sandbox_process(env: dict[str, str]) -> Iterator[str]:
    """``manage.py sandbox`` on a free port with ``env``; its base URL."""
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
        yield process.stdout.readline().strip().removeprefix("sandbox listening on ")
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)


@pytest.mark.parametrize(
    ("service_env", "relay_base"),
    [
        ({"PORT": "9000"}, "http://127.0.0.1:9000"),
        ({"MEDIA_PUBLIC_BASE_URL": "https://media.shop.example"}, "https://media.shop.example"),
    ],
)
def test_tiktok_takes_the_relay_urls_of_the_service_make_run_starts(
    service_env: dict[str, str], relay_base: str
) -> None:
    # What `make run` gives the sandbox, for a service moved off the default port or serving
    # relayed media from another base.
    environ = {
        name: value
        for name, value in os.environ.items()
        if name
        not in ("PUBLIC_BASE_URL", "MEDIA_PUBLIC_BASE_URL", "SANDBOX_TIKTOK_VERIFIED_PREFIXES")
    }
    environ.update(service_env)
    port = environ.get("PORT", "8000")
    env = stack_env(environ, host="127.0.0.1", port=port, sandbox_url="http://127.0.0.1:8100")
    relayed = relay_base + reverse("media-relay", args=["0f3a.jpg"])

    with _sandbox_process(env) as base_url:
        answer = requests.post(
            f"{base_url}/tiktok/v2/post/publish/content/init/",
            json={
                "media_type": "PHOTO",
                "post_mode": "DIRECT_POST",
                "post_info": {"title": "Summer", "privacy_level": "PUBLIC_TO_EVERYONE"},
                "source_info": {
                    "source": "PULL_FROM_URL",
                    "photo_cover_index": 0,
                    "photo_images": [relayed],
                },
            },
            headers={"Authorization": f"Bearer {tiktok.sandbox_token('shop')}"},
            timeout=5,
        )

    assert answer.json()["error"]["code"] == "ok", answer.json()
