"""Revocation requests as the real platforms get them, with the app's credentials configured
(the HTTP edge mocked; the sandbox-backed behaviour is in tests/api/test_social_accounts.py)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses

from accounts.revoke import NO_TOKEN, REVOKED, UNCONFIRMED, Tokens, token_revoke


@pytest.fixture
def real_platforms(settings: Any) -> Any:
    settings.X_API_BASE_URL = "https://api.x.com"
    settings.X_CLIENT_ID, settings.X_CLIENT_SECRET = "x-client", "x-secret"
    settings.YOUTUBE_OAUTH_BASE_URL = "https://oauth2.googleapis.com"
    settings.TIKTOK_API_BASE_URL = "https://open.tiktokapis.com"
    settings.TIKTOK_CLIENT_KEY, settings.TIKTOK_CLIENT_SECRET = "tt-key", "tt-secret"
    settings.INSTAGRAM_GRAPH_BASE_URL = "https://graph.facebook.com/v25.0"
    return settings


def form(call: Any) -> dict[str, list[str]]:
    return parse_qs(call.request.body)


@responses.activate
def test_x_confidential_client_authenticates_with_basic_auth(real_platforms: Any) -> None:
    responses.post("https://api.x.com/2/oauth2/revoke", json={"revoked": True})
    result = token_revoke(platform="x", tokens=Tokens("acc", "ref"))
    assert result.status == REVOKED
    first, second = responses.calls
    basic = base64.b64encode(b"x-client:x-secret").decode()
    assert first.request.headers["Authorization"] == f"Basic {basic}"
    assert form(first) == {"token": ["ref"], "token_type_hint": ["refresh_token"]}
    assert form(second) == {"token": ["acc"], "token_type_hint": ["access_token"]}


@responses.activate
def test_google_gets_the_refresh_token(real_platforms: Any) -> None:
    responses.post("https://oauth2.googleapis.com/revoke", json={})
    assert token_revoke(platform="youtube", tokens=Tokens("acc", "ref")).status == REVOKED
    [call] = responses.calls
    assert form(call) == {"token": ["ref"]}


@responses.activate
def test_tiktok_gets_the_apps_credentials_and_the_access_token(real_platforms: Any) -> None:
    responses.post("https://open.tiktokapis.com/v2/oauth/revoke/", json={})
    assert token_revoke(platform="tiktok", tokens=Tokens("acc", "ref")).status == REVOKED
    [call] = responses.calls
    assert form(call) == {
        "client_key": ["tt-key"],
        "client_secret": ["tt-secret"],
        "token": ["acc"],
    }


@responses.activate
def test_meta_deletes_the_users_permissions(real_platforms: Any) -> None:
    responses.delete("https://graph.facebook.com/v25.0/me/permissions", json={"success": True})
    result = token_revoke(platform="instagram", tokens=Tokens("acc", "", "facebook"))
    assert result.status == REVOKED
    [call] = responses.calls
    assert call.request.url == "https://graph.facebook.com/v25.0/me/permissions?access_token=acc"


@responses.activate
def test_a_refusal_leaves_the_revocation_unconfirmed(real_platforms: Any) -> None:
    responses.post(
        "https://oauth2.googleapis.com/revoke",
        status=400,
        json={"error": "invalid_client", "error_description": "The OAuth client was not found."},
    )
    result = token_revoke(platform="youtube", tokens=Tokens("acc"))
    assert result.status == UNCONFIRMED
    assert "HTTP 400" in result.message


@responses.activate
def test_nothing_stored_means_nothing_to_revoke(real_platforms: Any) -> None:
    assert token_revoke(platform="x", tokens=Tokens("")).status == NO_TOKEN
    assert len(responses.calls) == 0
