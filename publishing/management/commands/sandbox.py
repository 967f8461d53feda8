"""``manage.py sandbox``: serve the platform sandbox until Ctrl-C or SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import sys
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from publishing.media.relay import relay_prefix
from publishing.sandbox import SandboxState, make_server
from publishing.sandbox._oauth import register_app_everywhere


class Command(BaseCommand):
    help = (
        "Serve local stand-ins for the platforms' APIs (X under /x, control API under "
        "/_sandbox/). SANDBOX_LATENCY_MS adds latency to every platform call."
    )
    # A stand-in for the platforms, not the service: the service's start-up checks (its mail
    # settings, say) are not its business, and the tests start it with the test database's
    # environment.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8100)

    def handle(self, *args: Any, **options: Any) -> None:
        raw_latency = os.environ.get("SANDBOX_LATENCY_MS", "0") or "0"
        try:
            latency_ms = float(raw_latency)
        except ValueError:
            raise CommandError(
                f"SANDBOX_LATENCY_MS must be a number, not {raw_latency!r}"
            ) from None
        if latency_ms < 0:
            raise CommandError("SANDBOX_LATENCY_MS must be >= 0")
        if options["verbosity"] >= 2:
            # One line per request on stderr; quiet by default so `make run` output stays readable.
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("sandbox: %(message)s"))
            logging.getLogger("publishing.sandbox").addHandler(handler)
            logging.getLogger("publishing.sandbox").setLevel(logging.INFO)
        raw_ttl = os.environ.get("SANDBOX_OAUTH_TOKEN_TTL_SECONDS", "1200") or "1200"
        try:
            token_ttl_s = float(raw_ttl)
        except ValueError:
            raise CommandError(
                f"SANDBOX_OAUTH_TOKEN_TTL_SECONDS must be a number, not {raw_ttl!r}"
            ) from None
        # The same settings as the service's (make run passes its environment on), so TikTok
        # takes the relay's URLs wherever PORT or MEDIA_PUBLIC_BASE_URL put them.
        state = SandboxState(
            latency_ms=latency_ms, token_ttl_s=token_ttl_s, media_relay_prefix=relay_prefix()
        )
        # The app our service uses for every platform without credentials of its own, with
        # our callbacks as its registered redirect URIs.
        register_app_everywhere(
            state.oauth,
            client_id=settings.SANDBOX_OAUTH_CLIENT_ID,
            client_secret=settings.SANDBOX_OAUTH_CLIENT_SECRET,
            public_base_url=settings.PUBLIC_BASE_URL,
        )
        try:
            server = make_server(options["host"], options["port"], state)
        except OSError as exc:
            raise CommandError(
                f"cannot listen on {options['host']}:{options['port']}: {exc}"
            ) from exc
        # SIGTERM (docker stop, process managers) takes the same way out as Ctrl-C.
        signal.signal(signal.SIGTERM, _interrupt)
        # Whoever started us (make run, an end-to-end test) waits for this exact line.
        self.stdout.write(f"sandbox listening on {server.base_url}")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        self.stdout.write("sandbox stopped")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
