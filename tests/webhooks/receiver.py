"""A storefront's webhook receiver over real HTTP, for tests.

It verifies signatures with the recipe in webhooks/README.md and nothing else (no import
from webhooks/), so a change to the signing that breaks the documented recipe fails here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def verify(secret: str, headers: Any, body: bytes) -> bool:
    """The README's recipe, verbatim."""
    timestamp = headers["Mollkom-Timestamp"]
    if abs(time.time() - int(timestamp)) > 300:
        return False
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    scheme, _, given = headers["Mollkom-Signature"].partition("=")
    return scheme == "v1" and hmac.compare_digest(expected, given)


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """Answers each verified POST with the next status in `answers` (200 once they run
    out), after `delay` seconds; an unverified one with 400."""

    def __init__(self) -> None:
        self.secret = ""
        self.answers: list[int] = []
        self.delay = 0.0
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/mollkom"

    def start(self) -> None:
        """Listen (again, on the same port once it has one)."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    verified = bool(receiver.secret) and verify(receiver.secret, self.headers, body)
                except (KeyError, ValueError):
                    verified = False
                with receiver._lock:
                    status = (
                        (receiver.answers.pop(0) if receiver.answers else 200) if verified else 400
                    )
                    delay = receiver.delay
                # Recorded on arrival: a late answer does not undo what the storefront did.
                receiver._record(Received(dict(self.headers), body, verified, status))
                time.sleep(delay)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", f"http://127.0.0.1:{receiver.port}/elsewhere")
                payload = b'{"ok": true}' if status < 300 else b'{"error": "try later"}'
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        """Stop listening: connections are refused until `start`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _record(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)

    def accepted(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.verified and 200 <= r.answered < 300]
