"""The dispatcher's one beat entry."""

from __future__ import annotations

from mollkom_social.beat import BeatEntry

DISPATCH = BeatEntry(
    name="Dispatch due posts",
    task="publishing.dispatch_due",
    description="Hands due scheduled posts, retries and recoveries to the workers.",
)

RELAY_CLEAN = BeatEntry(
    name="Delete old relayed media",
    task="publishing.relay_clean",
    description="Deletes converted images older than MEDIA_RELAY_KEEP_HOURS from the media relay.",
)

UPLOADS_CLEAN = BeatEntry(
    name="Delete abandoned uploads",
    task="publishing.uploads_clean",
    description="Deletes media library uploads not completed within MEDIA_UPLOAD_KEEP_HOURS, "
    "and their partial files.",
)
