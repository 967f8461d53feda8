"""A connect flow that the dashboard starts belongs to the browser that started it.

The platform sends whichever browser approved the consent back to our callback, with the
flow's state. Bound to the state alone, a flow started from store A's dashboard could be
finished by anyone its auth_url reached (a stranger, another store's owner), and their
platform account would land on store A. So the dashboard keeps a random key in the
browser's session, the flow keeps its SHA-256, and the callback and the chooser refuse a
browser whose session lacks it.

The API's flows have no session of ours (the storefront's server starts them and opens
auth_url in the merchant's browser): their auth_url is a bearer secret, single use and
short-lived (CONNECT_STATE_TTL_SECONDS).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.contrib.sessions.backends.base import SessionBase

from accounts.models import ConnectState

SESSION_KEY = "connect_browser_key"


def browser_key(session: SessionBase) -> str:
    """The key of the browser this session belongs to, made on first use. It outlives a
    login (Django keeps the session's data when it cycles the key) and ends with logout."""
    key = session.get(SESSION_KEY)
    if not isinstance(key, str) or not key:
        key = secrets.token_urlsafe(32)
        session[SESSION_KEY] = key
    return key


def session_browser_key(session: SessionBase) -> str:
    """The key this session holds, or "" (never makes one: a callback only checks)."""
    key = session.get(SESSION_KEY, "")
    return key if isinstance(key, str) else ""


def browser_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest() if key else ""


def browser_matches(flow: ConnectState, key: str) -> bool:
    """True for an API flow (bound to no browser) or the browser that started the flow."""
    if not flow.browser_hash:
        return True
    return bool(key) and hmac.compare_digest(browser_hash(key), flow.browser_hash)
