"""Which addresses a caller-supplied URL may reach: the SSRF guard's policy.

The host is resolved exactly once, here; every address it answers must be allowed, and
the connection is then made to one of those addresses (publishing.media.pinning), never
to whatever a second lookup would answer. That closes DNS rebinding: a name answering a
public address to the check and 127.0.0.1 to the connection.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from publishing.media.embedded import IPAddress, embedded_ipv4
from publishing.media.errors import MediaFetchError

# "This network": connecting to 0.x.x.x reaches the local host on Linux.
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")


def address_allowed(address: str) -> bool:
    """Whether a connection to ``address`` is allowed under the current settings.

    An IPv6 address that leads to IPv4 hosts (mapped, compatible, 6to4, NAT64, Teredo) is
    allowed only if every one of them is: it is judged by where it really goes.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    inner = embedded_ipv4(ip)
    if inner:
        return all(_allowed(v4) for v4 in inner)
    return _allowed(ip)


def _allowed(ip: IPAddress) -> bool:
    if ip.is_unspecified or (ip.version == 4 and ip in _THIS_NETWORK):
        return False
    if ip.is_loopback:
        return bool(settings.MEDIA_ALLOW_LOOPBACK)
    if ip.is_link_local or ip.is_multicast or ip.is_reserved:
        # Link-local holds cloud metadata (169.254.169.254, fe80::): never, whatever
        # the settings say.
        return False
    if ip.is_global:
        return True
    if ip.is_private:
        return bool(settings.MEDIA_ALLOW_PRIVATE)
    # Shared address space (100.64/10), documentation ranges and the like.
    return False


@dataclass(frozen=True)
class PinnedTarget:
    """A URL's host, resolved once and vetted: connect to ``address``, say ``hostname``."""

    scheme: str
    hostname: str
    port: int
    address: str


def media_schemes() -> set[str]:
    """The schemes a media URL may use: https, and plain http only where settings allow it
    (the embedded default and the sandbox)."""
    return {"https", "http"} if settings.MEDIA_ALLOW_HTTP else {"https"}


def check_url(url: str) -> PinnedTarget:
    """Resolve ``url``'s host once and check every address it answers.

    Raise MediaFetchError unless the URL may be fetched under the current settings;
    otherwise return the address to connect to.
    """
    parts = urlsplit(url)
    allowed_schemes = media_schemes()
    if parts.scheme not in allowed_schemes:
        raise MediaFetchError(f"Media URLs must use {' or '.join(sorted(allowed_schemes))}.")
    if not parts.hostname:
        raise MediaFetchError("The media URL has no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise MediaFetchError("The media URL has an invalid port.") from exc
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise MediaFetchError(f"The media host {parts.hostname!r} does not resolve.") from exc
    addresses = [str(info[4][0]) for info in infos]
    # All of them, not just the one used: a refused address among allowed ones means
    # the name is not trustworthy.
    if not addresses or not all(address_allowed(address) for address in addresses):
        raise MediaFetchError(f"The media host {parts.hostname!r} is not a public address.")
    return PinnedTarget(parts.scheme, parts.hostname, port, addresses[0])
