"""The API's JSON parser: bounded in size and in nesting depth.

DRF's JSONParser reads the whole stream (DATA_UPLOAD_MAX_MEMORY_SIZE guards only
`request.body`, which DRF does not use), and json's recursion on a body nested thousands
deep raised RecursionError, a 500. Here a body is read up to its limit (`body_limit`) and
no further, and anything nested deeper than MAX_JSON_DEPTH is a 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

from mollkom_social.api.exceptions import ApiError

# No contract body comes near this (publish's deepest field is 4 levels), and it keeps
# every later step (serializers, the idempotency fingerprint) far from Python's recursion
# limit.
MAX_JSON_DEPTH = 32


def body_limit(view: Any) -> int:
    """The body limit for a view: API_MAX_BODY_BYTES, or the setting a view that takes larger
    bodies names in `body_limit_setting` (read live, so it can change without a restart)."""
    return int(getattr(settings, getattr(view, "body_limit_setting", "API_MAX_BODY_BYTES")))


def body_too_large(limit: int) -> ApiError:
    return ApiError(
        "body_too_large",
        f"The request body is larger than {limit} bytes.",
        http_status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        details={"max_bytes": limit},
    )


def too_deep() -> ApiError:
    return ApiError(
        "json_too_deep",
        f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.",
        details={"max_depth": MAX_JSON_DEPTH},
    )


def exceeds_depth(data: Any, limit: int) -> bool:
    """Whether `data` nests deeper than `limit`. Iterative: a recursive walk is what fails."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = body_limit((parser_context or {}).get("view"))
        # One byte past the limit tells "too large" from "exactly the limit", whatever the
        # stream claimed its length was.
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise body_too_large(limit)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=json.strict_constant)
        except RecursionError:
            raise too_deep() from None
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError included
            raise ParseError(f"JSON parse error - {exc}") from exc
        if exceeds_depth(data, MAX_JSON_DEPTH):
            raise too_deep()
        return data
