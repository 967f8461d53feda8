"""The Celery app. Publish work is routed per platform (`publish.<slug>`) so one slow
platform never starves the others; everything else runs on `default`."""

from __future__ import annotations

import logging
import os

from celery import Celery

# Imported for its side effect: registers the embedded default's `filesystem-atomic://`
# broker transport before any connection is made.
from mollkom_social import broker  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mollkom_social.settings")

app = Celery("mollkom_social")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Imported for its side effect: the worker bootstep that records worker heartbeats.
from publishing import worker_heartbeat  # noqa: E402

app.steps["worker"].add(worker_heartbeat.HeartbeatStep)


class _QuietDispatcher(logging.Filter):
    """The periodic sweeps run every few seconds; their received/succeeded lines would bury
    the log lines that matter. They log on their own when they did something."""

    ROUTINE = ("publishing.dispatch_due", "webhooks.deliver_due")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(name in message for name in self.ROUTINE)


for _name in ("celery.app.trace", "celery.worker.strategy", "celery.beat"):
    logging.getLogger(_name).addFilter(_QuietDispatcher())
