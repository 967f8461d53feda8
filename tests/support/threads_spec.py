"""Check requests against Meta's official Threads Postman collection (../shared/specs/).

The collection is not a schema: it is a set of example requests. A request of ours is valid
when some example has the same method and path (``{{var}}`` segments match any id) and:
- every parameter we send is one the example names (enabled or disabled), plus
  ``access_token``, which the collection's auth adds to the query (``addTokenTo``);
- every parameter the example enables is sent, except those its own descriptions call
  optional (``OPTIONAL``);
- ``media_type``, ``is_carousel_item`` and ``grant_type`` carry the example's value, so an
  IMAGE request is held to the IMAGE example and a carousel item to the item example;
- the ``fields`` we ask for are among those the example asks for (``{{fields_*}}`` expanded).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from tests.support.specs import SPECS

COLLECTION = SPECS / "meta" / "threads" / "threads-api.postman_collection.json"
# Enabled in the examples but optional by their own descriptions ("optional on image posts",
# "this optional flag", an accessibility label, a page size).
OPTIONAL = frozenset({"text", "alt_text", "auto_publish_text", "limit"})
FIXED_VALUES = frozenset({"media_type", "is_carousel_item", "grant_type"})
_VAR = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class Example:
    name: str
    method: str
    segments: tuple[str, ...]  # "{{thread_id}}" segments are placeholders
    allowed: frozenset[str]
    required: frozenset[str]
    values: dict[str, str]  # the example's value of each enabled parameter, variables expanded

    def problems(self, method: str, segments: tuple[str, ...], params: dict[str, str]) -> list[str]:
        if method != self.method or len(segments) != len(self.segments):
            return ["method or path differs"]
        for ours, theirs in zip(segments, self.segments, strict=True):
            if not _VAR.fullmatch(theirs) and ours != theirs:
                return ["method or path differs"]
        found = [f"unknown parameter {name!r}" for name in sorted(set(params) - self.allowed)]
        found += [f"missing parameter {name!r}" for name in sorted(self.required - set(params))]
        for name in FIXED_VALUES & set(params) & set(self.values):
            if params[name] != self.values[name]:
                found.append(f"{name}={params[name]!r}, the example has {self.values[name]!r}")
        if "fields" in params and "fields" in self.values:
            known = set(_split_fields(self.values["fields"]))
            if extra := sorted(set(params["fields"].split(",")) - known):
                found.append(f"fields not in the example: {extra}")
        return found


def _split_fields(value: str) -> list[str]:
    """Top-level names of a Graph ``fields`` list (``poll_attachment{a,b}`` is one name)."""
    names, depth, current = [], 0, ""
    for char in value:
        depth += (char == "{") - (char == "}")
        if char == "," and depth == 0:
            names.append(current)
            current = ""
        elif depth == 0 and char != "}":
            current += char
    names.append(current)
    return [n.strip() for n in names if n.strip()]


@cache
def examples() -> tuple[Example, ...]:
    collection = json.loads(COLLECTION.read_text())
    variables = {v["key"]: str(v.get("value") or "") for v in collection.get("variable", [])}

    def expand(value: str) -> str:
        return _VAR.sub(lambda m: variables.get(m.group(1), m.group(0)), value)

    found: list[Example] = []

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            if "item" in item:
                walk(item["item"])
                continue
            request = item["request"]
            url = request["url"]
            query = url.get("query", [])
            body = request.get("body") or {}
            params = query + (body.get(body.get("mode", ""), []) if body else [])
            enabled = [p for p in params if not p.get("disabled")]
            found.append(
                Example(
                    name=item["name"],
                    method=request["method"],
                    segments=tuple(s for s in url.get("path", []) if s),
                    allowed=frozenset({p["key"] for p in params} | {"access_token"}),
                    required=frozenset({p["key"] for p in enabled} - OPTIONAL),
                    values={p["key"]: expand(str(p.get("value") or "")) for p in enabled},
                )
            )

    walk(collection["item"])
    return tuple(found)


def assert_valid_threads_request(request: requests.PreparedRequest, api_base: str) -> None:
    """Assert that a request our client sent to ``api_base`` matches an example of the
    collection (the version prefix in ``api_base`` is ours: the collection has none)."""
    assert request.url is not None and request.url.startswith(api_base), request.url
    rest = urlsplit(request.url[len(api_base) :])
    segments = tuple(s for s in rest.path.split("/") if s)
    params = dict(parse_qsl(rest.query, keep_blank_values=True))
    body = request.body
    if body and "x-www-form-urlencoded" in request.headers.get("Content-Type", ""):
        text = body.decode() if isinstance(body, bytes) else body
        params.update(parse_qsl(text, keep_blank_values=True))
    assert request.method is not None
    # The text example: text is required unless a link attachment replaces it.
    if request.method == "POST" and params.get("media_type") == "TEXT":
        assert params.get("text") or params.get("link_attachment"), params
    tried: list[str] = []
    for example in examples():
        problems = example.problems(request.method, segments, params)
        if not problems:
            return
        if problems != ["method or path differs"]:
            tried.append(f"{example.name}: {'; '.join(problems)}")
    detail = "\n  ".join(tried) or "no example with this method and path"
    raise AssertionError(f"{request.method} /{'/'.join(segments)} {params}:\n  {detail}")
