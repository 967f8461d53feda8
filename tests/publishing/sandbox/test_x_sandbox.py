"""The sandbox's X API over real HTTP: behaviour, faults, control API, and the spec's shapes.

No database: one server in a thread for the module, its state reset before every test.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from publishing.sandbox import SandboxServer, serve_in_thread
from publishing.sandbox import _x_rules as rules
from publishing.sandbox.x import sandbox_token, sandbox_user_id

PROJECT_ROOT = Path(__file__).resolve().parents[3]
X_SPEC = PROJECT_ROOT.parent / "shared" / "specs" / "x" / "x-api-v2.openapi.json"
SPEC_URI = "urn:x-api-v2"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # bytes that break naive text handling


# --- Spec -----------------------------------------------------------------------------


@cache
def x_spec() -> dict[str, Any]:
    return json.loads(X_SPEC.read_text())


@cache
def _registry() -> Registry:
    # OpenAPI 3.0 schemas are a draft-4 dialect; their "#/components/..." refs resolve inside
    # the spec registered under one URI.
    return Registry().with_resource(SPEC_URI, Resource.from_contents(x_spec(), DRAFT4))


def assert_matches(instance: Any, schema_name: str) -> None:
    schema = {"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}
    validator = Draft4Validator(schema, registry=_registry())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, errors


def spec_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = x_spec()["components"]["schemas"][name]
    return schema


# --- Fixtures and helpers -------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    server, _ = serve_in_thread()
    yield server
    server.stop()


@pytest.fixture
def sandbox(server: SandboxServer) -> SandboxServer:
    server.state.reset()
    return server


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def api(sandbox: SandboxServer, path: str) -> str:
    return f"{sandbox.base_url}/x{path}"


def auth(username: str = "alice") -> dict[str, str]:
    return {"Authorization": f"Bearer {sandbox_token(username)}"}


def tweet(
    http: requests.Session, sandbox: SandboxServer, body: dict[str, Any], user: str = "alice"
) -> requests.Response:
    return http.post(api(sandbox, "/2/tweets"), json=body, headers=auth(user), timeout=5)


def upload(
    http: requests.Session,
    sandbox: SandboxServer,
    data: bytes = PNG,
    category: str = "tweet_image",
    user: str = "alice",
) -> requests.Response:
    return http.post(
        api(sandbox, "/2/media/upload"),
        files={"media": ("photo.png", data, "image/png")},
        data={"media_category": category},
        headers=auth(user),
        timeout=10,
    )


def add_fault(http: requests.Session, sandbox: SandboxServer, **fault: Any) -> None:
    response = http.post(f"{sandbox.base_url}/_sandbox/faults", json=fault, timeout=5)
    assert response.json() == {"ok": True}


def wait_for(condition: Callable[[], bool], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


# --- Users and auth -------------------------------------------------------------------


def test_health_lists_the_platforms(sandbox: SandboxServer, http: requests.Session) -> None:
    response = http.get(f"{sandbox.base_url}/_sandbox/health", timeout=5)
    assert response.json() == {
        "ok": True,
        "platforms": ["facebook", "instagram", "threads", "tiktok", "x", "youtube"],
    }


def test_users_me_returns_the_token_user_with_a_stable_numeric_id(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    response = http.get(api(sandbox, "/2/users/me"), headers=auth("Shop_42"), timeout=5)

    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "id": sandbox_user_id("Shop_42"),
            "name": "Shop_42 (sandbox)",
            "username": "Shop_42",
        }
    }
    assert rules.is_numeric_id(sandbox_user_id("Shop_42"))
    assert sandbox_user_id("Shop_42") == sandbox_user_id("shop_42") != sandbox_user_id("other")
    assert_matches(response.json(), "GetUsersMeResponse")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": "Bearer sbx.x."},
        {"Authorization": "Bearer sbx.x.name_longer_than_15"},
        {"Authorization": "Bearer sbx.instagram.alice"},
        {"Authorization": "Basic sbx.x.alice"},
    ],
)
def test_missing_or_invalid_token_is_x_401(
    sandbox: SandboxServer, http: requests.Session, headers: dict[str, str]
) -> None:
    response = http.post(api(sandbox, "/2/tweets"), json={"text": "hi"}, headers=headers, timeout=5)

    assert response.status_code == 401
    assert response.json() == {
        "title": "Unauthorized",
        "type": "about:blank",
        "status": 401,
        "detail": "Unauthorized",
    }
    assert sandbox.state.posts("x") == []


# --- Create, list, delete -------------------------------------------------------------


def test_create_post_returns_201_with_spec_shape_and_stores_it(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    response = tweet(http, sandbox, {"text": "New spring menu is out"})

    assert response.status_code == 201
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert_matches(body, "CreatePostsResponse")
    data = body["data"]
    assert rules.is_numeric_id(data["id"])
    assert data["text"] == "New spring menu is out"
    assert data["edit_history_tweet_ids"] == data["edit_history_post_ids"] == [data["id"]]
    # Nothing beyond the spec's fields, except the live API's name for the edit history.
    spec_fields = set(spec_schema("CreatePostsResponseData")["properties"])
    assert set(data) <= spec_fields | {"edit_history_tweet_ids"}

    [stored] = sandbox.state.posts("x")
    assert stored["id"] == data["id"]
    assert stored["author_id"] == sandbox_user_id("alice")
    assert stored["created_at"].endswith("Z")
    assert datetime.fromisoformat(stored["created_at"]).tzinfo is not None


def test_post_text_comes_back_html_escaped_like_x(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    response = tweet(http, sandbox, {"text": "Fish & chips <today>"})

    assert response.json()["data"]["text"] == "Fish &amp; chips &lt;today&gt;"
    assert sandbox.state.posts("x")[0]["text"] == "Fish & chips <today>"


def test_duplicate_text_of_same_user_is_403_until_deleted(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    first = tweet(http, sandbox, {"text": "Same words"})
    duplicate = tweet(http, sandbox, {"text": "Same words"})
    other_user = tweet(http, sandbox, {"text": "Same words"}, user="bob")

    assert first.status_code == 201
    assert duplicate.status_code == 403
    assert duplicate.json() == {
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
    }
    assert other_user.status_code == 201

    post_id = first.json()["data"]["id"]
    http.delete(api(sandbox, f"/2/tweets/{post_id}"), headers=auth(), timeout=5)
    assert tweet(http, sandbox, {"text": "Same words"}).status_code == 201


def test_concurrent_duplicates_create_exactly_one_post(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    def post(_: int) -> int:
        with requests.Session() as session:
            return tweet(session, sandbox, {"text": "race"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(post, range(8)))

    assert statuses == [201] + [403] * 7
    assert len(sandbox.state.posts("x")) == 1


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("a" * 280, 201),
        ("a" * 281, 400),
        ("漢" * 140, 201),  # CJK weighs 2
        ("漢" * 141, 400),
        ("https://example.com/" + "x" * 300, 201),  # any URL counts 23
    ],
)
def test_text_limit_is_280_weighted_characters(
    sandbox: SandboxServer, http: requests.Session, text: str, status: int
) -> None:
    response = tweet(http, sandbox, {"text": text})

    assert response.status_code == status
    if status == 400:
        assert_matches(response.json(), "InvalidRequestProblem")
        assert "weighted length" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": "hi", "colour": "red"}, "$.colour: is not defined in the schema"),
        ({"text": "hi", "media": {"media_ids": ["1"], "alt": "x"}}, "$.media.alt: is not defined"),
        ({"text": "hi", "media": {"media_ids": []}}, "$.media.media_ids: expected at least 1"),
        ({"text": "hi", "media": {"media_ids": ["1"] * 5}}, "expected at most 4 items"),
        ({"text": "hi", "media": {"media_ids": [1]}}, "$.media.media_ids[0]: does not match"),
        ({"text": 5}, "$.text: integer found, string expected"),
        ({}, "$.text: text is required unless media is attached"),
        ({"text": "   "}, "$.text: text is required"),
        ({"text": "hi", "reply_settings": "everyone"}, "does not have a value in the enumeration"),
        ({"text": "hi", "poll": {"options": ["a"], "duration_minutes": 60}}, "at least 2 items"),
        ({"text": "hi", "poll": {"options": ["a", "b"], "duration_minutes": 60}, "card_uri": "c"},
         "mutually exclusive"),
    ],
)  # fmt: skip
def test_body_that_breaks_the_spec_schema_is_400_invalid_request(
    sandbox: SandboxServer, http: requests.Session, body: dict[str, Any], message: str
) -> None:
    response = tweet(http, sandbox, body)

    assert response.status_code == 400
    problem = response.json()
    assert_matches(problem, "InvalidRequestProblem")
    assert problem["type"] == "https://api.x.com/2/problems/invalid-request"
    assert any(message in error["message"] for error in problem["errors"]), problem
    assert sandbox.state.posts("x") == []


def test_non_json_body_is_400(sandbox: SandboxServer, http: requests.Session) -> None:
    as_form = http.post(api(sandbox, "/2/tweets"), data={"text": "hi"}, headers=auth(), timeout=5)
    as_list = http.post(api(sandbox, "/2/tweets"), json=["hi"], headers=auth(), timeout=5)

    assert as_form.status_code == as_list.status_code == 400


def test_create_validates_every_property_name_of_the_spec() -> None:
    request_schema = spec_schema("CreatePostsRequest")
    assert request_schema["additionalProperties"] is False
    assert set(rules.CREATE_POST_PROPERTIES) == set(request_schema["properties"])
    upload_schema = spec_schema("MediaUploadRequest")
    assert list(rules.MEDIA_CATEGORIES) == upload_schema["properties"]["media_category"]["enum"]


def test_reply_to_unknown_post_is_403(sandbox: SandboxServer, http: requests.Session) -> None:
    parent = tweet(http, sandbox, {"text": "thread 1/2"}).json()["data"]["id"]

    ok = tweet(http, sandbox, {"text": "thread 2/2", "reply": {"in_reply_to_tweet_id": parent}})
    missing = tweet(http, sandbox, {"text": "lost", "reply": {"in_reply_to_tweet_id": "123"}})

    assert ok.status_code == 201
    assert missing.status_code == 403


def test_delete_own_post_then_it_is_gone(sandbox: SandboxServer, http: requests.Session) -> None:
    post_id = tweet(http, sandbox, {"text": "short-lived"}).json()["data"]["id"]

    response = http.delete(api(sandbox, f"/2/tweets/{post_id}"), headers=auth(), timeout=5)
    again = http.delete(api(sandbox, f"/2/tweets/{post_id}"), headers=auth(), timeout=5)

    assert response.status_code == 200
    assert response.json() == {"data": {"deleted": True}}
    assert_matches(response.json(), "DeletePostsResponse")
    assert sandbox.state.posts("x") == []
    assert again.status_code == 404
    assert_matches(again.json(), "ResourceNotFoundProblem")


def test_delete_of_someone_elses_post_is_not_found(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    post_id = tweet(http, sandbox, {"text": "mine"}, user="bob").json()["data"]["id"]

    response = http.delete(api(sandbox, f"/2/tweets/{post_id}"), headers=auth(), timeout=5)

    assert response.status_code == 404
    assert response.json()["type"] == "https://api.x.com/2/problems/resource-not-found"
    assert len(sandbox.state.posts("x")) == 1


def test_user_posts_newest_first_with_requested_fields(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    ids = [tweet(http, sandbox, {"text": f"post {n}"}).json()["data"]["id"] for n in range(3)]
    tweet(http, sandbox, {"text": "not alice"}, user="bob")

    response = http.get(
        api(sandbox, f"/2/users/{sandbox_user_id('alice')}/tweets"),
        params={"max_results": "5", "post.fields": "created_at"},
        headers=auth(),
        timeout=5,
    )

    assert response.status_code == 200
    body = response.json()
    assert_matches(body, "GetUsersPostsResponse")
    assert [p["id"] for p in body["data"]] == ids[::-1]
    assert [p["text"] for p in body["data"]] == ["post 2", "post 1", "post 0"]
    assert all(p["created_at"].endswith("Z") for p in body["data"])
    assert body["data"][0]["edit_history_tweet_ids"] == [ids[2]]
    assert body["meta"] == {"result_count": 3, "newest_id": ids[2], "oldest_id": ids[0]}


def test_user_posts_filters_by_start_time_and_pages(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    ids = [tweet(http, sandbox, {"text": f"post {n}"}).json()["data"]["id"] for n in range(7)]
    url = api(sandbox, f"/2/users/{sandbox_user_id('alice')}/tweets")

    future = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    none_yet = http.get(url, params={"start_time": future}, headers=auth(), timeout=5)
    first = http.get(url, params={"max_results": 5}, headers=auth(), timeout=5).json()
    token = first["meta"]["next_token"]
    second = http.get(url, params={"pagination_token": token}, headers=auth(), timeout=5).json()

    assert none_yet.json() == {"meta": {"result_count": 0}}
    assert "created_at" not in first["data"][0]
    assert [p["id"] for p in first["data"] + second["data"]] == ids[::-1]
    assert "next_token" not in second["meta"]


@pytest.mark.parametrize(
    "params",
    [{"max_results": 4}, {"max_results": 101}, {"start_time": "yesterday"}, {"since_id": "x"}],
)
def test_user_posts_rejects_bad_query(
    sandbox: SandboxServer, http: requests.Session, params: dict[str, Any]
) -> None:
    url = api(sandbox, f"/2/users/{sandbox_user_id('alice')}/tweets")

    response = http.get(url, params=params, headers=auth(), timeout=5)

    assert response.status_code == 400
    assert_matches(response.json(), "InvalidRequestProblem")


def test_user_posts_refuses_a_parameter_the_spec_does_not_declare(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    tweet(http, sandbox, {"text": "one"})
    url = api(sandbox, f"/2/users/{sandbox_user_id('alice')}/tweets")

    response = http.get(
        url, params={"max_results": "5", "tweet.fields": "created_at"}, headers=auth(), timeout=5
    )

    assert response.status_code == 400
    body = response.json()
    assert_matches(body, "InvalidRequestProblem")
    assert body == {
        "errors": [
            {
                "parameters": {"tweet.fields": ["created_at"]},
                "message": "The query parameter [tweet.fields] is not one of [id,max_results,"
                "pagination_token,start_time,end_time,since_id,until_id,exclude,post.fields,"
                "expansions,user.fields,media.fields,poll.fields,place.fields]",
            }
        ],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.x.com/2/problems/invalid-request",
    }


def test_user_posts_declared_parameters_are_the_spec_s() -> None:
    operation = x_spec()["paths"]["/2/users/{id}/tweets"]["get"]
    names = [
        x_spec()["components"]["parameters"][p["$ref"].rsplit("/", 1)[-1]]["name"]
        if "$ref" in p
        else p["name"]
        for p in operation["parameters"]
    ]
    assert tuple(names) == rules.TIMELINE_PARAMETERS


# --- Media ----------------------------------------------------------------------------


def test_upload_media_then_post_with_its_id(sandbox: SandboxServer, http: requests.Session) -> None:
    uploaded = upload(http, sandbox)

    assert uploaded.status_code == 200
    data = uploaded.json()["data"]
    assert_matches(uploaded.json(), "MediaUploadResponse")
    assert rules.is_numeric_id(data["id"])
    assert data == {
        "id": data["id"],
        "media_key": f"3_{data['id']}",
        "size": len(PNG),
        "expires_after_secs": 86400,
    }

    created = tweet(http, sandbox, {"text": "With a photo", "media": {"media_ids": [data["id"]]}})

    assert created.status_code == 201
    [post] = sandbox.state.posts("x")
    assert post["media"] == [
        {"media_id": data["id"], "media_key": data["media_key"], "category": "tweet_image"}
    ]


def test_media_only_post_needs_no_text(sandbox: SandboxServer, http: requests.Session) -> None:
    media_ids = [upload(http, sandbox).json()["data"]["id"] for _ in range(4)]

    response = tweet(http, sandbox, {"media": {"media_ids": media_ids}})

    assert response.status_code == 201
    assert response.json()["data"]["text"] == ""


def test_upload_accepts_json_base64(sandbox: SandboxServer, http: requests.Session) -> None:
    body = {"media": base64.b64encode(PNG).decode(), "media_category": "tweet_image"}
    response = http.post(api(sandbox, "/2/media/upload"), json=body, headers=auth(), timeout=5)

    assert response.status_code == 200
    assert response.json()["data"]["size"] == len(PNG)


def test_media_of_another_user_or_unknown_is_invalid(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    bobs = upload(http, sandbox, user="bob").json()["data"]["id"]

    response = tweet(http, sandbox, {"text": "hi", "media": {"media_ids": [bobs, "42"]}})

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"parameters": {"media.media_ids": [bobs, "42"]}, "message": "Your media IDs are invalid."}
    ]


def test_video_cannot_be_combined_with_other_media(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    video = upload(http, sandbox, category="tweet_video").json()["data"]
    image = upload(http, sandbox).json()["data"]["id"]

    response = tweet(http, sandbox, {"text": "mix", "media": {"media_ids": [video["id"], image]}})

    assert video["media_key"] == f"7_{video['id']}"
    assert response.status_code == 400


def test_image_over_5_mb_is_400(sandbox: SandboxServer, http: requests.Session) -> None:
    at_limit = upload(http, sandbox, data=b"\0" * (5 * 1024 * 1024))
    too_big = upload(http, sandbox, data=b"\0" * (5 * 1024 * 1024 + 1))

    assert at_limit.status_code == 200
    assert too_big.status_code == 400
    assert_matches(too_big.json(), "InvalidRequestProblem")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"media_category": "tweet_photo"}, "$.media_category: does not have a value"),
        ({"media_category": "tweet_image", "media_type": "image/png"}, "$.media_type: is not"),
        ({}, "$.media_category: is missing but it is required"),
    ],
)
def test_upload_checks_the_spec_fields(
    sandbox: SandboxServer, http: requests.Session, data: dict[str, str], message: str
) -> None:
    response = http.post(
        api(sandbox, "/2/media/upload"),
        files={"media": ("a.png", PNG, "image/png")},
        data=data,
        headers=auth(),
        timeout=5,
    )

    assert response.status_code == 400
    assert any(message in e["message"] for e in response.json()["errors"]), response.json()


# --- Headers, unknown paths -----------------------------------------------------------


def test_every_x_response_carries_rate_limit_headers(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    responses = [
        tweet(http, sandbox, {"text": "ok"}),
        tweet(http, sandbox, {"text": "ok"}),  # 403
        http.get(api(sandbox, "/2/users/me"), timeout=5),  # 401
        http.get(api(sandbox, "/2/nowhere"), headers=auth(), timeout=5),  # 404
    ]

    assert [r.status_code for r in responses] == [201, 403, 401, 404]
    for response in responses:
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        assert int(response.headers["x-rate-limit-remaining"]) >= 0
        assert int(response.headers["x-rate-limit-reset"]) > time.time()
    assert responses[0].headers["x-rate-limit-limit"] == "100"


def test_unknown_paths_are_json_404(sandbox: SandboxServer, http: requests.Session) -> None:
    for path in ("/nope", "/_sandbox/nope", "/x/2/nope"):
        response = http.get(f"{sandbox.base_url}{path}", timeout=5)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/json")
        response.json()


# --- Public post page -----------------------------------------------------------------


def test_post_page_escapes_text_and_shows_username_and_media(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    media_ids = [upload(http, sandbox).json()["data"]["id"] for _ in range(2)]
    text = '<script>alert("x")</script> Crème brûlée & مرحبا'
    post_id = tweet(http, sandbox, {"text": text, "media": {"media_ids": media_ids}}).json()[
        "data"
    ]["id"]

    page = http.get(f"{sandbox.base_url}/x-web/alice/status/{post_id}", timeout=5)

    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<html lang="en" dir="auto">' in page.text
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Crème brûlée &amp; مرحبا" in page.text
    assert "@alice" in page.text
    assert 'data-image-count="2"' in page.text


def test_post_page_for_unknown_or_deleted_post_is_404(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    post_id = tweet(http, sandbox, {"text": "gone soon"}).json()["data"]["id"]
    http.delete(api(sandbox, f"/2/tweets/{post_id}"), headers=auth(), timeout=5)

    page = http.get(f"{sandbox.base_url}/x-web/alice/status/{post_id}", timeout=5)

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")


# --- Faults ---------------------------------------------------------------------------


def test_rate_limit_fault_is_x_429_once(sandbox: SandboxServer, http: requests.Session) -> None:
    add_fault(
        http, sandbox, platform="x", method="POST", path="/2/tweets", kind="rate_limit",
        retry_after=5,
    )  # fmt: skip

    limited = tweet(http, sandbox, {"text": "first try"})
    retried = tweet(http, sandbox, {"text": "first try"})

    assert limited.status_code == 429
    assert limited.json() == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    assert limited.headers["x-rate-limit-remaining"] == "0"
    assert 4 <= int(limited.headers["x-rate-limit-reset"]) - time.time() <= 6.5
    assert retried.status_code == 201
    assert len(sandbox.state.posts("x")) == 1


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        ("server_error", 503, {"title": "Service Unavailable", "type": "about:blank"}),
        ("expired_token", 401, {"title": "Unauthorized", "type": "about:blank"}),
        (
            "no_credits",
            402,
            {
                "title": "CreditsDepleted",
                "type": "https://api.x.com/2/problems/credits",
                "detail": (
                    "Your enrolled account does not have any credits to fulfill this request."
                ),
                "status": 402,
            },
        ),
    ],
)
def test_error_faults_answer_with_x_bodies_and_create_nothing(
    sandbox: SandboxServer,
    http: requests.Session,
    kind: str,
    status: int,
    body: dict[str, Any],
) -> None:
    add_fault(http, sandbox, platform="x", method="POST", path="/2/tweets", kind=kind)

    response = tweet(http, sandbox, {"text": "hello"})

    assert response.status_code == status
    assert body.items() <= response.json().items()
    assert "x-rate-limit-limit" in response.headers
    assert sandbox.state.posts("x") == []


def test_latency_fault_delays_then_handles(sandbox: SandboxServer, http: requests.Session) -> None:
    add_fault(http, sandbox, platform="x", path="/2/users/me", kind="latency", delay_s=0.3)

    started = time.monotonic()
    response = http.get(api(sandbox, "/2/users/me"), headers=auth(), timeout=5)

    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200


def test_timeout_fault_client_gives_up_before_the_post_exists(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    add_fault(http, sandbox, platform="x", path="/2/tweets", kind="timeout", delay_s=0.5)

    with pytest.raises(requests.Timeout):
        http.post(api(sandbox, "/2/tweets"), json={"text": "slow"}, headers=auth(), timeout=0.2)

    assert sandbox.state.posts("x") == []
    # The sandbox still handles it after the delay, as a platform that was just slow would.
    assert wait_for(lambda: len(sandbox.state.posts("x")) == 1)


def test_timeout_fault_with_after_effect_creates_the_post(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    add_fault(
        http, sandbox, platform="x", path="/2/tweets", kind="timeout", delay_s=0.5,
        after_effect=True,
    )  # fmt: skip

    with pytest.raises(requests.Timeout):
        http.post(api(sandbox, "/2/tweets"), json={"text": "lost"}, headers=auth(), timeout=0.2)

    [post] = sandbox.state.posts("x")
    assert post["text"] == "lost"


def test_fault_with_times_zero_lasts_until_cleared(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    add_fault(http, sandbox, path=r"/2/users/[^/]+/tweets", kind="server_error", times=0)
    url = api(sandbox, f"/2/users/{sandbox_user_id('alice')}/tweets")

    statuses = [http.get(url, headers=auth(), timeout=5).status_code for _ in range(3)]
    unaffected = http.get(api(sandbox, "/2/users/me"), headers=auth(), timeout=5)
    http.delete(f"{sandbox.base_url}/_sandbox/faults", timeout=5)
    after_clear = http.get(url, headers=auth(), timeout=5)

    assert statuses == [503, 503, 503]
    assert unaffected.status_code == 200
    assert after_clear.status_code == 200


def test_fault_with_a_probability_hits_some_requests_and_spares_the_rest(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    add_fault(
        http, sandbox, path=r"/2/users/[^/]+/tweets", kind="server_error", times=0,
        probability=0.5,
    )  # fmt: skip
    url = api(sandbox, f"/2/users/{sandbox_user_id('alice')}/tweets")

    statuses = [http.get(url, headers=auth(), timeout=5).status_code for _ in range(60)]

    assert set(statuses) == {200, 503}  # 60 coin flips all alike: about 1 in 10^18
    assert 10 <= statuses.count(503) <= 50
    assert [f.to_json()["probability"] for f in sandbox.state.faults()] == [0.5]


def test_a_spared_request_is_not_counted_and_meets_the_next_fault(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    # One in a million: in practice never hits, so the request falls through to the 429.
    add_fault(http, sandbox, path="/2/tweets", kind="server_error", times=1, probability=1e-6)
    add_fault(http, sandbox, path="/2/tweets", kind="rate_limit")

    response = tweet(http, sandbox, {"text": "spared"})

    assert response.status_code == 429
    assert [(f.kind, f.times) for f in sandbox.state.faults()] == [("server_error", 1)]


def test_fault_matches_method(sandbox: SandboxServer, http: requests.Session) -> None:
    add_fault(
        http, sandbox, platform="x", method="DELETE", path=r"/2/tweets/\d+", kind="rate_limit"
    )

    created = tweet(http, sandbox, {"text": "keep me"})
    deleted = http.delete(
        api(sandbox, f"/2/tweets/{created.json()['data']['id']}"), headers=auth(), timeout=5
    )

    assert created.status_code == 201
    assert deleted.status_code == 429


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "meteor"},
        {"kind": "timeout", "delay": 1},
        {"kind": "latency", "platform": "myspace"},
        {"kind": "server_error", "times": -1},
        {"kind": "server_error", "after_effect": True},
        {"kind": "server_error", "probability": 0},
        {"kind": "server_error", "probability": 1.5},
        {"kind": "server_error", "probability": True},
    ],
)
def test_invalid_fault_is_rejected(
    sandbox: SandboxServer, http: requests.Session, fault: dict[str, Any]
) -> None:
    response = http.post(f"{sandbox.base_url}/_sandbox/faults", json=fault, timeout=5)

    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert sandbox.state.faults() == []


# --- Control API: recording, posts, reset, latency ------------------------------------


def test_requests_are_recorded_with_body_form_and_files(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    media_id = upload(http, sandbox).json()["data"]["id"]
    tweet(http, sandbox, {"text": "recorded", "media": {"media_ids": [media_id]}})
    http.get(api(sandbox, "/2/users/me?user.fields=created_at"), headers=auth(), timeout=5)

    recorded = http.get(f"{sandbox.base_url}/_sandbox/requests?platform=x", timeout=5).json()

    assert recorded == sandbox.state.requests("x")
    assert [(r["method"], r["path"]) for r in recorded] == [
        ("POST", "/2/media/upload"),
        ("POST", "/2/tweets"),
        ("GET", "/2/users/me"),
    ]
    upload_request, create_request, me_request = recorded
    assert upload_request["content_type"] == "multipart/form-data"
    assert upload_request["form"] == {"media_category": "tweet_image"}
    assert upload_request["files"] == {
        "media": {"filename": "photo.png", "content_type": "image/png", "size": len(PNG)}
    }
    assert upload_request["json"] is None
    assert create_request["json"] == {"text": "recorded", "media": {"media_ids": [media_id]}}
    assert create_request["headers"]["authorization"] == "Bearer sbx.x.alice"
    assert me_request["query"] == {"user.fields": ["created_at"]}
    assert all(r["platform"] == "x" and r["at"].endswith("Z") for r in recorded)

    http.delete(f"{sandbox.base_url}/_sandbox/requests", timeout=5)
    assert sandbox.state.requests("x") == []


def test_faulted_requests_are_recorded_too(sandbox: SandboxServer, http: requests.Session) -> None:
    add_fault(http, sandbox, platform="x", path="/2/tweets", kind="server_error")

    tweet(http, sandbox, {"text": "attempt"})

    assert [r["json"] for r in sandbox.state.requests("x")] == [{"text": "attempt"}]


def test_posts_endpoint_and_reset(sandbox: SandboxServer, http: requests.Session) -> None:
    post_id = tweet(http, sandbox, {"text": "visible"}).json()["data"]["id"]
    add_fault(http, sandbox, kind="server_error", times=0)

    posts = http.get(f"{sandbox.base_url}/_sandbox/posts?platform=x", timeout=5).json()
    reset = http.post(f"{sandbox.base_url}/_sandbox/reset", timeout=5)

    assert [(p["platform"], p["id"], p["text"]) for p in posts] == [("x", post_id, "visible")]
    assert reset.json() == {"ok": True}
    assert sandbox.state.posts("x") == []
    assert sandbox.state.faults() == []
    assert sandbox.state.requests() == []


def test_global_latency_applies_to_platform_calls_only(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    response = http.post(f"{sandbox.base_url}/_sandbox/latency", json={"ms": 250}, timeout=5)
    assert response.json() == {"ok": True}

    started = time.monotonic()
    http.get(f"{sandbox.base_url}/_sandbox/health", timeout=5)
    control_elapsed = time.monotonic() - started
    started = time.monotonic()
    http.get(api(sandbox, "/2/users/me"), headers=auth(), timeout=5)
    api_elapsed = time.monotonic() - started

    assert control_elapsed < 0.2
    assert api_elapsed >= 0.25
