"""The sandbox's Meta OAuth over real HTTP: consent pages, codes, token exchange and refresh,
identity reads, and tokens that the publish endpoints accept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from publishing.sandbox import facebook, instagram, threads
from publishing.sandbox._meta_oauth import app_scoped_id
from publishing.sandbox._oauth import OAuthApp
from publishing.sandbox.core import SandboxServer, serve_in_thread
from tests.support.oauth_form import consent_form, submit_consent

REDIRECT = "https://shop.example/callback?from=sandbox"


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    server, _ = serve_in_thread()
    for platform in ("facebook", "instagram", "threads"):
        server.state.oauth.register_app(platform, OAuthApp("app-1", "s", (REDIRECT,)))
    try:
        yield server
    finally:
        server.stop()


def _authorize(server: SandboxServer, path: str, **extra: str) -> requests.Response:
    query = {"client_id": "app-1", "redirect_uri": REDIRECT, "state": "st-1", **extra}
    return requests.get(f"{server.base_url}{path}?{urlencode(query)}", timeout=5)


def _code(server: SandboxServer, path: str, scope: str = "", **fields: str) -> str:
    page = _authorize(server, path, **({"scope": scope} if scope else {}))
    answer = submit_consent(requests.Session(), page, "approve", fields=fields)
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT + "&")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["st-1"] and query["from"] == ["sandbox"]
    return query["code"][0]


def _json(response: requests.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _error(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()["error"]
    return body


@pytest.mark.parametrize(
    "path",
    [
        "/threads-web/oauth/authorize",
        "/instagram-web/oauth/authorize",
        "/instagram-web/fb/v25.0/dialog/oauth",
        "/facebook-web/v25.0/dialog/oauth",
    ],
)
def test_consent_page_is_one_plain_form(server: SandboxServer, path: str) -> None:
    page = _authorize(server, path, scope="a_b,c_d")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script" not in page.text
    form = consent_form(page)
    assert form.decisions == ["approve", "deny"]
    assert '<button type="submit" name="decision" value="approve">' in page.text
    assert form.fields["state"] == "st-1" and form.fields["redirect_uri"] == REDIRECT

    denied = submit_consent(requests.Session(), page, "deny")
    query = parse_qs(urlsplit(denied.headers["location"]).query)
    assert denied.status_code == 302
    assert (query["error"], query["error_reason"], query["state"]) == (
        ["access_denied"],
        ["user_denied"],
        ["st-1"],
    )
    assert "code" not in query


def test_consent_page_refuses_a_bad_request(server: SandboxServer) -> None:
    bad = requests.get(f"{server.base_url}/threads-web/oauth/authorize?client_id=x", timeout=5)
    assert bad.status_code == 400
    unknown = _authorize(server, "/threads-web/oauth/authorize", client_id="not-registered")
    assert unknown.status_code == 400 and "not registered" in unknown.text
    elsewhere = _authorize(
        server, "/facebook-web/v25.0/dialog/oauth", redirect_uri="https://evil.example/"
    )
    assert elsewhere.status_code == 400 and "redirect_uri" in elsewhere.text


def test_exchanges_check_the_apps_secret(server: SandboxServer) -> None:
    code = _code(server, "/threads-web/oauth/authorize")
    exchange = {
        "client_id": "app-1",
        "client_secret": "wrong",
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
        "code": code,
    }
    assert (
        _error(requests.post(f"{server.base_url}/threads/oauth/access_token", data=exchange))[
            "code"
        ]
        == 1
    )
    code = _code(server, "/threads-web/oauth/authorize")
    short = _json(
        requests.post(
            f"{server.base_url}/threads/oauth/access_token",
            data={**exchange, "client_secret": "s", "code": code},
        )
    )
    long = requests.get(
        f"{server.base_url}/threads/access_token",
        timeout=5,
        params={
            "grant_type": "th_exchange_token",
            "client_secret": "wrong",
            "access_token": short["access_token"],
        },
    )
    assert _error(long)["code"] == 1


def test_threads_code_short_long_refresh_and_publish(server: SandboxServer) -> None:
    code = _code(
        server,
        "/threads-web/oauth/authorize",
        "threads_basic,threads_content_publish",
        username="shop_t",
    )
    exchange = {
        "client_id": "app-1",
        "client_secret": "s",
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
        "code": code,
    }
    short = _json(requests.post(f"{server.base_url}/threads/oauth/access_token", data=exchange))
    assert short["user_id"] == int(threads.sandbox_user_id("shop_t"))
    again = requests.post(f"{server.base_url}/threads/oauth/access_token", data=exchange)
    assert _error(again)["error_subcode"] == 36009  # a code is single use

    base = f"{server.base_url}/threads"
    refused = requests.get(
        f"{base}/refresh_access_token",
        timeout=5,
        params={"grant_type": "th_refresh_token", "access_token": short["access_token"]},
    )
    assert _error(refused)["code"] == 190  # only long-lived tokens refresh
    long = _json(
        requests.get(
            f"{base}/access_token",
            timeout=5,
            params={
                "grant_type": "th_exchange_token",
                "client_secret": "s",
                "access_token": short["access_token"],
            },
        )
    )
    assert long["token_type"] == "bearer" and 0 < long["expires_in"] <= 86400
    fresh = _json(
        requests.get(
            f"{base}/v1.0/refresh_access_token",
            timeout=5,
            params={"grant_type": "th_refresh_token", "access_token": long["access_token"]},
        )
    )
    assert fresh["access_token"] != long["access_token"]

    me = _json(
        requests.get(
            f"{base}/v1.0/me",
            timeout=5,
            params={"fields": "id,username", "access_token": fresh["access_token"]},
        )
    )
    assert me == {"id": threads.sandbox_user_id("shop_t"), "username": "shop_t"}
    post = requests.post(
        f"{base}/v1.0/me/threads",
        timeout=5,
        params={
            "media_type": "TEXT",
            "text": "hi",
            "auto_publish_text": "true",
            "access_token": fresh["access_token"],
        },
    )
    assert post.status_code == 200, post.text
    # The granted scopes ride on the token: threads_delete was not asked for.
    delete = requests.delete(
        f"{base}/v1.0/{post.json()['id']}",
        timeout=5,
        params={"access_token": fresh["access_token"]},
    )
    assert delete.status_code != 200


def test_codes_are_bound_to_redirect_uri_and_client(server: SandboxServer) -> None:
    url = f"{server.base_url}/threads/oauth/access_token"
    exchange = {
        "client_id": "app-1",
        "client_secret": "s",
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
    }
    code = _code(server, "/threads-web/oauth/authorize")
    wrong_uri = requests.post(url, data={**exchange, "code": code, "redirect_uri": REDIRECT + "x"})
    assert _error(wrong_uri)["error_subcode"] == 36008
    code = _code(server, "/threads-web/oauth/authorize")
    assert _error(requests.post(url, data={**exchange, "code": code, "client_id": "other"}))
    assert _error(requests.post(url, data={**exchange, "code": "nope"}))["error_subcode"] == 36007
    # A Threads code means nothing to Instagram.
    code = _code(server, "/threads-web/oauth/authorize")
    ig = requests.post(
        f"{server.base_url}/instagram/api/oauth/access_token", data={**exchange, "code": code}
    )
    assert _error(ig)["error_subcode"] == 36007


def test_instagram_login_flow(server: SandboxServer) -> None:
    code = _code(
        server,
        "/instagram-web/oauth/authorize",
        "instagram_business_basic,instagram_business_content_publish",
        username="shop_i",
    )
    short = _json(
        requests.post(
            f"{server.base_url}/instagram/api/oauth/access_token",
            data={
                "client_id": "app-1",
                "client_secret": "s",
                "grant_type": "authorization_code",
                "redirect_uri": REDIRECT,
                "code": code,
            },
        )
    )["data"][0]
    assert short["user_id"] == app_scoped_id("instagram", "shop_i")
    assert short["permissions"] == "instagram_business_basic,instagram_business_content_publish"
    ig = f"{server.base_url}/instagram/ig"
    long = _json(
        requests.get(
            f"{ig}/access_token",
            timeout=5,
            params={
                "grant_type": "ig_exchange_token",
                "client_secret": "s",
                "access_token": short["access_token"],
            },
        )
    )
    fresh = _json(
        requests.get(
            f"{ig}/refresh_access_token",
            timeout=5,
            params={"grant_type": "ig_refresh_token", "access_token": long["access_token"]},
        )
    )
    me = _json(
        requests.get(
            f"{ig}/v25.0/me",
            timeout=5,
            params={"fields": "user_id,username", "access_token": fresh["access_token"]},
        )
    )
    assert me["user_id"] == instagram.sandbox_user_id("shop_i") and me["username"] == "shop_i"
    limit = requests.get(
        f"{ig}/v25.0/{me['user_id']}/content_publishing_limit",
        timeout=5,
        params={"access_token": fresh["access_token"]},
    )
    assert limit.status_code == 200, limit.text
    # An Instagram Login token is no good on the Facebook host.
    on_fb = requests.get(
        f"{server.base_url}/instagram/fb/v25.0/{me['user_id']}/content_publishing_limit",
        timeout=5,
        params={"access_token": fresh["access_token"]},
    )
    assert _error(on_fb)["code"] == 190


def test_instagram_through_facebook_login(server: SandboxServer) -> None:
    code = _code(server, "/instagram-web/fb/v25.0/dialog/oauth", username="shop_f")
    fb = f"{server.base_url}/instagram/fb/v25.0"
    short = _json(
        requests.get(
            f"{fb}/oauth/access_token",
            timeout=5,
            params={
                "client_id": "app-1",
                "client_secret": "s",
                "redirect_uri": REDIRECT,
                "code": code,
            },
        )
    )
    long = _json(
        requests.get(
            f"{fb}/oauth/access_token",
            timeout=5,
            params={
                "grant_type": "fb_exchange_token",
                "client_id": "app-1",
                "client_secret": "s",
                "fb_exchange_token": short["access_token"],
            },
        )
    )
    token = long["access_token"]
    assert _json(requests.get(f"{fb}/me", params={"access_token": token}))["id"] == app_scoped_id(
        "facebook", "shop_f"
    )
    pages = _json(
        requests.get(
            f"{fb}/me/accounts",
            timeout=5,
            params={
                "fields": "id,name,instagram_business_account{id,username}",
                "access_token": token,
            },
        )
    )
    linked = pages["data"][0]["instagram_business_account"]
    assert linked == {"id": instagram.sandbox_user_id("shop_f"), "username": "shop_f"}
    limit = requests.get(
        f"{fb}/{linked['id']}/content_publishing_limit", timeout=5, params={"access_token": token}
    )
    assert limit.status_code == 200, limit.text


def test_facebook_pages_and_their_tokens(server: SandboxServer) -> None:
    code = _code(
        server, "/facebook-web/v25.0/dialog/oauth", username="owner", pages="shop_a,shop_b"
    )
    fb = f"{server.base_url}/facebook/v25.0"
    short = _json(
        requests.get(
            f"{fb}/oauth/access_token",
            timeout=5,
            params={
                "client_id": "app-1",
                "client_secret": "s",
                "redirect_uri": REDIRECT,
                "code": code,
            },
        )
    )
    assert short["expires_in"] == 3600
    long = _json(
        requests.get(
            f"{fb}/oauth/access_token",
            timeout=5,
            params={
                "grant_type": "fb_exchange_token",
                "client_id": "app-1",
                "client_secret": "s",
                "fb_exchange_token": short["access_token"],
            },
        )
    )
    again = requests.get(
        f"{fb}/oauth/access_token",
        timeout=5,
        params={
            "grant_type": "fb_exchange_token",
            "client_id": "app-1",
            "client_secret": "s",
            "fb_exchange_token": "sbx.facebook-user.owner!forged",
        },
    )
    assert _error(again)["code"] == 190
    pages = _json(
        requests.get(
            f"{fb}/me/accounts",
            timeout=5,
            params={"fields": "id,name,access_token,tasks", "access_token": long["access_token"]},
        )
    )["data"]
    assert [p["name"] for p in pages] == ["shop_a", "shop_b"]
    assert (
        pages[1]["id"] == facebook.sandbox_page_id("shop_b")
        and "CREATE_CONTENT" in pages[1]["tasks"]
    )
    # The Page token publishes to its Page; the user token does not.
    post = requests.post(
        f"{fb}/{pages[1]['id']}/feed",
        timeout=5,
        data={"message": "hi", "access_token": pages[1]["access_token"]},
    )
    assert post.status_code == 200, post.text
    as_user = requests.post(
        f"{fb}/{pages[1]['id']}/feed",
        timeout=5,
        data={"message": "hi", "access_token": long["access_token"]},
    )
    assert _error(as_user)["code"] == 190
