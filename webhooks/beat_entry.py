"""The webhook sweep's beat entry, shared by the migration that creates it and tests.
Like the dispatcher's (publishing/beat_entry.py): in the database, so staff see and
tune it in the admin."""

from __future__ import annotations

from typing import Any

TASK = "webhooks.deliver_due"
NAME = "Deliver due webhooks"
DESCRIPTION = "Sends webhook deliveries that are due: retries, lost messages, dead workers."


def sweep_entry_ensure(*, interval_model: Any, task_model: Any, every_seconds: float) -> None:
    """Create or update the one beat entry (models passed in, so migrations can use it)."""
    every = max(1, round(every_seconds))
    schedule, _ = interval_model.objects.get_or_create(every=every, period="seconds")
    task_model.objects.update_or_create(
        name=NAME,
        defaults={"task": TASK, "interval": schedule, "enabled": True, "description": DESCRIPTION},
    )
