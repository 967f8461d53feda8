"""`manage.py create_store NAME [--timezone TZ] [--allowed-origin ORIGIN]… [--sandbox-accounts]`

Creates a store and an API key, and prints them as one line of JSON. The key is shown
only here; it is stored hashed. Each --allowed-origin (scheme://host[:port]) is an origin
the store's connect flows may send the merchant back to.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.sandbox import sandbox_accounts_connect
from accounts.services import api_key_create, store_allowed_origin_add, store_create


class Command(BaseCommand):
    help = "Create a store and an API key; print them as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--timezone", default="Asia/Riyadh")
        parser.add_argument(
            "--allowed-origin",
            action="append",
            default=[],
            metavar="ORIGIN",
            help="An origin (https://shop.example) connect flows may return to; repeatable.",
        )
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
                for origin in options["allowed_origin"]:
                    store_allowed_origin_add(store=store, origin=origin)
                if options["sandbox_accounts"]:
                    sandbox_accounts_connect(store=store)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(json.dumps({"store_id": str(store.pk), "api_key": raw_key}))
