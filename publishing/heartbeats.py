"""When a worker and beat were last seen, for /healthz and the dashboard's banner."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from publishing.models import ServiceHeartbeat

WORKER = "worker"
BEAT = "beat"


def heartbeat_record(*, name: str) -> None:
    ServiceHeartbeat.objects.update_or_create(name=name, defaults={"last_seen": timezone.now()})


def heartbeats_last_seen() -> dict[str, datetime | None]:
    seen = dict(ServiceHeartbeat.objects.values_list("name", "last_seen"))
    return {WORKER: seen.get(WORKER), BEAT: seen.get(BEAT)}
