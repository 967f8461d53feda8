"""GET /healthz: the database, the broker, and when a worker and beat were last seen."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from mollkom_social.celery import app
from publishing.heartbeats import heartbeats_last_seen


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}


def _broker() -> dict[str, Any]:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = _database()
    seen = heartbeats_last_seen() if database["ok"] else {}
    stale_before = timezone.now() - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    services = {
        name: {
            "last_seen": last.isoformat() if last else None,
            "ok": bool(last and last >= stale_before),
        }
        for name, last in seen.items()
    }
    broker = _broker()
    ok = database["ok"] and broker["ok"]
    body = {"ok": ok, "database": database, "broker": broker, **services}
    return JsonResponse(body, status=200 if ok else 503)
