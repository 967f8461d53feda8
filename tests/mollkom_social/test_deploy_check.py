"""`manage.py check --deploy` under a production environment, in a process of its own (the
settings are read from the environment once, at start)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOKEN_KEY = "ZmFrZS10ZXN0LWtleS1mb3ItbW9sbGtvbS1zb2NpYWw="


def _production_env(**extra: str) -> dict[str, str]:
    # Nothing of the test run's own environment but what a process needs to start.
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="mollkom_social.settings",
        DATABASE_URL="postgres://mollkom@db.internal:5432/mollkom",
        REDIS_URL="redis://redis.internal:6379/0",
        SECRET_KEY=secrets.token_urlsafe(50),
        TOKEN_ENCRYPTION_KEYS=TOKEN_KEY,
        DEBUG="false",
        ALLOWED_HOSTS="social.mollkom.com",
        PUBLIC_BASE_URL="https://social.mollkom.com",
        EMAIL_HOST="smtp.mollkom.com",
    )
    env.update(extra)
    return env


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_finds_nothing_in_a_production_environment() -> None:
    done = _check_deploy(_production_env())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "System check identified no issues (0 silenced).", done.stderr
    assert "WARNING" not in done.stderr, done.stderr


def test_https_settings_can_be_turned_off_from_the_environment() -> None:
    off = {
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
    }
    done = _check_deploy(_production_env(**off))
    found = {code for code in ("W004", "W008", "W012", "W016") if f"security.{code}" in done.stderr}
    assert found == {"W004", "W008", "W012", "W016"}, done.stderr


def test_the_embedded_default_stays_on_plain_http(tmp_path: Path) -> None:
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(DJANGO_SETTINGS_MODULE="mollkom_social.settings", DATA_DIR=str(tmp_path))
    names = [
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER",
    ]  # fmt: skip
    code = f"from django.conf import settings as s; print([getattr(s, n) for n in {names!r}])"
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.stdout.strip() == "[False, 0, False, False, None]", done.stderr


def test_the_proxy_header_is_read_from_the_environment() -> None:
    env = _production_env(SECURE_PROXY_SSL_HEADER="X-Forwarded-Scheme: https")
    code = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.stdout.strip() == "('HTTP_X_FORWARDED_SCHEME', 'https')", done.stderr
