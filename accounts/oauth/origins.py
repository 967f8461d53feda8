"""Origins a store allows its connect flows to return to."""

from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_REDIRECT_URL_LENGTH = 2000


def _origin(value: str) -> str:
    """``scheme://host[:port]`` of an absolute http(s) URL, lowercased, default port dropped."""
    parts = urlsplit(value.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError("must be an absolute http or https URL")
    if parts.username is not None or parts.password is not None:
        # https://shop.example@evil.example/ would look allowed to a careless reader.
        raise ValueError("must not carry a user name or password")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("has an invalid port") from None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def normalize_origin(value: str) -> str:
    """An origin as stored: nothing after the host and port."""
    parts = urlsplit(value.strip())
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("an origin is scheme://host[:port], without a path")
    return _origin(value)


def redirect_url_origin(url: str) -> str:
    """The origin of a redirect_url; ValueError when it is not one we could ever allow."""
    if len(url) > MAX_REDIRECT_URL_LENGTH:
        raise ValueError(f"must be at most {MAX_REDIRECT_URL_LENGTH} characters")
    if any(ch in url for ch in "\r\n\t\\") or url != url.strip():
        raise ValueError("must be a plain absolute URL")
    if urlsplit(url).fragment:
        raise ValueError("must not have a fragment (the outcome is added to the query)")
    return _origin(url)
