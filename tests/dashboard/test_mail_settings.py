"""Invitation mails carry a single-use join link: printed to the log only on the embedded
default; anywhere else the service refuses to start until SMTP is configured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Settings, then the system checks, as `manage.py migrate` or `runserver` run them at start.
_SCRIPT = """
import django
django.setup()
from django.conf import settings
from django.core.checks import run_checks
print(settings.EMAIL_BACKEND)
print(" ".join(m.id for m in run_checks() if m.id.startswith("dashboard.")))
"""


def _start(tmp_path: Path, **env: str) -> tuple[str, str]:
    """The mail backend and the dashboard's check ids for a process started with ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    for name in ("DATABASE_URL", "REDIS_URL"):
        base.pop(name, None)
    base.update(DJANGO_SETTINGS_MODULE="mollkom_social.settings", DATA_DIR=str(tmp_path), **env)
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        cwd=PROJECT_ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    backend, ids = done.stdout.splitlines()
    return backend, ids


PRODUCTION = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "x",
    "TOKEN_ENCRYPTION_KEYS": "ZmFrZS10ZXN0LWtleS1mb3ItbW9sbGtvbS1zb2NpYWw=",
}


def test_mail_is_printed_only_on_the_embedded_default(tmp_path: Path) -> None:
    assert _start(tmp_path) == ("django.core.mail.backends.console.EmailBackend", "")
    # Outside it: SMTP, and a check error while EMAIL_HOST is missing.
    assert _start(tmp_path, **PRODUCTION) == (
        "django.core.mail.backends.smtp.EmailBackend",
        "dashboard.E001",
    )


def test_production_with_an_email_host_sends_over_smtp(tmp_path: Path) -> None:
    assert _start(tmp_path, **PRODUCTION, EMAIL_HOST="smtp.example.com") == (
        "django.core.mail.backends.smtp.EmailBackend",
        "",
    )


def test_production_warns_about_a_backend_that_writes_links_to_logs(tmp_path: Path) -> None:
    chosen = "django.core.mail.backends.console.EmailBackend"
    assert _start(tmp_path, **PRODUCTION, EMAIL_BACKEND=chosen) == (chosen, "dashboard.W001")


def test_manage_py_refuses_to_start_without_an_email_host(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    env.update(PRODUCTION, DATA_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "dashboard.E001" in done.stderr and "EMAIL_HOST is not set" in done.stderr
