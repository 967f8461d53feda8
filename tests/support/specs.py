"""The official API specs in ../shared/specs/, loaded once, to check our requests."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SPECS = PROJECT_ROOT.parent / "shared" / "specs"


@cache
def x_spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((SPECS / "x" / "x-api-v2.openapi.json").read_text())
    return spec


@cache
def x_openapi() -> OpenAPI:
    # The published file fails its own meta-schema on an unrelated duplicate enum value
    # (DM expansions); the paths we use are sound, so only the meta-check is skipped.
    return OpenAPI.from_dict(x_spec(), config=Config(spec_validator_cls=None))


def x_declared_query_parameters(method: str, path: str) -> set[str]:
    """The query parameters the X spec declares for ``method`` on the concrete ``path``."""
    spec = x_spec()
    # A literal path (/2/users/me) before a template it also fits (/2/users/{id}).
    for template in sorted(spec["paths"], key=lambda t: "{" in t):
        pattern = "/".join(
            "[^/]+" if part.startswith("{") else re.escape(part) for part in template.split("/")
        )
        operation = spec["paths"][template].get(method.lower())
        if operation is None or not re.fullmatch(pattern, path):
            continue
        declared = set()
        for parameter in operation.get("parameters", []):
            if "$ref" in parameter:
                parameter = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[-1]]
            if parameter["in"] == "query":
                declared.add(parameter["name"])
        return declared
    raise AssertionError(f"the X spec has no {method} {path}")


def assert_valid_x_request(request: requests.PreparedRequest, api_base: str) -> None:
    """Validate a request our X client sent, as if it had been sent to api.x.com."""
    assert request.url is not None
    request.url = request.url.replace(api_base, "https://api.x.com", 1)
    x_openapi().validate_request(RequestsOpenAPIRequest(request))
    # openapi-core lets an undeclared query parameter through; X answers it with a 400.
    assert request.method is not None
    url = urlsplit(request.url)
    sent = set(parse_qs(url.query, keep_blank_values=True))
    undeclared = sent - x_declared_query_parameters(request.method, url.path)
    assert not undeclared, f"query parameters the X spec does not declare: {sorted(undeclared)}"
