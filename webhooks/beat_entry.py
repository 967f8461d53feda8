"""The webhook sweep's beat entry."""

from __future__ import annotations

from mollkom_social.beat import BeatEntry

SWEEP = BeatEntry(
    name="Deliver due webhooks",
    task="webhooks.deliver_due",
    description="Sends webhook deliveries that are due: retries, lost messages, dead workers.",
)
NAME = SWEEP.name
TASK = SWEEP.task
