"""The sandbox engine: the route registry, fault injection and the HTTP server.

Platform modules (``x.py``, later ``instagram.py`` …) hold only what is specific to one
platform. Each builds a :class:`Platform` and calls :func:`register` at import time;
:func:`load_modules` imports every module of this package whose name does not start with an
underscore, so adding a platform is adding one module. A module may also add routes to a
platform another module registered (``threads_oauth.py`` adds Threads' OAuth). Nothing here
imports Django: the sandbox also runs inside test processes that have no settings.

URL layout of one server:

- ``/{slug}/…``      the platform's API (``/x/2/tweets``), recorded and subject to faults;
- ``/{slug}-web/…``  the platform's public pages (``/x-web/{username}/status/{id}``);
- ``/_sandbox/…``    the control API (``control.py``).
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import pkgutil
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from publishing.platforms.redact import redact
from publishing.sandbox._media import with_range
from publishing.sandbox._state import ERROR_FAULT_KINDS, FAULT_KINDS, Fault, SandboxState
from publishing.sandbox._wire import Request, Response, UploadedFile, parse_request, rfc3339

__all__ = [
    "CONTROL_ROUTES",
    "FAULT_KINDS",
    "Fault",
    "Platform",
    "Request",
    "Response",
    "Route",
    "Routes",
    "SandboxServer",
    "SandboxState",
    "UploadedFile",
    "dispatch",
    "load_modules",
    "make_server",
    "register",
    "rfc3339",
    "serve_in_thread",
]

logger = logging.getLogger(__name__)

# One-shot uploads are held in memory; anything bigger is a client bug, not a test case.
MAX_BODY_BYTES = 64 * 1024 * 1024


# --- Routes and platforms -------------------------------------------------------------

Handler = Callable[[SandboxState, Request, re.Match[str]], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    name: str  # the platform's operation name (X's operationId), used for rate-limit tables


class Routes:
    """An ordered route table; fill it with the :meth:`add` decorator."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, method: str, path: str, *, name: str = "") -> Callable[[Handler], Handler]:
        """Register a handler for ``method`` and a regex that must match the whole path."""

        def decorator(handler: Handler) -> Handler:
            route = Route(method.upper(), re.compile(path), handler, name or handler.__name__)
            self._routes.append(route)
            return handler

        return decorator

    def include(self, other: Routes) -> None:
        """Add another table's routes (a platform split over several modules)."""
        self._routes.extend(other._routes)

    def match(self, method: str, path: str) -> tuple[Route, re.Match[str]] | None:
        for route in self._routes:
            if route.method == method and (found := route.pattern.fullmatch(path)):
                return route, found
        return None


def _generic_fault_response(fault: Fault, request: Request) -> Response:
    # Platforms override this with their own error bodies; this keeps a new module usable early.
    status = {"rate_limit": 429, "server_error": 503, "expired_token": 401, "no_credits": 402}
    headers = {"retry-after": str(round(fault.retry_after))} if fault.kind == "rate_limit" else {}
    return Response.json(status[fault.kind], {"error": fault.kind}, headers)


def _generic_not_found(request: Request) -> Response:
    return Response.json(404, {"error": "not_found", "path": request.path})


def _unchanged(request: Request, route: Route | None, response: Response) -> Response:
    return response


@dataclass(frozen=True)
class Platform:
    """What a platform module registers: its API routes, its public pages and its error shapes."""

    slug: str
    api: Routes
    web: Routes = field(default_factory=Routes)
    fault_response: Callable[[Fault, Request], Response] = _generic_fault_response
    not_found: Callable[[Request], Response] = _generic_not_found
    # Applied to every API response of the platform, e.g. X's rate-limit headers.
    finish: Callable[[Request, Route | None, Response], Response] = _unchanged


_PLATFORMS: dict[str, Platform] = {}
# Filled by control.py, which builds on this module and so cannot be imported by it.
CONTROL_ROUTES = Routes()
_loaded = False
_load_lock = threading.Lock()


def register(platform: Platform) -> None:
    _PLATFORMS[platform.slug] = platform


def load_modules() -> dict[str, Platform]:
    """Import every module of this package once (each registers itself); return the platforms."""
    global _loaded
    with _load_lock:
        if not _loaded:
            package = __name__.rpartition(".")[0]
            for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
                if module.name != "core" and not module.name.startswith("_"):
                    importlib.import_module(f"{package}.{module.name}")
            _loaded = True
    return dict(_PLATFORMS)


# --- Dispatch -------------------------------------------------------------------------


def dispatch(state: SandboxState, request: Request) -> Response:
    """Route a request whose ``path`` is the full URL path; may sleep for latency and faults."""
    platforms = load_modules()
    head, _, rest = request.path.lstrip("/").partition("/")
    rest = "/" + rest
    if head == "_sandbox":
        response = _call(CONTROL_ROUTES, state, _relocate(request, rest, ""), _control_not_found)
        return with_range(request, response)  # sample media answer Range requests
    if head in platforms:
        return _serve_api(state, platforms[head], _relocate(request, rest, head))
    if head.endswith("-web") and head.removesuffix("-web") in platforms:
        slug = head.removesuffix("-web")
        return _call(platforms[slug].web, state, _relocate(request, rest, slug), _page_not_found)
    return Response.json(404, {"error": "not_found", "detail": f"no sandbox route {request.path}"})


def _relocate(request: Request, path: str, platform: str) -> Request:
    return dataclasses.replace(request, path=path, platform=platform)


def _serve_api(state: SandboxState, platform: Platform, request: Request) -> Response:
    # Faulted requests are recorded too: a test must see that the client did try.
    state.record(request)
    if state.latency_ms > 0:
        time.sleep(state.latency_ms / 1000)
    found = platform.api.match(request.method, request.path)
    route = found[0] if found else None
    fault = state.take_fault(platform.slug, request.method, request.path)
    if fault is not None and fault.kind in ERROR_FAULT_KINDS:
        response = platform.fault_response(fault, request)
    elif any(state.is_revoked(token) for token in _presented_tokens(request)):
        # A token revoked at the platform's revoke endpoint is refused everywhere after, with
        # the platform's own invalid-token answer.
        response = platform.fault_response(Fault(kind="expired_token"), request)
    elif fault is not None and fault.after_effect:
        # The platform acts, then the answer never arrives in time: the outcome is unknown to
        # the client, which must look the post up before retrying.
        response = _call(platform.api, state, request, platform.not_found)
        time.sleep(fault.delay_s)
    else:
        if fault is not None:  # latency, or a timeout the client gives up on before we act
            time.sleep(fault.delay_s)
        response = _call(platform.api, state, request, platform.not_found)
    return platform.finish(request, route, response)


def _presented_tokens(request: Request) -> list[str]:
    """The access tokens a request authenticates with: a bearer (or Facebook's ``OAuth``)
    header, or Meta's ``access_token`` parameter in the query or a form body."""
    scheme, _, header_token = request.headers.get("authorization", "").partition(" ")
    tokens = [header_token.strip()] if scheme.lower() in ("bearer", "oauth") else []
    tokens += request.query.get("access_token", [])
    tokens.append(request.form.get("access_token", ""))
    return [token for token in tokens if token]


def _call(
    routes: Routes,
    state: SandboxState,
    request: Request,
    not_found: Callable[[Request], Response],
) -> Response:
    found = routes.match(request.method, request.path)
    if found is None:
        return not_found(request)
    route, match = found
    try:
        return route.handler(state, request, match)
    except Exception:
        # A bug in the sandbox must surface as a loud 500, not as a hung client.
        logger.exception("sandbox handler %s failed", route.name)
        return Response.json(500, {"error": "sandbox_handler_failed", "route": route.name})


def _control_not_found(request: Request) -> Response:
    return Response.json(404, {"ok": False, "error": f"no control endpoint {request.path}"})


def _page_not_found(request: Request) -> Response:
    return Response.html(404, "<!doctype html><html><body><h1>Page not found</h1></body></html>")


# --- HTTP server ----------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: SandboxServer
    # HTTP/1.1 keeps connections alive, as the platforms do; clients reuse them in benchmarks.
    protocol_version = "HTTP/1.1"
    # Idle keep-alive connections are closed instead of pinning a thread forever.
    timeout = 30
    # Headers and body go out in two writes; with Nagle on, delayed ACKs add ~40 ms per call.
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        length = self._content_length()
        if length is None:
            # The body was not read, so the connection cannot carry another request.
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        request = parse_request(self.command, self.path, dict(self.headers.items()), body)
        self._write(dispatch(self.server.state, request))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _content_length(self) -> int | None:
        """The body size to read, or None after answering a body the sandbox will not read."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._write(Response.json(411, {"error": "length_required"}))
            return None
        raw = self.headers.get("Content-Length") or "0"
        if not raw.isdigit():
            self._write(Response.json(400, {"error": "bad_content_length"}))
            return None
        if int(raw) > MAX_BODY_BYTES:
            self._write(Response.json(413, {"error": "body_too_large", "max": MAX_BODY_BYTES}))
            return None
        return int(raw)

    def _write(self, response: Response) -> None:
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(response.length))
            self.end_headers()
            self.wfile.write(response.body)
            for chunk in response.stream:
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first (a timeout fault does this on purpose); nobody to answer.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        # The request line is the full path: Meta's calls carry access_token in the query and
        # the OAuth pages code and state. `make run` prints these lines, so never whole.
        logger.info("%s %s", self.address_string(), redact(format % args))


class SandboxServer(ThreadingHTTPServer):
    """The HTTP server; ``state`` is shared by all handler threads."""

    daemon_threads = True  # a handler sleeping through a timeout fault must not block exit

    def __init__(self, address: tuple[str, int], state: SandboxState) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start_thread(self) -> None:
        # poll_interval bounds how long stop() waits for the serve loop to notice.
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port; handler threads still sleeping are daemons."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()


def make_server(host: str, port: int, state: SandboxState) -> SandboxServer:
    load_modules()
    return SandboxServer((host, port), state)


def serve_in_thread(
    host: str = "127.0.0.1", port: int = 0, state: SandboxState | None = None
) -> tuple[SandboxServer, str]:
    """Serve in a daemon thread (port 0 = any free port); call ``server.stop()`` when done."""
    server = make_server(host, port, state or SandboxState())
    server.start_thread()
    return server, server.base_url
