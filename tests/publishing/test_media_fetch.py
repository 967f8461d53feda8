"""The media fetcher against real HTTP servers on loopback, with DNS simulated at
``socket.getaddrinfo`` (as tests/webhooks/conftest.py does) and connections recorded at
urllib3's ``create_connection``: nothing here reaches the internet."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import urllib3.util.connection

from publishing.media import (
    MediaFetchError,
    address_allowed,
    check_url,
    fetch_media,
    open_media,
)
from webhooks.http import webhook_send
from webhooks.signing import SignedRequest

PUBLIC = "93.184.215.14"
IMAGES = ("image/",)
MB = 1024 * 1024

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Server:
    """A media host on 127.0.0.1: each path answers with its handler."""

    routes: dict[str, Handler] = field(default_factory=dict)
    hosts_seen: list[str] = field(default_factory=list)
    httpd: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self.httpd is not None
        return self.httpd.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


def send(
    handler: BaseHTTPRequestHandler,
    body: bytes = b"\x89PNG fake",
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> None:
    handler.send_response(status)
    all_headers = {"Content-Type": "image/png", "Content-Length": str(len(body))}
    all_headers.update(headers or {})
    for name, value in all_headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()

    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            state.hosts_seen.append(self.headers.get("Host", ""))
            route = state.routes.get(self.path)
            if route is None:
                send(self, b"no", status=404, headers={"Content-Type": "text/plain"})
                return
            # The fetcher hanging up early is what several tests expect of it.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                route(self)

        do_POST = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            pass

    state.httpd = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
    state.httpd.daemon_threads = True
    thread = threading.Thread(target=state.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.httpd.shutdown()
        state.httpd.server_close()


# Each fake name maps to the answers of successive lookups; the last one repeats.
DNS: dict[str, list[str]] = {}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    real = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in DNS:
            lookups.append(host)
            answers = DNS[host]
            answer = answers[min(lookups.count(host), len(answers)) - 1]
            return real(answer, port, *args, **kwargs)
        if isinstance(host, str) and host.endswith(".example"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    DNS.clear()
    yield lookups
    DNS.clear()


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a connection is opened to; anything but loopback is refused, so a
    test that gets past the guard to a public address still stays off the internet."""
    real = urllib3.util.connection.create_connection
    opened: list[str] = []

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        opened.append(address[0])
        if address[0] not in ("127.0.0.1", "::1"):
            raise ConnectionRefusedError(f"test: no connection to {address[0]}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return opened


@pytest.fixture
def local_media(settings: Any) -> None:
    """The embedded default: loopback over http allowed, private ranges not."""
    settings.MEDIA_ALLOW_LOOPBACK = True
    settings.MEDIA_ALLOW_PRIVATE = False
    settings.MEDIA_ALLOW_HTTP = True
    settings.MEDIA_FETCH_TIMEOUT = 5.0
    settings.MEDIA_FETCH_CONNECT_TIMEOUT = 2.0
    settings.MEDIA_FETCH_DEADLINE = 10.0


# --- Address classification ---------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "loopback_allowed", "private_allowed", "allowed"),
    [
        (PUBLIC, False, False, True),
        ("127.0.0.1", False, False, False),
        ("127.0.0.1", True, False, True),
        ("::ffff:127.0.0.1", False, False, False),
        ("::ffff:127.0.0.1", True, False, True),
        ("::ffff:10.1.2.3", False, False, False),
        ("::ffff:10.1.2.3", False, True, True),
        ("::ffff:169.254.169.254", True, True, False),
        ("::ffff:93.184.215.14", False, False, True),
        ("::1", False, False, False),
        ("0.0.0.0", True, True, False),
        ("0.1.2.3", True, True, False),
        ("::", True, True, False),
        ("10.1.2.3", False, False, False),
        ("10.1.2.3", False, True, True),
        ("169.254.169.254", True, True, False),
        ("fe80::1", True, True, False),
        ("100.64.0.1", True, True, False),
        ("224.0.0.1", True, True, False),
    ],
)
def test_addresses_are_classified_by_what_they_really_are(
    settings: Any, address: str, loopback_allowed: bool, private_allowed: bool, allowed: bool
) -> None:
    settings.MEDIA_ALLOW_LOOPBACK = loopback_allowed
    settings.MEDIA_ALLOW_PRIVATE = private_allowed
    assert address_allowed(address) is allowed


def test_ipv4_mapped_loopback_url_is_refused_in_production(settings: Any) -> None:
    settings.MEDIA_ALLOW_LOOPBACK = False
    settings.MEDIA_ALLOW_HTTP = True
    DNS["mapped.shop.example"] = ["::ffff:127.0.0.1"]
    for url in ("http://[::ffff:127.0.0.1]/a.png", "http://mapped.shop.example/a.png"):
        with pytest.raises(MediaFetchError, match="not a public address"):
            check_url(url)


def test_http_is_refused_unless_allowed(settings: Any) -> None:
    settings.MEDIA_ALLOW_HTTP = False
    DNS["cdn.shop.example"] = [PUBLIC]
    with pytest.raises(MediaFetchError, match="must use https"):
        check_url("http://cdn.shop.example/a.png")
    assert check_url("https://cdn.shop.example/a.png").address == PUBLIC


def test_private_addresses_follow_the_setting(settings: Any) -> None:
    settings.MEDIA_ALLOW_HTTP = True
    DNS["intranet.shop.example"] = ["10.1.2.3"]
    settings.MEDIA_ALLOW_PRIVATE = False
    with pytest.raises(MediaFetchError, match="not a public address"):
        check_url("http://intranet.shop.example/a.png")
    settings.MEDIA_ALLOW_PRIVATE = True
    assert check_url("http://intranet.shop.example/a.png").address == "10.1.2.3"


# --- Pinning: DNS answered once -------------------------------------------------------


def test_fetch_connects_to_the_checked_address_and_keeps_the_host_name(
    server: Server, local_media: None, connections: list[str], fake_dns: list[str]
) -> None:
    server.routes["/a.png"] = send
    # The second lookup would answer a different address: it must never be made.
    DNS["media.shop.example"] = ["127.0.0.1", "10.1.2.3"]
    fetched = fetch_media(
        server.url("/a.png", "media.shop.example"), max_bytes=MB, allowed_types=IMAGES
    )
    assert fetched.data == b"\x89PNG fake"
    assert fake_dns == ["media.shop.example"]
    assert connections == ["127.0.0.1"]
    assert server.hosts_seen == [f"media.shop.example:{server.port}"]


def test_dns_rebinding_to_loopback_never_reaches_loopback(
    server: Server, settings: Any, local_media: None, connections: list[str]
) -> None:
    settings.MEDIA_ALLOW_LOOPBACK = False
    server.routes["/a.png"] = send
    # Public to the check, loopback to any later lookup (the rebinding trick).
    DNS["rebind.shop.example"] = [PUBLIC, "127.0.0.1"]
    with pytest.raises(MediaFetchError, match="Could not download"):
        fetch_media(server.url("/a.png", "rebind.shop.example"), max_bytes=MB, allowed_types=IMAGES)
    assert connections == [PUBLIC]
    assert server.hosts_seen == []


def test_a_name_with_any_refused_address_is_refused(settings: Any) -> None:
    settings.MEDIA_ALLOW_LOOPBACK = False
    settings.MEDIA_ALLOW_HTTP = True

    def both(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", both)
        with pytest.raises(MediaFetchError, match="not a public address"):
            check_url("http://two.shop.example/a.png")


# --- Redirects --------------------------------------------------------------------------


def redirect_to(location: str) -> Handler:
    return lambda handler: send(handler, b"", status=302, headers={"Location": location})


@pytest.mark.parametrize(
    "location",
    [
        "http://intranet.shop.example/a.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:10.1.2.3]/a.png",
    ],
)
def test_redirect_to_a_private_address_is_refused_before_connecting(
    server: Server, local_media: None, connections: list[str], location: str
) -> None:
    DNS["intranet.shop.example"] = ["10.1.2.3"]
    server.routes["/start"] = redirect_to(location)
    with pytest.raises(MediaFetchError, match="not a public address"):
        fetch_media(server.url("/start"), max_bytes=MB, allowed_types=IMAGES)
    assert connections == ["127.0.0.1"]


def test_allowed_redirects_are_followed_and_pinned_again(
    server: Server, local_media: None, connections: list[str]
) -> None:
    DNS["other.shop.example"] = ["127.0.0.1"]
    server.routes["/start"] = redirect_to(server.url("/a.png", "other.shop.example"))
    server.routes["/a.png"] = send
    fetched = fetch_media(server.url("/start"), max_bytes=MB, allowed_types=IMAGES)
    assert fetched.url == server.url("/a.png", "other.shop.example")
    assert server.hosts_seen[-1] == f"other.shop.example:{server.port}"


def test_endless_redirects_are_refused(server: Server, local_media: None) -> None:
    server.routes["/loop"] = redirect_to("/loop")
    with pytest.raises(MediaFetchError, match="redirects too many times"):
        fetch_media(server.url("/loop"), max_bytes=MB, allowed_types=IMAGES)


# --- Size, type, deadline ------------------------------------------------------------


def test_declared_size_over_the_limit_is_refused(server: Server, local_media: None) -> None:
    server.routes["/big.png"] = lambda handler: send(handler, b"x" * 2000)
    with pytest.raises(MediaFetchError, match="larger than"):
        fetch_media(server.url("/big.png"), max_bytes=1000, allowed_types=IMAGES)


def close_delimited(size: int) -> Handler:
    """A body with no Content-Length: the server's word on its size is absent."""

    def handler(request: BaseHTTPRequestHandler) -> None:
        request.close_connection = True
        request.send_response(200)
        request.send_header("Content-Type", "image/png")
        request.send_header("Connection", "close")
        request.end_headers()
        request.wfile.write(b"x" * size)

    return handler


def test_actual_bytes_over_the_limit_are_refused(server: Server, local_media: None) -> None:
    server.routes["/sneaky.png"] = close_delimited(3 * MB)
    with pytest.raises(MediaFetchError, match="larger than 1 MB"):
        fetch_media(server.url("/sneaky.png"), max_bytes=MB, allowed_types=IMAGES)


def test_a_body_within_the_limit_without_content_length_is_fetched(
    server: Server, local_media: None
) -> None:
    server.routes["/ok.png"] = close_delimited(300_000)
    fetched = fetch_media(server.url("/ok.png"), max_bytes=MB, allowed_types=IMAGES)
    assert len(fetched.data) == 300_000


def test_wrong_content_type_is_refused(server: Server, local_media: None) -> None:
    server.routes["/page"] = lambda handler: send(
        handler, b"<html>", headers={"Content-Type": "text/html; charset=utf-8"}
    )
    with pytest.raises(MediaFetchError, match="'text/html' is not accepted"):
        fetch_media(server.url("/page"), max_bytes=MB, allowed_types=IMAGES)


def test_compressed_bodies_are_refused(server: Server, local_media: None) -> None:
    server.routes["/a.png"] = lambda handler: send(handler, headers={"Content-Encoding": "gzip"})
    with pytest.raises(MediaFetchError, match="compressed"):
        fetch_media(server.url("/a.png"), max_bytes=MB, allowed_types=IMAGES)


def test_a_slow_drip_is_cut_off_by_the_total_deadline(
    server: Server, settings: Any, local_media: None
) -> None:
    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "image/png")
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        for _ in range(1000):
            # Each byte well within the per-read timeout, the whole far beyond the deadline.
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.02)

    server.routes["/drip.png"] = drip
    settings.MEDIA_FETCH_TIMEOUT = 5.0
    settings.MEDIA_FETCH_DEADLINE = 0.5
    started = time.monotonic()
    with pytest.raises(MediaFetchError, match=r"took longer than 0\.5 s") as caught:
        fetch_media(server.url("/drip.png"), max_bytes=MB, allowed_types=IMAGES)
    assert time.monotonic() - started < 2
    assert caught.value.retryable


def test_a_read_slower_than_the_deadline_is_cut_off_at_the_deadline(
    server: Server, settings: Any, local_media: None
) -> None:
    """A host that sends a byte just less often than any read would wait: no read may end
    past the deadline, so the thread is back on time, not up to one read timeout later."""

    def stall(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "image/png")
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        with contextlib.suppress(OSError):
            for _ in range(4):
                handler.wfile.write(b"x")
                handler.wfile.flush()
                time.sleep(1.6)

    server.routes["/stall.png"] = stall
    settings.MEDIA_FETCH_TIMEOUT = 5.0
    settings.MEDIA_FETCH_DEADLINE = 2.0
    started = time.monotonic()
    with pytest.raises(MediaFetchError) as caught:
        fetch_media(server.url("/stall.png"), max_bytes=MB, allowed_types=IMAGES)
    elapsed = time.monotonic() - started
    # Bytes come at 0, 1.6 and 3.2 s: a read begun at 1.6 s must give up at 2 s, not at 3.2.
    assert 1.9 <= elapsed < 2.6
    assert str(caught.value) == (
        "Downloading the media took longer than 2 s: its host sends it too slowly. "
        "Nothing was published."
    )
    assert caught.value.retryable


def test_images_default_to_a_deadline_of_seconds_and_x_videos_keep_their_own() -> None:
    from django.conf import settings as django_settings

    from publishing.platforms.registry import get_client

    assert django_settings.MEDIA_FETCH_DEADLINE <= 60
    x = get_client("x")
    assert x.open_media.keywords == {  # type: ignore[attr-defined]
        "deadline_seconds": django_settings.X_MEDIA_DEADLINE_SECONDS
    }


# --- Streaming ------------------------------------------------------------------------


def generated(size: int) -> Handler:
    def handler(request: BaseHTTPRequestHandler) -> None:
        block = b"v" * (256 * 1024)
        request.send_response(200)
        request.send_header("Content-Type", "video/mp4")
        request.send_header("Content-Length", str(size))
        request.end_headers()
        left = size
        while left:
            piece = block if left >= len(block) else block[:left]
            request.wfile.write(piece)
            left -= len(piece)

    return handler


def test_streaming_a_large_body_keeps_memory_flat(server: Server, local_media: None) -> None:
    size = 200 * MB
    server.routes["/big.mp4"] = generated(size)
    received = 0
    tracemalloc.start()
    try:
        with open_media(
            server.url("/big.mp4"), max_bytes=size, allowed_types=("video/",)
        ) as stream:
            assert stream.content_length == size
            for chunk in stream:
                received += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received == size
    # Both ends of the transfer are in this process; together they hold a few chunks.
    assert peak < 4 * MB


def test_stream_reads_like_a_file(server: Server, local_media: None) -> None:
    server.routes["/v.mp4"] = generated(1000)
    with open_media(server.url("/v.mp4"), max_bytes=MB, allowed_types=("video/",)) as stream:
        parts = [stream.read(300) for _ in range(5)]
    assert [len(part) for part in parts] == [300, 300, 300, 100, 0]


# --- Webhooks use the same pinned connection -------------------------------------------


def test_webhook_send_never_follows_a_rebinding_name_to_loopback(
    server: Server, settings: Any, local_media: None, connections: list[str]
) -> None:
    settings.MEDIA_ALLOW_LOOPBACK = False
    settings.WEBHOOK_TIMEOUT_SECONDS = 2.0
    server.routes["/hook"] = lambda handler: send(handler, b"ok")
    DNS["hooks.shop.example"] = [PUBLIC, "127.0.0.1"]
    outcome = webhook_send(
        url=server.url("/hook", "hooks.shop.example"),
        request=SignedRequest(body=b"{}", headers={"Content-Type": "application/json"}),
    )
    assert outcome.error == "The connection to the webhook URL failed."
    assert connections == [PUBLIC]
    assert server.hosts_seen == []
