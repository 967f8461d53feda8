"""`manage.py create_store NAME [--timezone TZ] [--allowed-origin ORIGIN]… [--sandbox-accounts]
[--owner USERNAME]`

Creates a store and an API key, and prints them as one line of JSON. The key is shown
only here; it is stored hashed. Each --allowed-origin (scheme://host[:port]) is an origin
the store's connect flows may send the merchant back to. With --owner, that user owns the
store in the dashboard (made if new, with a generated password printed once beside the key).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import Membership
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
        parser.add_argument(
            "--owner",
            metavar="USERNAME",
            help="The dashboard user who owns the store (created with a new password if new).",
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
                owner = self._owner(store, options["owner"]) if options["owner"] else None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        result: dict[str, Any] = {"store_id": str(store.pk), "api_key": raw_key}
        if owner:
            result["owner"] = owner
        self.stdout.write(json.dumps(result))

    def _owner(self, store: Any, username: str) -> dict[str, str]:
        user, created = get_user_model().objects.get_or_create(username=username)
        owner = {"username": username}
        if created:
            owner["password"] = secrets.token_urlsafe(12)
            user.set_password(owner["password"])
            user.save(update_fields=["password"])
        Membership.objects.create(store=store, user=user, role=Membership.Role.OWNER)
        return owner
