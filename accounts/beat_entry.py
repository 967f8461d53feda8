"""The token refresher's beat entry."""

from __future__ import annotations

from mollkom_social.beat import BeatEntry

REFRESH_TOKENS = BeatEntry(
    name="Refresh expiring tokens",
    task="accounts.refresh_expiring_tokens",
    description="Renews connected accounts' access tokens before they expire.",
)
