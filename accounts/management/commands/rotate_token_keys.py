"""`manage.py rotate_token_keys [--batch-size N] [--dry-run]`

Re-encrypts every stored token and secret under the first key of TOKEN_ENCRYPTION_KEYS.
Put the new key first (keeping the old ones after it) everywhere the service runs, then run
this; once it reports nothing unreadable, the old keys can be removed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.rotation import rotate_all


class Command(BaseCommand):
    help = "Re-encrypt every stored token and secret with the newest TOKEN_ENCRYPTION_KEYS key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=200, help="Rows per transaction.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would change; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        dry_run = options["dry_run"]
        results = rotate_all(batch_size=options["batch_size"], dry_run=dry_run)
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        for counts in results:
            self.stdout.write(
                f"{counts.label}: {counts.rows} rows, {verb} {counts.rotated} values, "
                f"{counts.current} already under the newest key, "
                f"{len(counts.unreadable)} unreadable"
                + (f", {counts.waited} rows waited for a lock" if counts.waited else "")
            )
        unreadable = [f"{c.label} {where}" for c in results for where in c.unreadable]
        if unreadable:
            # Ids and field names only: never the ciphertext or anything derived from it.
            raise CommandError(
                "No configured key decrypts these values (is an old key missing from "
                "TOKEN_ENCRYPTION_KEYS?): " + ", ".join(unreadable)
            )
