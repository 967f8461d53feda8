"""The server-side record of a connect flow: created at start, consumed once at the callback."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.models import ConnectState, Store
from accounts.oauth.browser import browser_hash, browser_matches


class StateRefused(Exception):
    """The callback's state is unknown, for another platform, used, or expired.

    ``flow`` is set when the state was ours (used or expired): its redirect_url was
    checked when the flow started, so the browser may safely be sent back there."""

    def __init__(self, code: str, flow: ConnectState | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.flow = flow


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def new_state() -> str:
    return secrets.token_urlsafe(32)


def state_create(
    *,
    state: str,
    store: Store,
    platform: str,
    redirect_url: str,
    code_verifier: str,
    user_id: int | None = None,
    browser_key: str = "",
) -> ConnectState:
    flow = ConnectState(
        state_hash=_hash(state),
        store=store,
        platform=platform,
        redirect_url=redirect_url,
        initiated_by_id=user_id,
        browser_hash=browser_hash(browser_key),
        expires_at=timezone.now() + timedelta(seconds=settings.CONNECT_STATE_TTL_SECONDS),
    )
    flow.code_verifier = code_verifier
    flow.save()
    return flow


def state_consume(*, state: str, platform: str, browser_key: str = "") -> ConnectState:
    """Take the flow for ``state`` (once: a conditional UPDATE, so two callbacks racing
    with the same state cannot both get it), or raise StateRefused.

    A dashboard flow reached from another browser is refused as ``browser_mismatch`` with
    no flow (the browser is not sent to the store's pages), and is used up all the same:
    its code went to a browser that should not hold it, so nobody may finish it."""
    if not state or len(state) > 256:
        raise StateRefused("invalid_state")
    now = timezone.now()
    rows = ConnectState.objects.filter(state_hash=_hash(state), platform=platform)
    if rows.filter(used_at__isnull=True, expires_at__gt=now).update(used_at=now):
        taken = rows.select_related("store").get()
        if not browser_matches(taken, browser_key):
            raise StateRefused("browser_mismatch")
        return taken
    flow = rows.select_related("store").first()
    if flow is None:
        raise StateRefused("invalid_state")
    raise StateRefused("state_used" if flow.used_at is not None else "state_expired", flow)


def states_purge(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Forget flows that ended (used or expired) a while ago."""
    cutoff = timezone.now() - older_than
    deleted, _ = ConnectState.objects.filter(
        Q(expires_at__lt=cutoff) | Q(used_at__lt=cutoff)
    ).delete()
    return deleted
