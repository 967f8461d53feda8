"""`manage.py create_store NAME [--timezone TZ] [--sandbox-accounts]`

Creates a store and an API key, and prints them as one line of JSON. The key is shown
only here; it is stored hashed.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.sandbox import sandbox_accounts_connect
from accounts.services import api_key_create, store_create


class Command(BaseCommand):
    help = "Create a store and an API key; print them as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--timezone", default="Asia/Riyadh")
        parser.add_argument(
            "--sandbox-accounts",
            action="store_true",
            help="Also connect a sandbox account on every platform the sandbox serves.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                store = store_create(name=options["name"], timezone_name=options["timezone"])
                _, raw_key = api_key_create(store=store)
                if options["sandbox_accounts"]:
                    sandbox_accounts_connect(store=store)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(json.dumps({"store_id": str(store.pk), "api_key": raw_key}))
