"""Schemathesis against the live server: requests generated from the OpenAPI document, sent
with a real API key for a store whose six accounts are connected to the sandbox platforms.

Every answer must be documented (status, content type, headers, body schema) and none may be
a 5xx. The run is seeded and deterministic, bounded in examples per operation, and runs the
examples, coverage and fuzzing phases. tests/support/schemathesis_hooks.py swaps in the values
only this run knows (the store, existing ids, sandbox media), so most publish requests are
valid and go through the real publish path; with "wait" or without, the targets are only
enqueued (no worker runs here) and nothing leaves this machine.

    ST_MAX_EXAMPLES=30 make pytest PYTEST_ARGS="tests/api/test_schemathesis.py -q -s"
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Platform
from publishing.sandbox.core import SandboxServer
from tests.factories import ApiKeyFactory, SocialAccountFactory, StoreFactory
from tests.support.processes import PROJECT_ROOT

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db(transaction=True)]

SEED = int(os.environ.get("ST_SEED", "20261205"))
MAX_EXAMPLES = int(os.environ.get("ST_MAX_EXAMPLES", "8"))
# What the run must show none of; the other checks are left out, see `CHECKS`.
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "ignored_auth",
    "missing_required_header",
]


def _existing_ids(api: APIClient, store_id: str, sandbox_url: str) -> dict[str, list[str]]:
    """Things of the store for the path parameters: posts in several states, a product, a
    webhook. Made through the API, as a storefront would."""
    posts = []
    in_a_month = (timezone.now() + timedelta(days=30)).isoformat()
    for extra in (
        {"platforms": ["x"], "schedule_at": in_a_month},
        {"platforms": ["x", "threads"], "wait": False},
    ):
        body = {"store_id": store_id, "content": {"text": "فستان صيفي جديد"}, **extra}
        response = api.post("/functions/v1/social-publish", body, format="json")
        assert response.status_code == 200, response.json()
        posts.append(response.json()["post_id"])
    product_id = "5b0c4f8e-3c1a-4f43-9d5e-0a4c8f2b7e11"
    response = api.put(
        f"/functions/v1/products/{product_id}",
        {"title": "فستان صيفي", "price": "129.00", "currency": "SAR"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    response = api.post(
        "/functions/v1/webhooks",
        {"url": f"{sandbox_url}/_sandbox/webhook", "events": ["post.published"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return {
        "post_id": posts,
        "product_id": [product_id],
        "webhook_id": [response.json()["webhook"]["id"]],
    }


def test_schemathesis_finds_no_undocumented_answer(
    live_server: Any,
    sandbox: SandboxServer,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.PUBLISH_WAIT_SECONDS = 0.2  # "wait": true answers soon; no worker runs here
    # The run sends about 1,000 requests a minute with one key; at the production rate most
    # of them would be a (documented) 429 and test nothing else. The rate is read live.
    settings.API_THROTTLE_RATE = "100000/min"
    store = StoreFactory.create()
    for platform in Platform.values:
        SocialAccountFactory.create(store=store, platform=platform)
    _, key = ApiKeyFactory.create_with_raw(store=store)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    ids = _existing_ids(api, str(store.pk), sandbox.base_url)

    report = tmp_path / "run.json"
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.support.schemathesis_hooks",
        "MOLLKOM_ST_STORE_ID": str(store.pk),
        "MOLLKOM_ST_SANDBOX_URL": sandbox.base_url,
        "MOLLKOM_ST_IDS": json.dumps(ids),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    command = [
        str(Path(sys.executable).parent / "st"), "run",
        f"{live_server.url}/functions/v1/openapi.json",
        "--header", f"Authorization: Bearer {key}",
        "--phases", "examples,coverage,fuzzing",
        "--checks", ",".join(CHECKS),
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(SEED),
        "--generation-deterministic",
        "--workers", "1",
        "--request-timeout", "10",
        "--report", "json", "--report-json-path", str(report),
        "--no-color",
    ]  # fmt: skip
    run = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    print(run.stdout[-6000:])
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-4000:]
