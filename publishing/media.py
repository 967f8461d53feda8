"""Fetching media from the URLs a post names, with SSRF protection and size limits.

A media URL comes from the caller, so the host it resolves to is checked before any
connection is made, and again on every redirect: only public addresses, unless the
settings allow loopback (the embedded default, to publish local files) or private
ranges. Bodies are read in chunks and abandoned as soon as they pass the limit.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings

MAX_REDIRECTS = 5
CHUNK_SIZE = 64 * 1024


class MediaFetchError(Exception):
    """The media could not be fetched or is not acceptable; the message says why.

    ``retryable`` is true when the failure may pass (the host did not answer).
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class FetchedMedia:
    url: str
    content_type: str
    data: bytes


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if ip.is_loopback:
        return bool(settings.MEDIA_ALLOW_LOOPBACK)
    if ip.is_global:
        return True
    if ip.is_private and not ip.is_link_local:
        return bool(settings.MEDIA_ALLOW_PRIVATE)
    # Link-local (cloud metadata at 169.254.169.254), multicast, reserved: never.
    return False


def check_url(url: str) -> None:
    """Raise MediaFetchError unless ``url`` may be fetched under the current settings."""
    parts = urlsplit(url)
    allowed_schemes = {"https", "http"} if settings.MEDIA_ALLOW_HTTP else {"https"}
    if parts.scheme not in allowed_schemes:
        raise MediaFetchError(f"Media URLs must use {' or '.join(sorted(allowed_schemes))}.")
    if not parts.hostname:
        raise MediaFetchError("The media URL has no host.")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise MediaFetchError(f"The media host {parts.hostname!r} does not resolve.") from exc
    for info in infos:
        if not _address_allowed(str(info[4][0])):
            raise MediaFetchError(f"The media host {parts.hostname!r} is not a public address.")


def fetch_media(url: str, *, max_bytes: int, allowed_types: tuple[str, ...]) -> FetchedMedia:
    """Fetch a media file whose Content-Type starts with one of ``allowed_types``."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        check_url(current)
        try:
            response = requests.get(
                current, stream=True, allow_redirects=False, timeout=settings.MEDIA_FETCH_TIMEOUT
            )
        except requests.RequestException as exc:
            raise MediaFetchError(
                f"Could not download the media: {type(exc).__name__}.", retryable=True
            ) from exc
        with response:
            if response.is_redirect:
                current = urljoin(current, response.headers.get("Location", ""))
                continue
            if response.status_code != 200:
                raise MediaFetchError(
                    f"Downloading the media answered HTTP {response.status_code}.",
                    retryable=response.status_code >= 500 or response.status_code == 429,
                )
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if not content_type.startswith(allowed_types):
                raise MediaFetchError(
                    f"The media's type {content_type or 'unknown'!r} is not accepted."
                )
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise MediaFetchError(f"The media is larger than {max_bytes // (1024 * 1024)} MB.")
            body = bytearray()
            for chunk in response.iter_content(CHUNK_SIZE):
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise MediaFetchError(
                        f"The media is larger than {max_bytes // (1024 * 1024)} MB."
                    )
            return FetchedMedia(url=current, content_type=content_type, data=bytes(body))
    raise MediaFetchError("The media URL redirects too many times.")
