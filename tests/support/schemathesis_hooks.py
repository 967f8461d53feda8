"""Schemathesis hooks for tests/api/test_schemathesis.py, loaded by the `st` process through
SCHEMATHESIS_HOOKS; the test passes the run's facts in MOLLKOM_ST_* variables.

Data generated from the schema is valid in shape, but some values only this run knows: the
API key's store, ids of things that exist, media that the sandbox serves, a time inside the
scheduling window. In positive cases (those meant to fit the schema) the hooks swap those in
so the requests reach the real paths: the publish rules, the database, the platforms'
sandbox. Negative cases go out untouched, to be refused. No media URL outside the sandbox is
ever sent, so nothing calls the internet.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import schemathesis
from schemathesis.generation import GenerationMode

STORE_ID = os.environ.get("MOLLKOM_ST_STORE_ID", "")
SANDBOX = os.environ.get("MOLLKOM_ST_SANDBOX_URL", "")
# Path parameter name -> ids that exist in the store (posts, products, webhooks, accounts).
IDS: dict[str, list[str]] = json.loads(os.environ.get("MOLLKOM_ST_IDS", "{}"))


def _pick(seed: Any, choices: list[str]) -> str:
    """A choice that depends only on the generated value, so a seeded run repeats itself."""
    digest = hashlib.sha256(repr(seed).encode()).digest()
    return choices[digest[0] % len(choices)]


def _media_url(item: dict[str, Any], index: int) -> str:
    if item.get("type") == "video":
        # A real 20-second vertical MP4: a Reel, a Short and a TikTok all take it.
        return f"{SANDBOX}/_sandbox/media/clip-{index}.mp4?seconds=20&width=1080&height=1920"
    return f"{SANDBOX}/_sandbox/media/photo-{index}.jpg"


def _fix_content(content: Any) -> None:
    if not isinstance(content, dict):
        return
    for index, item in enumerate(content.get("media") or []):
        if isinstance(item, dict) and "url" in item:
            item["url"] = _media_url(item, index)
    if isinstance(content.get("link"), str):
        content["link"] = "https://store.example/product/123"


def _fix_body(body: dict[str, Any]) -> None:
    if "store_id" in body:
        body["store_id"] = STORE_ID
    _fix_content(body.get("content"))
    if isinstance(body.get("schedule_at"), str):
        hours = 1 + int(hashlib.sha256(body["schedule_at"].encode()).hexdigest(), 16) % 240
        when = datetime.now(UTC) + timedelta(hours=hours)
        body["schedule_at"] = when.isoformat().replace("+00:00", "Z")
    for item in body.get("products") or []:
        if isinstance(item, dict) and "store_id" in item:
            item["store_id"] = STORE_ID
    if "product_id" in body and IDS.get("product_id"):
        body["product_id"] = _pick(body["product_id"], IDS["product_id"])
    if isinstance(body.get("url"), str) and "events" in body:
        # A webhook's URL: the sandbox (the SSRF guard allows loopback in this run).
        body["url"] = f"{SANDBOX}/_sandbox/webhook"


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return
    if isinstance(case.body, dict):
        _fix_body(case.body)
    if isinstance(case.query, dict) and "store_id" in case.query:
        case.query["store_id"] = STORE_ID
    for name, value in (case.path_parameters or {}).items():
        known = IDS.get(name)
        # Half the time an id that exists, so the operation does its work; else a 404.
        if known and _pick(("exists", value), ["yes", "no"]) == "yes":
            case.path_parameters[name] = _pick(value, known)
