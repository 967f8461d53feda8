"""The publish request from end to end: checks, idempotency, write, bounded wait."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import Error as DatabaseError
from django.db import transaction

from accounts.models import SocialAccount, Store
from mollkom_social.api.errors import ApiError
from mollkom_social.db import close_broken_connection, release_connection
from publishing.models import IdempotencyKey, Post, PostTarget, TargetStatus
from publishing.platforms.base import Content, MediaItem
from publishing.selectors import post_body, post_is_settled, post_item
from publishing.services.idempotency import (
    idempotency_attach,
    idempotency_claim,
    idempotency_lookup,
    idempotency_store_response,
    request_fingerprint,
)
from publishing.services.media_checks import fully_checked, request_probe
from publishing.services.posts import PublishRequest, post_create, publish_request_check

logger = logging.getLogger(__name__)


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


def publish_replay(
    *, store: Store, raw_body: Any, idempotency_key: str | None
) -> PublishOutcome | None:
    """The first answer to this key and body, if there was one. Asked before the request is
    validated: a retry must get the answer its post got, even when the request would no
    longer pass (a scheduled time now in the past, an account since disconnected)."""
    if not idempotency_key:
        return None
    return _replay(store=store, key=idempotency_key, fingerprint=request_fingerprint(raw_body))


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
    post, record = _write(
        store=store,
        request=request,
        accounts=accounts,
        checked=checked,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
    )
    if post is None:
        # A concurrent request with the same key won the insert: replay its answer.
        assert idempotency_key
        replay = _replay(store=store, key=idempotency_key, fingerprint=fingerprint)
        assert replay is not None
        return replay
    return _answer_saved(
        post=post,
        request=request,
        wait=request.schedule_at is None and data["wait"],
        record_id=record.pk if record is not None else None,
    )


def _write(
    *,
    store: Store,
    request: PublishRequest,
    accounts: dict[str, SocialAccount],
    checked: list[str],
    idempotency_key: str | None,
    fingerprint: str,
) -> tuple[Post | None, IdempotencyKey | None]:
    """Write the post (and claim its key) in one transaction. With a key, no post when a
    concurrent request with the same key claimed it first."""
    record = None
    post: Post | None = None
    try:
        with transaction.atomic():
            if idempotency_key:
                record = idempotency_claim(
                    store=store, key=idempotency_key, fingerprint=fingerprint
                )
                if record is None:
                    transaction.set_rollback(True)
                    return None, None
            post = post_create(
                store=store, request=request, accounts=accounts, media_checked=checked
            )
            if record is not None:
                idempotency_attach(record=record, post=post)
    except DatabaseError:
        # Once the post was written, an error here may have come from the COMMIT itself,
        # on a connection that died: the post may be saved. Anything else rolled back.
        if post is None or not _saved_after_all(post=post):
            raise
    return post, record


def _saved_after_all(*, post: Post) -> bool:
    """Whether a post whose transaction failed at its end was committed after all, looked
    up on a fresh connection. When even that fails, the answer is a 503 carrying the post's
    id, so that the storefront looks the post up instead of sending it again.

    A post saved this way lost its after-commit send to the workers with the failed COMMIT;
    an immediate post's targets wait as queued, and the dispatcher sends them after
    REQUEUE_AFTER_SECONDS, as it does any message that never arrived."""
    close_broken_connection()
    try:
        saved = Post.objects.filter(pk=post.pk).exists()
    except DatabaseError:
        logger.error(
            "could not tell whether a post was saved",
            extra={"post_id": str(post.pk)},
            exc_info=True,
        )
        close_broken_connection()
        raise ApiError(
            "outcome_unknown",
            "The post may have been saved, but the database could not confirm it. Look it up "
            "by details.post_id, or send it again with the same Idempotency-Key.",
            http_status=503,
            details={"post_id": str(post.pk)},
        ) from None
    if saved:
        logger.warning(
            "a post was saved although its commit failed", extra={"post_id": str(post.pk)}
        )
    return saved


def _answer_saved(
    *, post: Post, request: PublishRequest, wait: bool, record_id: int | None
) -> PublishOutcome:
    """The answer once the post is committed: it exists and its targets go out whatever
    happens to this request now, so nothing from here may turn the answer into a 5xx,
    which a storefront retrying without an Idempotency-Key would publish twice."""
    body = _read_back(post=post, wait=wait)
    if body is None:
        # The database is out of reach: answer with the post as it was written. Nothing is
        # stored for replays, which then read the post afresh through its key's post_id.
        return PublishOutcome(_body_as_written(post=post, request=request))
    if record_id is not None:
        try:
            idempotency_store_response(record_id=record_id, status=200, body=body)
        except Exception:
            # A replay finds the key's post_id and answers with the post as it is then.
            logger.warning(
                "could not store a publish answer for replays",
                extra={"post_id": str(post.pk)},
                exc_info=True,
            )
            close_broken_connection()
    return PublishOutcome(body)


def _read_back(*, post: Post, wait: bool) -> dict[str, Any] | None:
    """The saved post's answer (after the bounded wait when asked), or None when reading it
    failed twice: once on this thread's connection, once more on a fresh one (a connection
    the database dropped fails the first read, not the second)."""
    for attempt in (1, 2):
        try:
            if wait and attempt == 1:
                post_wait_settled(post=post, timeout=settings.PUBLISH_WAIT_SECONDS)
            return post_body(post=post)
        except Exception:
            logger.warning(
                "could not read back a saved post",
                extra={"post_id": str(post.pk), "attempt": attempt},
                exc_info=True,
            )
            close_broken_connection()
    return None


def _body_as_written(*, post: Post, request: PublishRequest) -> dict[str, Any]:
    """The answer's shape from what this request wrote, without the database."""
    status = TargetStatus.SCHEDULED if request.schedule_at is not None else TargetStatus.QUEUED
    targets = [PostTarget(post=post, platform=p, status=status) for p in request.platforms]
    return {"success": True, **post_item(post=post, targets=targets)}
