"""The pinned connection over HTTPS: it connects to the vetted address, yet TLS (SNI and the
certificate check) is for the URL's host name.

A real TLS server on 127.0.0.1 holds certificates from a test CA (trustme) that the client is
made to trust; DNS is simulated at ``socket.getaddrinfo`` and connections are recorded at
urllib3's ``create_connection``, as in test_media_fetch.py. Nothing reaches the internet.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests.adapters
import trustme
import urllib3.util.connection

from publishing.media import MediaFetchError, fetch_media

HOST = "media.test"
BODY = b"\x89PNG over tls"
IMAGES = ("image/",)
MB = 1024 * 1024


@dataclass
class TlsServer:
    """An image host on 127.0.0.1 serving ``certificate``; records SNI names and Host headers."""

    port: int = 0
    sni: list[str | None] = field(default_factory=list)
    hosts_seen: list[str] = field(default_factory=list)

    def url(self, host: str = HOST) -> str:
        return f"https://{host}:{self.port}/a.png"


@contextlib.contextmanager
def tls_server(certificate: trustme.LeafCert) -> Iterator[TlsServer]:
    state = TlsServer()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            state.hosts_seen.append(self.headers.get("Host", ""))
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)

    def remember_sni(sock: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        state.sni.append(name)

    context.sni_callback = remember_sni
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    # The handshake runs at accept(); one that fails is an OSError the server skips.
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    state.port = httpd.server_address[1]
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(autouse=True)
def trusted(ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The client trusts the test CA instead of the public ones (requests reads its bundle
    path at each request; the session ignores REQUESTS_CA_BUNDLE, trust_env being off)."""
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setattr(requests.adapters, "DEFAULT_CA_BUNDLE_PATH", str(bundle))


DNS: dict[str, str] = {}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Made-up names answer from DNS; every lookup is recorded."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in DNS:
            lookups.append(host)
            return real(DNS[host], port, *args, **kwargs)
        if isinstance(host, str) and host.endswith(".test"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    DNS.clear()
    yield lookups
    DNS.clear()


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a connection is opened to; only loopback is really connected."""
    real = urllib3.util.connection.create_connection
    opened: list[str] = []

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        opened.append(address[0])
        if address[0] not in ("127.0.0.1", "::1"):
            raise ConnectionRefusedError(f"test: no connection to {address[0]}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return opened


@pytest.fixture(autouse=True)
def https_media(settings: Any) -> None:
    """Production's rules (https only, private ranges refused) but loopback allowed, where
    the test server lives."""
    settings.MEDIA_ALLOW_LOOPBACK = True
    settings.MEDIA_ALLOW_PRIVATE = False
    settings.MEDIA_ALLOW_HTTP = False
    settings.MEDIA_FETCH_TIMEOUT = 5.0
    settings.MEDIA_FETCH_CONNECT_TIMEOUT = 2.0
    settings.MEDIA_FETCH_DEADLINE = 10.0


def _refusal(url: str) -> MediaFetchError:
    with pytest.raises(MediaFetchError) as raised:
        fetch_media(url, max_bytes=MB, allowed_types=IMAGES)
    return raised.value


def test_the_pinned_address_is_dialled_and_tls_is_for_the_host_name(
    ca: trustme.CA, connections: list[str], fake_dns: list[str]
) -> None:
    DNS[HOST] = "127.0.0.1"
    # The certificate names only the host, not 127.0.0.1: checking it against the address
    # the connection went to would fail.
    with tls_server(ca.issue_cert(HOST)) as server:
        fetched = fetch_media(server.url(), max_bytes=MB, allowed_types=IMAGES)
    assert fetched.data == BODY
    assert fetched.content_type == "image/png"
    assert fake_dns == [HOST]  # resolved once, by the guard
    assert connections == ["127.0.0.1"]
    assert server.sni == [HOST]
    assert server.hosts_seen == [f"{HOST}:{server.port}"]


def test_a_certificate_for_another_name_is_refused(ca: trustme.CA, connections: list[str]) -> None:
    DNS[HOST] = "127.0.0.1"
    with tls_server(ca.issue_cert("other.test")) as server:
        error = _refusal(server.url())
    assert isinstance(error.__cause__, requests.exceptions.SSLError)
    assert HOST in str(error.__cause__)  # the name it was checked against
    assert connections == ["127.0.0.1"]
    assert server.sni == [HOST]
    assert server.hosts_seen == []  # no request was sent over the refused connection


def test_a_certificate_for_the_pinned_address_is_not_enough(ca: trustme.CA) -> None:
    # Valid for 127.0.0.1, where the connection goes, but not for the name in the URL.
    DNS[HOST] = "127.0.0.1"
    with tls_server(ca.issue_cert("127.0.0.1")) as server:
        error = _refusal(server.url())
    assert isinstance(error.__cause__, requests.exceptions.SSLError)
    assert server.hosts_seen == []


def test_a_certificate_from_an_untrusted_authority_is_refused() -> None:
    DNS[HOST] = "127.0.0.1"
    with tls_server(trustme.CA().issue_cert(HOST)) as server:
        error = _refusal(server.url())
    assert isinstance(error.__cause__, requests.exceptions.SSLError)
    assert "certificate verify failed" in str(error.__cause__)
    assert server.hosts_seen == []


@pytest.mark.parametrize("address", ["10.1.2.3", "169.254.169.254"])
def test_a_name_resolving_to_a_private_address_is_refused_before_connecting(
    ca: trustme.CA, connections: list[str], address: str
) -> None:
    DNS["intranet.test"] = address
    with tls_server(ca.issue_cert("intranet.test")) as server:
        error = _refusal(server.url("intranet.test"))
    assert "not a public address" in str(error)
    assert connections == []
    assert server.sni == []


def test_loopback_names_are_refused_when_loopback_is_not_allowed(
    ca: trustme.CA, settings: Any, connections: list[str]
) -> None:
    settings.MEDIA_ALLOW_LOOPBACK = False
    DNS[HOST] = "127.0.0.1"
    with tls_server(ca.issue_cert(HOST)) as server:
        error = _refusal(server.url())
    assert "not a public address" in str(error)
    assert connections == []
    assert server.sni == []
