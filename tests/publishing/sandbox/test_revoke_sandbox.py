"""The sandbox's token revocation endpoints over real HTTP, and what a revoked token gets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from publishing.sandbox import instagram, tiktok, x, youtube
from publishing.sandbox._oauth import register_app_everywhere
from publishing.sandbox.core import SandboxServer, serve_in_thread

APP = ("app", "secret")


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    server, _ = serve_in_thread()
    register_app_everywhere(
        server.state.oauth, client_id=APP[0], client_secret=APP[1], public_base_url="http://s"
    )
    yield server
    server.stop()


def test_x_revoke_follows_rfc_7009_and_the_token_is_refused_after(server: SandboxServer) -> None:
    url, token = f"{server.base_url}/x/2/oauth2/revoke", x.sandbox_token("shop")
    me = f"{server.base_url}/x/2/users/me"
    assert requests.get(me, headers={"Authorization": f"Bearer {token}"}, timeout=5).ok

    missing = requests.post(url, data={"client_id": "app"}, timeout=5)
    anonymous = requests.post(url, data={"token": token}, timeout=5)
    revoked = requests.post(url, data={"token": token}, auth=("app", "secret"), timeout=5)
    unknown = requests.post(url, data={"token": "nobody", "client_id": "app"}, timeout=5)

    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "unauthorized_client")
    assert (revoked.status_code, revoked.json()) == (200, {"revoked": True})
    assert (unknown.status_code, unknown.json()) == (200, {"revoked": True})
    refused = requests.get(me, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert (refused.status_code, refused.json()["title"]) == (401, "Unauthorized")


def test_google_revoke_takes_the_token_once(server: SandboxServer) -> None:
    url, token = f"{server.base_url}/youtube/oauth2/revoke", youtube.sandbox_token("shop")
    first = requests.post(url, data={"token": token}, timeout=5)
    again = requests.post(url, params={"token": token}, timeout=5)
    assert (first.status_code, first.json()) == (200, {})
    assert (again.status_code, again.json()["error"]) == (400, "invalid_token")


def test_tiktok_revoke_needs_the_apps_credentials(server: SandboxServer) -> None:
    url, token = f"{server.base_url}/tiktok/v2/oauth/revoke/", tiktok.sandbox_token("shop")
    incomplete = requests.post(url, data={"token": token}, timeout=5)
    wrong = requests.post(url, data={"client_key": "app", "client_secret": "no", "token": token})
    full = {"client_key": APP[0], "client_secret": APP[1], "token": token}
    done = requests.post(url, data=full, timeout=5)
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    assert (incomplete.status_code, incomplete.json()["error"]) == (400, "invalid_request")
    assert "client_key" in incomplete.json()["error_description"]
    assert (done.status_code, done.json()) == (200, {})


def test_meta_permissions_delete_only_on_the_facebook_host(server: SandboxServer) -> None:
    base = f"{server.base_url}/instagram"
    fb_token = instagram.sandbox_token("shop")
    ig_token = instagram.sandbox_token("shop", login=instagram.INSTAGRAM_LOGIN)
    on_ig = requests.delete(
        f"{base}/ig/v25.0/me/permissions", params={"access_token": ig_token}, timeout=5
    )
    done = requests.delete(
        f"{base}/fb/v25.0/me/permissions", params={"access_token": fb_token}, timeout=5
    )
    again = requests.delete(
        f"{base}/fb/v25.0/me/permissions", params={"access_token": fb_token}, timeout=5
    )
    assert on_ig.status_code == 400
    assert (done.status_code, done.json()) == (200, {"success": True})
    assert again.json()["error"]["code"] == 190  # the token itself is refused now


def test_reset_forgets_revocations(server: SandboxServer) -> None:
    token = x.sandbox_token("shop")
    requests.post(
        f"{server.base_url}/x/2/oauth2/revoke", data={"token": token}, auth=APP, timeout=5
    )
    assert server.state.is_revoked(token)
    requests.post(f"{server.base_url}/_sandbox/reset", timeout=5).raise_for_status()
    assert not server.state.is_revoked(token)
