"""``manage.py sandbox``: serve the platform sandbox until Ctrl-C or SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import sys
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from publishing.sandbox import SandboxState, make_server


class Command(BaseCommand):
    help = (
        "Serve local stand-ins for the platforms' APIs (X under /x, control API under "
        "/_sandbox/). SANDBOX_LATENCY_MS adds latency to every platform call."
    )

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
        try:
            server = make_server(
                options["host"], options["port"], SandboxState(latency_ms=latency_ms)
            )
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
