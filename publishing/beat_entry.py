"""The dispatcher's beat entry, shared by the migration that creates it and the command
that re-tunes it to DISPATCH_INTERVAL_SECONDS."""

from __future__ import annotations

from typing import Any

TASK = "publishing.dispatch_due"
NAME = "Dispatch due posts"
DESCRIPTION = "Hands due scheduled posts, retries and recoveries to the workers."


def dispatch_entry_ensure(*, interval_model: Any, task_model: Any, every_seconds: float) -> None:
    """Create or update the one beat entry (models passed in, so migrations can use it)."""
    every = max(1, round(every_seconds))
    schedule, _ = interval_model.objects.get_or_create(every=every, period="seconds")
    task_model.objects.update_or_create(
        name=NAME,
        defaults={"task": TASK, "interval": schedule, "enabled": True, "description": DESCRIPTION},
    )
