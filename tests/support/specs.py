"""The official API specs in ../shared/specs/, loaded once, to check our requests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SPECS = PROJECT_ROOT.parent / "shared" / "specs"


@cache
def x_openapi() -> OpenAPI:
    spec = json.loads((SPECS / "x" / "x-api-v2.openapi.json").read_text())
    # The published file fails its own meta-schema on an unrelated duplicate enum value
    # (DM expansions); the paths we use are sound, so only the meta-check is skipped.
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


def assert_valid_x_request(request: requests.PreparedRequest, api_base: str) -> None:
    """Validate a request our X client sent, as if it had been sent to api.x.com."""
    assert request.url is not None
    request.url = request.url.replace(api_base, "https://api.x.com", 1)
    x_openapi().validate_request(RequestsOpenAPIRequest(request))
