from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Store, StoreAllowedOrigin
from publishing.sandbox._oauth import register_app_everywhere
from publishing.sandbox.core import SandboxServer
from tests.support.connect import SHOP_ORIGIN


@pytest.fixture
def connect_ready(live_server: Any, sandbox: SandboxServer, settings: Any, store: Store) -> str:
    """Our service on a live server (the callback), the sandbox knowing our app and its
    redirect URIs, and the store allowing https://shop.example. The live server's URL."""
    settings.PUBLIC_BASE_URL = live_server.url
    register_app_everywhere(
        sandbox.state.oauth,
        client_id=settings.SANDBOX_OAUTH_CLIENT_ID,
        client_secret=settings.SANDBOX_OAUTH_CLIENT_SECRET,
        public_base_url=live_server.url,
    )
    StoreAllowedOrigin.objects.create(store=store, origin=SHOP_ORIGIN)
    return str(live_server.url)
