"""A publish to each platform through the sandbox, over real HTTP, with every logger at DEBUG:
the account's token appears in no log line (ours, the sandbox's access log, urllib3's) and in no
PublishAttempt row. Meta's clients send the token as an ``access_token`` query parameter, so
the URLs they call must never be logged or stored whole."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Store
from publishing.models import PostTarget, PublishAttempt, TargetStatus
from publishing.platforms.redact import redact
from publishing.sandbox.core import SandboxServer
from publishing.services.pipeline import target_publish
from tests.factories import SocialAccountFactory
from tests.support.api import publish

pytestmark = pytest.mark.django_db(transaction=True)


def _media(sandbox: SandboxServer, platform: str) -> list[dict[str, str]]:
    base = f"{sandbox.base_url}/_sandbox/media"
    if platform in ("tiktok", "youtube"):
        return [{"type": "video", "url": f"{base}/clip.mp4?bytes=1000"}]
    if platform == "instagram":
        return [{"type": "image", "url": f"{base}/bag.jpg"}]
    return []


@pytest.mark.parametrize("platform", ["x", "facebook", "instagram", "threads", "tiktok", "youtube"])
def test_a_publish_leaves_no_token_in_logs_or_attempts(
    api: APIClient,
    store: Store,
    sandbox: SandboxServer,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    platform: str,
) -> None:
    settings.INSTAGRAM_CONTAINER_POLL_SECONDS = settings.THREADS_CONTAINER_POLL_SECONDS = 0.01
    settings.TIKTOK_STATUS_POLL_SECONDS = 0
    account = SocialAccountFactory.create(store=store, platform=platform)
    token = account.access_token
    caplog.set_level(logging.DEBUG)

    content = {"text": "فستان صيفي جديد", "media": _media(sandbox, platform), "link": None}
    answer = publish(api, store, platforms=[platform], content=content, wait=False)
    target = PostTarget.objects.get(post_id=answer["post_id"])
    target_publish(target_id=target.pk)

    target.refresh_from_db()
    assert target.status == TargetStatus.PUBLISHED, target.error_message
    urls = list(PublishAttempt.objects.filter(target=target).values_list("url", flat=True))
    assert urls and all(token not in url for url in urls)
    # The sandbox's access log saw the calls (so the check below is not vacuous) ...
    access_lines = [
        r.getMessage() for r in caplog.records if r.name.startswith("publishing.sandbox")
    ]
    assert any('"POST ' in line or '"PUT ' in line for line in access_lines), access_lines
    # ... and no line anywhere carries the token.
    assert token not in caplog.text


@pytest.mark.parametrize(
    "param", ["access_token", "token", "client_secret", "code", "refresh_token", "state"]
)
def test_redact_hides_secret_parameters_and_keeps_the_rest(param: str) -> None:
    line = f'"GET /cb?fields=id&{param}=s3cr3t&barcode=7 HTTP/1.1" 200'
    assert redact(line) == f'"GET /cb?fields=id&{param}=[redacted]&barcode=7 HTTP/1.1" 200'


def test_redact_hides_authorization_credentials() -> None:
    assert redact("Authorization: Bearer s3cr3t") == "Authorization: Bearer [redacted]"
    assert redact("{'authorization': 'OAuth s3cr3t'}") == "{'authorization': 'OAuth [redacted]'}"
