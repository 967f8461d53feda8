"""The OpenAPI document is exact: JSON, valid OpenAPI 3, a Bearer scheme on every operation,
every error status with the one error envelope, and typed request bodies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openapi_spec_validator import validate
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ENVELOPE = {"$ref": "#/components/schemas/ErrorEnvelope"}


@pytest.fixture
def schema() -> dict[str, Any]:
    response = APIClient().get("/functions/v1/openapi.json")
    assert response["Content-Type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()
    ]


def test_the_schema_is_valid_openapi_3(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_the_schema_generates_without_warnings(tmp_path: Path) -> None:
    # Each warning is a place where the document guesses ("Defaulting to string").
    call_command("spectacular", "--fail-on-warn", "--validate", file=str(tmp_path / "s.yaml"))


def test_every_operation_requires_the_bearer_api_key(schema: dict[str, Any]) -> None:
    assert schema["components"]["securitySchemes"]["ApiKey"]["type"] == "http"
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    for path, method, op in operations(schema):
        assert op["security"] == [{"ApiKey": []}], (method, path)


def test_every_error_status_answers_the_one_envelope(schema: dict[str, Any]) -> None:
    envelope = schema["components"]["schemas"]["ErrorEnvelope"]
    assert envelope["required"] == ["error", "success"]
    for path, method, op in operations(schema):
        statuses = set(op["responses"])
        assert {"401", "429"} <= statuses, (method, path)
        if "requestBody" in op:
            assert {"400", "413", "415"} <= statuses, (method, path)
        if "{" in path:
            assert "404" in statuses, (method, path)
        for status, response in op["responses"].items():
            if int(status) >= 400:
                assert response["content"]["application/json"]["schema"] == ENVELOPE
                assert response["description"], (method, path, status)


def test_publish_documents_its_own_errors(schema: dict[str, Any]) -> None:
    responses = schema["paths"]["/functions/v1/social-publish"]["post"]["responses"]
    assert set(responses) == {
        "200", "400", "401", "403", "409", "413", "415", "422", "429", "503",
    }  # fmt: skip
    assert "outcome_unknown" in responses["503"]["description"]


def test_publish_options_are_typed_per_platform(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    body = components["PublishInput"]
    assert body["additionalProperties"] is False
    assert body["properties"]["schedule_at"]["format"] == "date-time"
    options = components["PublishOptions"]
    assert set(options["properties"]) == {
        "instagram", "facebook", "x", "threads", "tiktok", "youtube",
    }  # fmt: skip
    assert options["additionalProperties"] is False
    tiktok = components["TikTokOptions"]
    assert tiktok["additionalProperties"] is False
    assert components["PrivacyLevelEnum"]["enum"] == [
        "PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY",
    ]  # fmt: skip
    assert tiktok["properties"]["photo_cover_index"]["maximum"] == 34
    assert components["InstagramOptionsFormatEnum"]["enum"] == ["feed", "reel", "story"]
    assert set(components["YouTubeOptions"]["properties"]) == {
        "text", "format", "title", "tags", "privacy", "made_for_kids",
    }  # fmt: skip
