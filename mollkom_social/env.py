"""Tiny typed helpers that read settings from the environment."""

from __future__ import annotations

import os

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return default if raw in (None, "") else float(raw)


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_platform_url(name: str, *, sandbox: str, real: str, sandboxed: bool) -> str:
    """A platform's base URL: ``name`` from the environment; otherwise the sandbox's when
    the platform has no credentials of its own and the sandbox runs, else the real one."""
    return env_str(name, sandbox if sandboxed else real).rstrip("/")


def env_proxy_ssl_header(name: str, default: str) -> tuple[str, str] | None:
    """``Header-Name: value`` (``X-Forwarded-Proto: https``) as Django's
    SECURE_PROXY_SSL_HEADER wants it (``("HTTP_X_FORWARDED_PROTO", "https")``); empty: None."""
    raw = os.environ.get(name, default).strip()
    if not raw:
        return None
    header, sep, value = raw.partition(":")
    if not sep or not header.strip() or not value.strip():
        raise ValueError(f"{name} must look like 'X-Forwarded-Proto: https', got {raw!r}")
    return "HTTP_" + header.strip().upper().replace("-", "_"), value.strip()
