"""A requests transport that connects only to addresses the SSRF guard vetted.

requests resolves the URL's host again when it connects; this adapter replaces the host
it connects to with the pinned address, while the URL keeps the name, so the Host header,
TLS SNI and certificate verification are all for the name the caller gave.

Why not a library: ``advocate`` is unmaintained; ``requests-hardened`` filters addresses
at connect time but knows only "allow loopback", not our private-range setting nor our
link-local/metadata rule. The mechanism is urllib3's own ``server_hostname`` and
``assert_hostname`` pool options, so this stays small.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from publishing.media.addresses import PinnedTarget


class UnpinnedHostError(requests.exceptions.InvalidURL):
    """A request for a host nobody vetted: refused rather than resolved again."""


class PinnedAdapter(HTTPAdapter):
    """Connects ``host:port`` only to the address pinned for it with ``pin``."""

    def __init__(self) -> None:
        super().__init__(max_retries=0)
        self._pins: dict[tuple[str, str, int], str] = {}

    def pin(self, target: PinnedTarget) -> None:
        self._pins[(target.scheme, target.hostname.lower(), target.port)] = target.address

    # The stubs type the result as TypedDicts without urllib3's server_hostname and
    # assert_hostname keys, which urllib3 does accept as pool keys.
    def build_connection_pool_key_attributes(  # type: ignore[override]
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        params, kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        host_params: dict[str, Any] = dict(params)
        pool_kwargs: dict[str, Any] = dict(kwargs)
        parts = urlsplit(request.url or "")
        hostname = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = self._pins.get((parts.scheme, hostname, port))
        if address is None:
            # Fail closed: resolving here would reopen the rebinding hole.
            raise UnpinnedHostError(f"No vetted address for {hostname!r}.")
        host_params["host"] = address
        if parts.scheme == "https":
            # The pool key includes these, so a pool is never shared between names.
            pool_kwargs["server_hostname"] = hostname
            pool_kwargs["assert_hostname"] = hostname
        return host_params, pool_kwargs


def pinned_session(adapter: PinnedAdapter) -> requests.Session:
    """A session whose every request goes through ``adapter``."""
    session = requests.Session()
    # Proxies from the environment would connect on our behalf to the name, unpinned.
    session.trust_env = False
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def host_header(target: PinnedTarget) -> str:
    """The Host header for the name (urllib3 would otherwise send the pinned address)."""
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.hostname}]" if ":" in target.hostname else target.hostname
    return host if target.port == default else f"{host}:{target.port}"
