"""Bodies too large, JSON too deep and Idempotency-Keys too long are clear 4xx, never 500s
and never parsed or written."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from mollkom_social.api.exceptions import ApiError
from mollkom_social.api.parsers import BoundedJSONParser
from publishing.models import IdempotencyKey, Post

URL = "/functions/v1/social-publish"


def body(store: Store) -> dict[str, Any]:
    return {
        "store_id": str(store.pk),
        "platforms": ["x"],
        "content": {"text": "New in store", "media": [], "link": None},
        "schedule_at": (timezone.now() + timedelta(hours=1)).isoformat(),
    }


def padded(store: Store, size: int) -> bytes:
    """A valid publish body of exactly `size` bytes (JSON allows trailing whitespace)."""
    raw = json.dumps(body(store)).encode()
    return raw + b" " * (size - len(raw))


def too_large(limit: int) -> dict[str, Any]:
    return {
        "success": False,
        "error": {
            "code": "body_too_large",
            "message": f"The request body is larger than {limit} bytes.",
            "details": {"max_bytes": limit},
        },
    }


TOO_DEEP = {
    "success": False,
    "error": {
        "code": "json_too_deep",
        "message": "The JSON body is nested more than 32 levels deep.",
        "details": {"max_depth": 32},
    },
}


def nested(depth: int) -> str:
    """A JSON object `depth` levels deep: {"a": {"a": ... {} ...}}."""
    return '{"a": ' * (depth - 1) + "{}" + "}" * (depth - 1)


# --- Size -------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_before_authentication(settings: Any, store: Store) -> None:
    settings.API_MAX_BODY_BYTES = 1000
    # No API key: the body is refused before anything else looks at the request.
    response = APIClient().post(URL, padded(store, 1001), content_type="application/json")
    assert response.status_code == 413
    assert response.json() == too_large(1000)


def test_the_default_limit_refuses_a_30_mb_body(api: APIClient, store: Store) -> None:
    response = api.post(URL, padded(store, 30 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413
    assert response.json() == too_large(1024 * 1024)
    assert not Post.objects.exists()


def test_a_body_at_the_limit_is_read(
    api: APIClient, settings: Any, store: Store, x_account: SocialAccount
) -> None:
    settings.API_MAX_BODY_BYTES = 1000
    response = api.post(URL, padded(store, 1000), content_type="application/json")
    assert response.status_code == 200, response.json()


def test_the_parser_reads_no_more_than_the_limit_without_the_middleware(
    api: APIClient, settings: Any, store: Store
) -> None:
    # A body the Content-Length check did not see (another server in front, a streamed
    # body) is still bounded where it is read.
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("BodyLimitMiddleware")]
    settings.API_MAX_BODY_BYTES = 1000
    response = api.post(URL, padded(store, 1001), content_type="application/json")
    assert response.status_code == 413
    assert response.json() == too_large(1000)


def test_a_product_bulk_sync_has_its_own_larger_limit(api: APIClient, settings: Any) -> None:
    # 500 products with long descriptions are a legitimate body far over a post's limit.
    settings.API_MAX_BODY_BYTES = 10_000
    settings.API_MAX_BULK_BODY_BYTES = 100_000
    product = {"title": "Abaya", "description": "قماش كريب ناعم. " * 100}
    products = [{**product, "product_id": str(uuid.uuid4())} for _ in range(20)]
    raw = json.dumps({"products": products}, ensure_ascii=False).encode()
    assert 10_000 < len(raw) < 100_000
    synced = api.post("/functions/v1/products/bulk", raw, content_type="application/json")
    assert synced.status_code == 200, synced.json()
    assert synced.json()["created"] == 20
    refused = api.post(
        "/functions/v1/products/bulk", raw + b" " * 100_000, content_type="application/json"
    )
    assert refused.status_code == 413
    assert refused.json() == too_large(100_000)


class EndlessStream:
    """A body with no end and no length, as a client streaming forever would send."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        assert size >= 0, "an unbounded read"
        self.read_bytes += size
        return b" " * size


def test_an_endless_body_is_refused_after_the_limit(settings: Any) -> None:
    settings.API_MAX_BODY_BYTES = 1000
    stream = EndlessStream()
    with pytest.raises(ApiError) as refused:
        BoundedJSONParser().parse(stream)  # type: ignore[arg-type]
    assert refused.value.status_code == 413
    assert stream.read_bytes == 1001


# --- Depth ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["[" * 10_000 + "]" * 10_000, nested(10_000), nested(900), nested(33)],
    ids=["arrays-10000", "objects-10000", "objects-900", "objects-33"],
)
def test_json_nested_too_deep_is_400(api: APIClient, raw: str) -> None:
    response = api.post(URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == TOO_DEEP
    assert not Post.objects.exists()


def test_json_32_levels_deep_is_parsed(api: APIClient, store: Store) -> None:
    response = api.post(URL, nested(32), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


# --- Idempotency-Key ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["k" * 256, "k" * 10_000, "two words", "clé", "tab\there"],
    ids=["256-long", "10000-long", "space", "non-ascii", "tab"],
)
def test_an_invalid_idempotency_key_is_400_and_writes_nothing(
    api: APIClient, store: Store, x_account: SocialAccount, key: str
) -> None:
    response = api.post(URL, body(store), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "error": {
            "code": "invalid_idempotency_key",
            "message": "The Idempotency-Key header must be 1 to 255 visible ASCII characters "
            "(letters, digits and punctuation, no spaces).",
            "details": {"max_length": 255},
        },
    }
    assert not Post.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_a_255_character_idempotency_key_is_kept(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    key = "k-" + "9" * 253
    first = api.post(URL, body(store), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 200, first.json()
    assert IdempotencyKey.objects.get().key == key
