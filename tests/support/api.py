"""Calling the publish API from tests."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from accounts.models import Store

PUBLISH_URL = "/functions/v1/social-publish"


def publish(api: APIClient, store: Store, **overrides: Any) -> dict[str, Any]:
    """POST a valid publish request (an immediate X post unless overridden); its answer."""
    body: dict[str, Any] = {
        "store_id": str(store.pk),
        "platforms": ["x"],
        "content": {"text": "فستان صيفي جديد", "media": [], "link": None},
        "schedule_at": None,
    }
    body.update(overrides)
    response = api.post(PUBLISH_URL, body, format="json")
    assert response.status_code == 200, response.json()
    answer: dict[str, Any] = response.json()
    return answer


def post_status(api: APIClient, post_id: str) -> str:
    status: str = api.get(f"{PUBLISH_URL}/{post_id}").json()["status"]
    return status
