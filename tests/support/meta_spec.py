"""Check requests against Meta's codegen node specs (../shared/specs/meta/graph-api-codegen/).

The specs are not OpenAPI: each node file lists ``apis`` (method, ``endpoint`` edge or
``name`` ``#get``/``#delete`` for the node itself, ``params`` with ``required`` and ``type``,
and the ``return`` node) and ``fields``. A request of ours is valid when:
- its path is ``/{id}/{edge}`` on the account's user node (``IGUser`` on graph.facebook.com,
  ``IGUserForIGOnlyAPI`` on graph.instagram.com) or ``/{id}`` on a node it can address (an
  IG media, or a container, ``ShadowIGMediaBuilder``), and that node has an api for the method;
- every parameter we send is one the api declares, or one the Graph API takes on every call
  and the SDKs therefore never declare (``access_token``; ``fields`` and paging on reads);
- every required parameter is sent, and values fit the declared type (``bool``,
  ``unsigned int``, ``list<…>`` as Meta's comma lists, ``datetime``);
- the ``fields`` asked for are fields of the node the call returns.

Facebook Pages (:func:`assert_valid_facebook_request`) are checked the same way against ``Page``
(edges) and ``PagePost``/``Photo``/``AdVideo`` (nodes), plus: enum parameters must be one of
``enum_types.json``'s values (case aside: Meta's guides write ``upload_phase=start`` where the
codegen lists ``START``), and ``list<Object>`` parameters must be a JSON list of objects.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from tests.support.specs import SPECS

CODEGEN = SPECS / "meta" / "graph-api-codegen"
USER_NODE = {"fb": "IGUser", "ig": "IGUserForIGOnlyAPI"}
MEDIA_NODE = {"fb": "IGMedia", "ig": "IGMediaForIGOnlyAPI"}
CONTAINER_NODE = "ShadowIGMediaBuilder"
# Return types named in the IG-only spec whose files the SDK calls by another name.
RETURN_ALIASES = {"Media": "IGMediaForIGOnlyAPI", "IGGraphMedia": "IGMediaForIGOnlyAPI"}
# The IG-only codegen spec spells the publish edge ``mediapublish``; Meta's content-publishing
# guide (PLATFORMS.md 1.3) calls it ``media_publish`` on both hosts, which is what we send.
EDGE_ALIASES = {("ig", "media_publish"): "mediapublish"}
ALWAYS = frozenset({"access_token"})
ON_READS = frozenset({"fields", "limit", "after", "before"})
# media_type values the publishing guide documents (PLATFORMS.md 1.3); the spec types it as a
# plain string.
MEDIA_TYPES = frozenset({"VIDEO", "REELS", "STORIES", "CAROUSEL"})
_DIGITS = re.compile(r"[0-9]+")


@cache
def node(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((CODEGEN / f"{name}.json").read_text())
    return spec


def node_fields(name: str) -> set[str]:
    name = RETURN_ALIASES.get(name, name)
    if not (CODEGEN / f"{name}.json").exists():
        return set()
    return {f["name"] for f in node(name)["fields"]}


def _type_problem(name: str, kind: str, value: str) -> str | None:
    ok = True
    if kind == "bool":
        ok = value in ("true", "false")
    elif kind in ("unsigned int", "int"):
        ok = bool(_DIGITS.fullmatch(value))
    elif kind.startswith("list<string>"):
        ok = all(part.strip() for part in value.split(","))
    elif kind == "datetime":
        ok = bool(_DIGITS.fullmatch(value)) or "T" in value
    elif kind == "list<Object>":
        try:
            items = json.loads(value)
        except ValueError:
            items = None
        ok = isinstance(items, list) and all(isinstance(i, dict) for i in items)
    elif kind.endswith("_enum_param") and kind in enums():
        ok = value.upper() in {v.upper() for v in enums()[kind]}
    return None if ok else f"{name}={value!r} is not a {kind}"


@cache
def enums() -> dict[str, list[str]]:
    return {e["name"]: e["values"] for e in json.loads((CODEGEN / "enum_types.json").read_text())}


def _problems(api: dict[str, Any], method: str, params: dict[str, str]) -> list[str]:
    declared = {p["name"]: p for p in api.get("params", [])}
    allowed = set(declared) | ALWAYS | (ON_READS if method == "GET" else set())
    found = [f"undeclared parameter {n!r}" for n in sorted(set(params) - allowed)]
    found += [
        f"missing required parameter {n!r}"
        for n, p in sorted(declared.items())
        if p.get("required") and n not in params
    ]
    for name, value in params.items():
        if name in declared and (problem := _type_problem(name, declared[name]["type"], value)):
            found.append(problem)
    if "media_type" in params and params["media_type"] not in MEDIA_TYPES:
        found.append(f"media_type={params['media_type']!r} is not documented")
    if "fields" in params:
        known = node_fields(str(api.get("return", "")))
        if extra := sorted(set(params["fields"].split(",")) - known):
            found.append(f"fields not on {api.get('return')}: {extra}")
    return found


def _apis(name: str, method: str, edge: str | None) -> list[dict[str, Any]]:
    wanted = "#get" if method == "GET" else f"#{method.lower()}"
    return [
        {**api, "return": api.get("return") or name}
        for api in node(name)["apis"]
        if api["method"] == method
        and (api.get("endpoint") == edge if edge else api.get("name") == wanted)
    ]


def request_params(request: requests.PreparedRequest) -> dict[str, str]:
    assert request.url is not None
    params = dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))
    body = request.body
    if body and "x-www-form-urlencoded" in request.headers.get("Content-Type", ""):
        text = body.decode() if isinstance(body, bytes) else body
        params.update(parse_qsl(text, keep_blank_values=True))
    return params


def assert_valid_instagram_request(
    request: requests.PreparedRequest, api_base: str, host: str
) -> None:
    """Assert that a request our client sent to ``api_base`` (``host`` "fb" for
    graph.facebook.com, "ig" for graph.instagram.com) fits Meta's codegen specs."""
    assert request.url is not None and request.url.startswith(api_base), request.url
    assert request.method is not None
    method = request.method
    segments = [s for s in urlsplit(request.url[len(api_base) :]).path.split("/") if s]
    params = request_params(request)
    candidates: list[tuple[str, dict[str, Any]]] = []
    if len(segments) == 2 and segments[0].isdigit():
        edge = EDGE_ALIASES.get((host, segments[1]), segments[1])
        user = USER_NODE[host]
        candidates = [(user, api) for api in _apis(user, method, edge)]
    elif len(segments) == 1 and segments[0].isdigit():
        for name in (MEDIA_NODE[host], CONTAINER_NODE):
            candidates += [(name, api) for api in _apis(name, method, None)]
    assert candidates, f"{method} /{'/'.join(segments)}: no such api in the {host} specs"
    tried = []
    for name, api in candidates:
        problems = _problems(api, method, params)
        if not problems:
            return
        tried.append(f"{name} {api.get('endpoint') or api.get('name')}: {'; '.join(problems)}")
    detail = "\n  ".join(tried)
    raise AssertionError(f"{method} /{'/'.join(segments)} {params}:\n  {detail}")


FACEBOOK_NODES = ("PagePost", "Photo", "AdVideo")


def assert_valid_facebook_request(request: requests.PreparedRequest, *bases: str) -> None:
    """Assert that a request our client sent to one of ``bases`` (the Graph API and video
    hosts) fits Meta's codegen specs for Pages and their posts, photos and videos."""
    assert request.url is not None and request.method is not None
    base = next((b for b in bases if request.url.startswith(b)), None)
    assert base is not None, request.url
    method = request.method
    segments = [s for s in urlsplit(request.url[len(base) :]).path.split("/") if s]
    params = request_params(request)
    candidates: list[tuple[str, dict[str, Any]]] = []
    if len(segments) == 2 and segments[0].isdigit():
        candidates = [("Page", api) for api in _apis("Page", method, segments[1])]
    elif len(segments) == 1 and segments[0].replace("_", "").isdigit():
        for name in FACEBOOK_NODES:
            candidates += [(name, api) for api in _apis(name, method, None)]
    assert candidates, f"{method} /{'/'.join(segments)}: no such api in the Page specs"
    tried = []
    for name, api in candidates:
        problems = _problems(api, method, params)
        if not problems:
            return
        tried.append(f"{name} {api.get('endpoint') or api.get('name')}: {'; '.join(problems)}")
    detail = "\n  ".join(tried)
    raise AssertionError(f"{method} /{'/'.join(segments)} {params}:\n  {detail}")
