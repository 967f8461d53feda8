from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from accounts.models import Store
from tests.webhooks.receiver import Receiver
from webhooks.models import WebhookEndpoint
from webhooks.services import webhook_endpoint_create

# Names the tests resolve without DNS (the test machines may have none).
FAKE_HOSTS = {
    "hooks.shop.example": "93.184.215.14",  # public
    "intranet.shop.example": "10.1.2.3",  # private
    "metadata.shop.example": "169.254.169.254",  # link-local: cloud metadata
}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in FAKE_HOSTS:
            return real(FAKE_HOSTS[host], port, *args, **kwargs)
        if isinstance(host, str) and host.endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def production_guard(settings: Any) -> None:
    """The SSRF guard as production runs it."""
    settings.MEDIA_ALLOW_LOOPBACK = False
    settings.MEDIA_ALLOW_PRIVATE = False
    settings.MEDIA_ALLOW_HTTP = False


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    """A storefront listening on loopback, which the guard is told to allow."""
    settings.MEDIA_ALLOW_LOOPBACK = True
    settings.MEDIA_ALLOW_HTTP = True
    server = Receiver()
    try:
        yield server
    finally:
        server.stop()


def endpoint_for(
    receiver: Receiver, store: Store, events: list[str] | None = None
) -> WebhookEndpoint:
    """An endpoint pointed at the receiver, which learns its secret."""
    endpoint, secret = webhook_endpoint_create(
        store=store, url=receiver.url, events=events or ["post.published"]
    )
    receiver.secret = secret
    return endpoint
