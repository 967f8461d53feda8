"""The publish request from end to end: checks, idempotency, write, bounded wait."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from accounts.models import Store
from mollkom_social.api.errors import ApiError
from mollkom_social.db import release_connection
from publishing.models import Post
from publishing.platforms.base import Content, MediaItem
from publishing.selectors import post_body, post_is_settled
from publishing.services.idempotency import (
    idempotency_attach,
    idempotency_claim,
    idempotency_lookup,
    idempotency_store_response,
    request_fingerprint,
)
from publishing.services.media_checks import fully_checked, request_probe
from publishing.services.posts import PublishRequest, post_create, publish_request_check


@dataclass(frozen=True)
class PublishOutcome:
    body: dict[str, Any]
    status: int = 200


def _replay(*, store: Store, key: str, fingerprint: str) -> PublishOutcome | None:
    record = idempotency_lookup(store=store, key=key, fingerprint=fingerprint)
    if record is None:
        return None
    if record.response_body is not None:
        return PublishOutcome(record.response_body, record.response_status or 200)
    if record.post_id is not None:
        # The first request is still waiting on its targets: answer with where it is.
        return PublishOutcome(post_body(post=Post.objects.get(pk=record.post_id)))
    raise ApiError(
        "idempotency_in_progress",
        "A request with this Idempotency-Key is in progress.",
        http_status=409,
    )


def post_wait_settled(*, post: Post, timeout: float) -> None:
    """Poll until no target is queued or processing, or the time is up. Runs in a web
    thread (gunicorn gthread), so a waiting request costs a thread, not a process."""
    deadline = time.monotonic() + timeout
    interval = settings.PUBLISH_WAIT_POLL_SECONDS
    while time.monotonic() < deadline:
        if post_is_settled(post=post):
            return
        release_connection()  # don't hold a pooled connection while sleeping
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
        # Most posts settle within a second; after that, poll less and less often.
        interval = min(interval * 1.5, 1.0)


def publish(
    *, store: Store, data: dict[str, Any], raw_body: Any, idempotency_key: str | None
) -> PublishOutcome:
    if str(data["store_id"]) != str(store.pk):
        raise ApiError("forbidden", "store_id is not the API key's store.", http_status=403)
    fingerprint = request_fingerprint(raw_body)
    if idempotency_key:
        replay = _replay(store=store, key=idempotency_key, fingerprint=fingerprint)
        if replay is not None:
            return replay
    content = data["content"]
    request = PublishRequest(
        platforms=data["platforms"],
        content=Content(
            text=content["text"],
            media=tuple(MediaItem(type=m["type"], url=m["url"]) for m in content["media"]),
            link=content["link"] or "",
        ),
        schedule_at=data["schedule_at"],
        options=data["options"],
    )
    contents = {platform: request.content_for(platform) for platform in request.platforms}
    probed = request_probe(contents)
    accounts = publish_request_check(store=store, request=request, probed=probed)
    checked = [p for p, content in contents.items() if fully_checked(p, content, probed)]
    record = None
    with transaction.atomic():
        if idempotency_key:
            record = idempotency_claim(store=store, key=idempotency_key, fingerprint=fingerprint)
            if record is None:
                transaction.set_rollback(True)
        if not idempotency_key or record is not None:
            post = post_create(
                store=store, request=request, accounts=accounts, media_checked=checked
            )
            if record is not None:
                idempotency_attach(record=record, post=post)
    if idempotency_key and record is None:
        # A concurrent request with the same key won the insert: replay its answer.
        replay = _replay(store=store, key=idempotency_key, fingerprint=fingerprint)
        assert replay is not None
        return replay
    if request.schedule_at is None and data["wait"]:
        post_wait_settled(post=post, timeout=settings.PUBLISH_WAIT_SECONDS)
    body = post_body(post=post)
    if record is not None:
        idempotency_store_response(record_id=record.pk, status=200, body=body)
    return PublishOutcome(body)
