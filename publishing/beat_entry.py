"""The dispatcher's one beat entry."""

from __future__ import annotations

from mollkom_social.beat import BeatEntry

DISPATCH = BeatEntry(
    name="Dispatch due posts",
    task="publishing.dispatch_due",
    description="Hands due scheduled posts, retries and recoveries to the workers.",
)
