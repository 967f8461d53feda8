"""A worker bootstep that records the worker's heartbeat every few seconds, from the
worker's own timer, so the record means "a worker is running", not "a task ran"."""

from __future__ import annotations

import logging
from typing import Any

from celery import bootsteps

logger = logging.getLogger(__name__)

INTERVAL_SECONDS = 10.0


def _beat() -> None:
    from django.db import close_old_connections

    from publishing.heartbeats import WORKER, heartbeat_record

    try:
        heartbeat_record(name=WORKER)
    except Exception:  # a database blip must not kill the worker's timer
        logger.warning("could not record the worker heartbeat", exc_info=True)
    finally:
        close_old_connections()


class HeartbeatStep(bootsteps.StartStopStep):
    requires = ("celery.worker.components:Timer",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.tref: Any = None

    def start(self, parent: Any) -> None:
        _beat()
        self.tref = parent.timer.call_repeatedly(INTERVAL_SECONDS, _beat)

    def stop(self, parent: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
