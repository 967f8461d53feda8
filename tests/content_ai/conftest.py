"""Fixtures for content generation: a product, and Anthropic mocked at the HTTP edge.

``anthropic_http`` is a pytest-httpx-style fixture for ``httpx2`` (which the anthropic SDK
uses, and which respx does not intercept): it replaces ``httpx2.HTTPTransport``'s
``handle_request`` — the library's last step before the socket — so the real SDK, our real
provider and the real service run, and only the bytes to and from Anthropic are faked.
Any request to another host fails the test: these tests never reach the internet.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from accounts.models import Store
from content_ai.models import Product
from tests.content_ai.factories import ProductFactory

Handler = Callable[[httpx2.Request], httpx2.Response]


def message_response(
    posts: list[dict[str, Any]] | str, *, stop_reason: str = "end_turn"
) -> Handler:
    """A Messages API answer whose text block is ``posts`` (as the schema's JSON)."""
    text = posts if isinstance(posts, str) else json.dumps({"posts": posts}, ensure_ascii=False)
    body = {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 412,
            "output_tokens": 96,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 1436,
        },
    }
    return lambda request: httpx2.Response(200, json=body, headers={"request-id": "req_1"})


def error_response(status: int, kind: str, message: str, **headers: str) -> Handler:
    body = {"type": "error", "error": {"type": kind, "message": message}}
    return lambda request: httpx2.Response(status, json=body, headers=headers)


def timeout(request: httpx2.Request) -> httpx2.Response:
    raise httpx2.ReadTimeout("timed out", request=request)


class AnthropicMock:
    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []
        self.handlers: list[Handler] = []
        self.always: Handler | None = None
        self.lock = threading.Lock()

    def queue(self, *handlers: Handler) -> None:
        self.handlers.extend(handlers)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.host != "api.anthropic.com":
            raise AssertionError(f"unexpected request to {request.url}")
        request.read()
        with self.lock:
            self.requests.append(request)
            handler = self.handlers.pop(0) if self.handlers else self.always
        if handler is None:
            raise AssertionError("no answer queued for this request to Anthropic")
        return handler(request)


@pytest.fixture
def anthropic_http(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[AnthropicMock]:
    mock = AnthropicMock()
    settings.ANTHROPIC_API_KEY = "sk-ant-test-key"
    settings.ANTHROPIC_BASE_URL = ""
    settings.ANTHROPIC_MODEL = "claude-sonnet-4-6"
    settings.ANTHROPIC_MAX_RETRIES = 1
    settings.ANTHROPIC_TIMEOUT_SECONDS = 5.0
    monkeypatch.setattr(
        httpx2.HTTPTransport, "handle_request", lambda self, request: mock.handle(request)
    )
    yield mock


@pytest.fixture(autouse=True)
def _offline_unless_mocked(settings: Any) -> None:
    # A developer's ANTHROPIC_API_KEY must never make these tests call the real API.
    settings.ANTHROPIC_API_KEY = ""
    settings.AI_INITIAL_CREDITS = 100


@pytest.fixture
def product(store: Store) -> Product:
    return ProductFactory.create(store=store)
