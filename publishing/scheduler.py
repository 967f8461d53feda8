"""django-celery-beat's database scheduler, recording beat's heartbeat as it ticks."""

from __future__ import annotations

import time
from typing import Any

from django_celery_beat.schedulers import DatabaseScheduler

HEARTBEAT_EVERY_SECONDS = 10.0


class HeartbeatDatabaseScheduler(DatabaseScheduler):
    _last_heartbeat = 0.0

    def tick(self, *args: Any, **kwargs: Any) -> float:
        now = time.monotonic()
        if now - self._last_heartbeat >= HEARTBEAT_EVERY_SECONDS:
            from publishing.heartbeats import BEAT, heartbeat_record

            heartbeat_record(name=BEAT)
            self._last_heartbeat = now
        interval: float = super().tick(*args, **kwargs)
        # Wake at least this often, so the heartbeat keeps coming between entries.
        return min(interval, HEARTBEAT_EVERY_SECONDS)
