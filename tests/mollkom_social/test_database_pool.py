"""The PostgreSQL pool after the database dropped the service's connections."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from django.db import connection

from tests.support.api import PUBLISH_URL
from tests.support.postgres import terminate_backends

pytestmark = pytest.mark.django_db(transaction=True)


def test_request_after_the_database_terminated_the_pooled_connections_succeeds(
    live_server: Any, api_key: str
) -> None:
    url = f"{live_server.url}{PUBLISH_URL}"
    headers = {"Authorization": f"Bearer {api_key}"}
    first = requests.get(url, headers=headers, timeout=10)
    assert first.status_code == 200, first.text
    # This thread's connection goes back to the pool too, so every pooled connection is
    # one the server may be handed next.
    connection.close()

    assert terminate_backends() >= 1

    second = requests.get(url, headers=headers, timeout=10)
    assert second.status_code == 200, second.text
    assert second.json() == {"success": True, "posts": [], "next_cursor": None}
