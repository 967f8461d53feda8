"""Checks a request against the YouTube Data API discovery document in ../shared/specs/.

The discovery format is not OpenAPI, so this is the small checker PLATFORMS.md (Appendix A)
describes: the method and path match an operation, every required query parameter is there and
every sent one is declared, and a JSON body only names fields of the ``Video`` schema and of the
schemas its parts point at. A resumable upload is recognised as googleapiclient builds it: the
media upload path with ``uploadType=resumable``; its later PUTs go to the session URI, which the
discovery document does not describe.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from tests.support.specs import SPECS

# Standard query parameters every Google API accepts (discovery doc "parameters").
_UPLOAD_PARAMS = {"uploadType"}


@cache
def discovery() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (SPECS / "youtube" / "youtube.v3.discovery.json").read_text()
    )
    return document


def _operations() -> list[tuple[str, str, dict[str, Any], bool]]:
    """``(httpMethod, path, method, is_upload)`` for every method of every resource."""
    found = []
    for resource in discovery()["resources"].values():
        for method in resource.get("methods", {}).values():
            found.append(
                (
                    method["httpMethod"],
                    "/" + discovery()["servicePath"] + method["path"],
                    method,
                    False,
                )
            )
            if upload := method.get("mediaUpload"):
                found.append(
                    (method["httpMethod"], upload["protocols"]["simple"]["path"], method, True)
                )
    return found


def _check_body(body: dict[str, Any]) -> None:
    schemas = discovery()["schemas"]
    video = schemas["Video"]["properties"]
    for part, fields in body.items():
        assert part in video, f"Video has no part {part!r}"
        target = schemas[video[part]["$ref"]]["properties"]
        for name in fields:
            assert name in target, f"{video[part]['$ref']} has no field {name!r}"


def assert_valid_youtube_request(request: requests.PreparedRequest, api_base: str) -> str:
    """Validate one request our client sent to ``api_base``; the operation id it matched."""
    assert request.url is not None and request.method is not None
    split = urlsplit(request.url)
    path = split.path.removeprefix(urlsplit(api_base).path)
    query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
    for http_method, op_path, method, upload in _operations():
        if (http_method, op_path) != (request.method, path):
            continue
        declared = set(method.get("parameters", {})) | set(discovery()["parameters"])
        if upload:
            assert query.get("uploadType") == "resumable", "uploads must be resumable"
            declared |= _UPLOAD_PARAMS
        for name, spec in method.get("parameters", {}).items():
            if spec.get("required"):
                assert name in query, f"{method['id']}: missing required {name!r}"
        assert set(query) <= declared, f"{method['id']}: undeclared {set(query) - declared}"
        for name, value in query.items():
            enum = method.get("parameters", {}).get(name, {}).get("enum")
            if enum:
                assert value in enum, f"{method['id']}: {name}={value!r} not in {enum}"
            if method.get("parameters", {}).get(name, {}).get("type") == "boolean":
                assert value in ("true", "false"), f"{method['id']}: {name} is a boolean"
        if request.body:
            assert "request" in method, f"{method['id']} takes no body"
            _check_body(json.loads(request.body))
        if upload and "part" in query:
            assert set(json.loads(request.body or b"{}")) <= set(query["part"].split(","))
        return str(method["id"])
    raise AssertionError(f"no YouTube operation for {request.method} {path}")
