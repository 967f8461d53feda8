from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.sandbox._oauth import register_app_everywhere
from publishing.sandbox.core import SandboxServer, serve_in_thread
from tests.factories import ApiKeyFactory, SocialAccountFactory, StoreFactory
from tests.support.sandbox import platform_urls


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    # Throttle counters live in the cache: every test starts with a fresh allowance.
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _media_root(tmp_path_factory: pytest.TempPathFactory, settings: Any) -> None:
    # Relayed media (converted images) go to a fresh directory, never the checkout's var/.
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture
def store(db: Any) -> Store:
    return StoreFactory.create()


@pytest.fixture
def api_key(store: Store) -> str:
    _, raw = ApiKeyFactory.create_with_raw(store=store)
    return raw


@pytest.fixture
def api(api_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    return client


@pytest.fixture
def x_account(store: Store) -> SocialAccount:
    return SocialAccountFactory.create(store=store, platform="x")


@pytest.fixture
def sandbox(settings: Any) -> Iterator[SandboxServer]:
    """The sandbox platforms on a free local port, with the service pointed at it."""
    server, base_url = serve_in_thread()
    for name, value in platform_urls(base_url).items():
        setattr(settings, name, value)
    settings.MEDIA_ALLOW_LOOPBACK = True
    settings.MEDIA_ALLOW_HTTP = True
    # The sandbox knows our app, as `make run`'s does (revocation authenticates with it).
    register_app_everywhere(
        server.state.oauth,
        client_id=settings.SANDBOX_OAUTH_CLIENT_ID,
        client_secret=settings.SANDBOX_OAUTH_CLIENT_SECRET,
        public_base_url=settings.PUBLIC_BASE_URL,
    )
    try:
        yield server
    finally:
        server.stop()
