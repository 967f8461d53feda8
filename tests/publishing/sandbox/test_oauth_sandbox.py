"""The sandbox's OAuth endpoints over real HTTP, as a client that is not ours would see
them: registered apps only, PKCE checked, codes single use, tokens short-lived, refresh
tokens rotating where the platform rotates them, revocation. No database."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from publishing.sandbox import SandboxServer, SandboxState, serve_in_thread
from publishing.sandbox._oauth import Grant, OAuthApp
from tests.support.connect import consent_form

CLIENT, SECRET = "client-1", "secret-1"
CALLBACK = "https://service.example/connect/{platform}/callback"
VERIFIER = "v" * 64
CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).decode().rstrip("=")
)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    server, _ = serve_in_thread(state=SandboxState(token_ttl_s=60))
    for platform in ("x", "youtube", "tiktok"):
        app = OAuthApp(CLIENT, SECRET, (CALLBACK.format(platform=platform),))
        server.state.oauth.register_app(platform, app)
    yield server
    server.stop()


def _x_authorize(server: SandboxServer, **overrides: str) -> str:
    params = {
        "response_type": "code",
        "client_id": CLIENT,
        "redirect_uri": CALLBACK.format(platform="x"),
        "scope": "tweet.read tweet.write users.read offline.access",
        "state": "st-1",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
        **overrides,
    }
    return f"{server.base_url}/x-web/i/oauth2/authorize?{urlencode(params)}"


def _approve(url: str, decision: str = "approve", username: str = "shop_x") -> dict[str, str]:
    page = requests.get(url, timeout=5)
    form = consent_form(page.text)
    data = {**form.fields, "username": username, "decision": decision}
    answer = requests.post(
        requests.compat.urljoin(page.url, form.action), data=data, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(CALLBACK.format(platform="x") + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _x_token(server: SandboxServer, **form: str) -> requests.Response:
    return requests.post(
        f"{server.base_url}/x/2/oauth2/token", data=form, auth=(CLIENT, SECRET), timeout=5
    )


def _me(server: SandboxServer, token: str) -> int:
    return requests.get(
        f"{server.base_url}/x/2/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=5
    ).status_code


def test_unknown_clients_and_unregistered_redirect_uris_get_an_error_page(
    server: SandboxServer,
) -> None:
    for url in (
        _x_authorize(server, client_id="someone-else"),
        _x_authorize(server, redirect_uri="https://evil.example/cb"),
        _x_authorize(server, redirect_uri=CALLBACK.format(platform="x") + "/more"),
    ):
        page = requests.get(url, allow_redirects=False, timeout=5)
        assert page.status_code == 400 and "location" not in page.headers
        assert "text/html" in page.headers["content-type"]


def test_x_without_pkce_is_sent_back_with_invalid_request(server: SandboxServer) -> None:
    page = requests.get(_x_authorize(server, code_challenge=""), allow_redirects=False, timeout=5)
    assert page.status_code == 302
    assert parse_qs(urlsplit(page.headers["location"]).query)["error"] == ["invalid_request"]


def test_code_exchange_checks_pkce_and_is_single_use_then_refresh_rotates(
    server: SandboxServer,
) -> None:
    code = _approve(_x_authorize(server))["code"]
    redirect_uri = CALLBACK.format(platform="x")
    wrong = _x_token(server, grant_type="authorization_code", code=code,
                     redirect_uri=redirect_uri, code_verifier="w" * 64)  # fmt: skip
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_request"
    # The failed attempt spent the code, as a stolen code must not be retried at leisure.
    code = _approve(_x_authorize(server))["code"]
    answer = _x_token(server, grant_type="authorization_code", code=code,
                      redirect_uri=redirect_uri, code_verifier=VERIFIER)  # fmt: skip
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert tokens["token_type"] == "bearer" and 0 < tokens["expires_in"] <= 60
    assert set(tokens) == {"token_type", "expires_in", "access_token", "scope", "refresh_token"}
    again = _x_token(server, grant_type="authorization_code", code=code,
                     redirect_uri=redirect_uri, code_verifier=VERIFIER)  # fmt: skip
    assert again.status_code == 400
    assert _me(server, tokens["access_token"]) == 200

    refreshed = _x_token(server, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    reused = _x_token(server, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert reused.status_code == 400  # rotated: the old refresh token is spent
    assert _me(server, new["access_token"]) == 200

    revoked = requests.post(
        f"{server.base_url}/x/2/oauth2/revoke",
        data={"token": new["access_token"]},
        auth=(CLIENT, SECRET),
        timeout=5,
    )
    assert revoked.json() == {"revoked": True}
    assert _me(server, new["access_token"]) == 401
    gone = _x_token(server, grant_type="refresh_token", refresh_token=new["refresh_token"])
    assert gone.status_code == 400


def test_expired_tokens_are_refused_and_a_wrong_secret_is_a_401(server: SandboxServer) -> None:
    code = _approve(_x_authorize(server))["code"]
    redirect_uri = CALLBACK.format(platform="x")
    tokens = _x_token(server, grant_type="authorization_code", code=code,
                      redirect_uri=redirect_uri, code_verifier=VERIFIER).json()  # fmt: skip
    assert server.state.oauth.expire("x", tokens["access_token"])
    assert _me(server, tokens["access_token"]) == 401
    bad = requests.post(
        f"{server.base_url}/x/2/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(CLIENT, "wrong"),
        timeout=5,
    )
    assert bad.status_code == 401


def test_deny_sends_the_platforms_error_back(server: SandboxServer) -> None:
    assert _approve(_x_authorize(server), decision="deny") == {
        "error": "access_denied",
        "state": "st-1",
    }


def test_google_refresh_keeps_its_refresh_token_and_tiktok_rotates(server: SandboxServer) -> None:
    state = server.state.oauth

    google = state.issue(
        Grant("youtube", "chan", "https://www.googleapis.com/auth/youtube.upload", CLIENT),
        with_refresh=True,
    )
    answer = requests.post(
        f"{server.base_url}/youtube/token",
        data={"grant_type": "refresh_token", "refresh_token": google.refresh_token,
              "client_id": CLIENT, "client_secret": SECRET},
        timeout=5,
    )  # fmt: skip
    assert answer.status_code == 200 and "refresh_token" not in answer.json()
    assert state.grant_for("youtube", answer.json()["access_token"]) is not None

    creator = state.issue(Grant("tiktok", "maker", "video.publish", CLIENT), with_refresh=True)
    answer = requests.post(
        f"{server.base_url}/tiktok/v2/oauth/token/",
        data={"grant_type": "refresh_token", "refresh_token": creator.refresh_token,
              "client_key": CLIENT, "client_secret": SECRET},
        timeout=5,
    )  # fmt: skip
    body = answer.json()
    assert answer.status_code == 200 and body["open_id"] == "tt-maker"
    assert body["refresh_token"] != creator.refresh_token and body["refresh_expires_in"] > 0
