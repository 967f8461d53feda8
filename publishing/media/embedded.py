"""The IPv4 addresses an IPv6 address carries, for the SSRF guard to judge instead.

Several IPv6 forms reach an IPv4 host: IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible
(::a.b.c.d) addresses are that host on a dual-stack machine; 6to4 (2002::/16), NAT64
(64:ff9b::/96, 64:ff9b:1::/48) and Teredo (2001::/32) are relayed to it by a gateway. Python's
ipaddress judges them as IPv6 addresses, and some pass as global (2002:7f00:1:: is 127.0.0.1),
so a URL naming one would reach a loopback, private or metadata address behind the guard's back.
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")
# RFC 6052 2.2: where the IPv4 address sits for each NAT64 prefix length; bits 64-71 (the "u"
# octet) are always skipped. A local-use prefix may be any of these lengths within its /48,
# and the address does not say which the operator chose, so every layout is judged.
_RFC6052_LAYOUTS = (48, 56, 64, 96)


def embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses ``ip`` leads to, or [] when it is a plain address of its own."""
    if isinstance(ip, ipaddress.IPv4Address):
        return []
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        # (server, client): the client is where the relay delivers; the server is reached too.
        return list(ip.teredo)
    if ip in _NAT64_WELL_KNOWN:
        return [_low_32_bits(ip)]
    if ip in _NAT64_LOCAL_USE:
        return [_rfc6052(ip, length) for length in _RFC6052_LAYOUTS]
    # :: and ::1 are IPv6's own unspecified and loopback addresses, not IPv4-compatible ones.
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:
        return [_low_32_bits(ip)]
    return []


def _low_32_bits(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)


def _rfc6052(ip: ipaddress.IPv6Address, prefix_length: int) -> ipaddress.IPv4Address:
    """The IPv4 address in ``ip`` under an RFC 6052 prefix of ``prefix_length`` bits."""
    # The 32 bits after the prefix, stepping over the u octet (byte 8) where they cross it.
    raw = ip.packed
    after_prefix = [i for i in range(prefix_length // 8, 16) if i != 8]
    return ipaddress.IPv4Address(bytes(raw[i] for i in after_prefix[:4]))
