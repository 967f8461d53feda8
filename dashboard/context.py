"""What every dashboard page shows around its content: the merchant's stores and the banner
that says when scheduled posts are not being sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from dashboard.access import memberships_of
from publishing.heartbeats import BEAT, WORKER, heartbeats_last_seen


def stale_services() -> list[str]:
    """``worker`` and/or ``beat`` when not seen within HEARTBEAT_STALE_SECONDS."""
    stale_before = timezone.now() - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    seen = heartbeats_last_seen()
    return [name for name in (WORKER, BEAT) if (seen[name] or stale_before) <= stale_before]


def dashboard(request: HttpRequest) -> dict[str, Any]:
    if not request.path.startswith("/stores/") or not request.user.is_authenticated:
        return {}
    return {
        "memberships": memberships_of(request.user),
        "access": getattr(request, "store_access", None),
        "stale_services": stale_services(),
    }
