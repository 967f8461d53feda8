"""django-celery-beat's database scheduler, recording beat's heartbeat as it ticks, and
riding out database outages instead of exiting with them."""

from __future__ import annotations

import datetime
import logging
import time
from typing import Any

from django.conf import settings
from django.db import Error as DjangoDatabaseError
from django_celery_beat.schedulers import DatabaseScheduler

from mollkom_social.db import close_broken_connection

logger = logging.getLogger(__name__)

# After a database error beat waits this long before its next tick, doubling per failure.
BACKOFF_START_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0


class HeartbeatDatabaseScheduler(DatabaseScheduler):
    _last_full_sync: datetime.datetime | None  # django-celery-beat's, untyped there
    _last_heartbeat = 0.0
    _db_failures = 0

    def tick(self, *args: Any, **kwargs: Any) -> float:
        # Celery's beat loop lets anything but a due entry's own failure end the process:
        # one terminated connection (a failover, a restart) would stop all scheduling
        # until someone restarts beat. A database error is logged and retried instead.
        try:
            self._heartbeat()
            interval: float = super().tick(*args, **kwargs)
        except DjangoDatabaseError:
            return self._back_off()
        if self._db_failures:
            logger.info("beat reached the database again", extra={"failures": self._db_failures})
            self._db_failures = 0
        # Wake at least this often, so the heartbeat keeps coming between entries.
        return min(interval, settings.BEAT_HEARTBEAT_SECONDS)

    def _heartbeat(self) -> None:
        now = time.monotonic()
        if now - self._last_heartbeat >= settings.BEAT_HEARTBEAT_SECONDS:
            from publishing.heartbeats import BEAT, heartbeat_record

            heartbeat_record(name=BEAT)
            self._last_heartbeat = now

    def _back_off(self) -> float:
        self._db_failures += 1
        delay = min(BACKOFF_START_SECONDS * 2 ** (self._db_failures - 1), BACKOFF_MAX_SECONDS)
        logger.warning(
            "beat could not reach the database; trying again in %.0f s",
            delay,
            extra={"failures": self._db_failures, "retry_in_seconds": delay},
            # The first failure's traceback says what broke; the next ones would repeat it.
            exc_info=self._db_failures == 1,
        )
        close_broken_connection()
        # The failed read may have been the re-read of a changed schedule, whose change
        # django-celery-beat has already noted as seen: force a full re-read next time.
        if self._last_full_sync is not None:
            self._last_full_sync = datetime.datetime.min
        return delay
