"""A post after it was created: edit and reschedule, retry, unpublish.

Edit and retry lock the post's targets first, like cancel, so they and the dispatcher
never both act on one target: whoever locks first wins, the other sees the new state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import SocialAccount, Store
from accounts.oauth.refresh import fresh_account
from accounts.selectors import connected_accounts
from accounts.services import social_account_mark_needs_reconnect
from mollkom_social.api.errors import ApiError
from publishing.media.info import MediaInfo
from publishing.models import Post, PostTarget, TargetStatus
from publishing.platforms.base import (
    AuthError,
    Content,
    Credentials,
    NotSupportedError,
    PlatformError,
)
from publishing.platforms.registry import get_client
from publishing.services.media_checks import CHECKED, fully_checked, request_probe
from publishing.services.platform_calls import recorder_for
from publishing.services.posts import (
    PublishRequest,
    content_from_post,
    platform_content,
    post_sync_status,
    publish_request_check,
)

logger = logging.getLogger(__name__)

UNCHANGED: Any = object()


def _locked_post(*, store: Store, post_id: Any) -> tuple[Post, list[PostTarget]]:
    """The store's post and its targets, locked (call inside a transaction)."""
    post = Post.objects.filter(store=store, pk=post_id).first()
    if post is None:
        raise ApiError("not_found", "No such post.", http_status=404)
    targets = list(PostTarget.objects.select_for_update().filter(post=post).order_by("platform"))
    return post, targets


def _send_after_commit(targets: list[PostTarget]) -> None:
    from publishing.tasks import enqueue_target  # tasks import services

    sends = [(t.pk, t.platform) for t in targets]

    def send() -> None:
        for pk, platform in sends:
            enqueue_target(pk, platform)

    transaction.on_commit(send, robust=True)


@dataclass(frozen=True)
class PostChanges:
    content: Content | None = None
    platforms: list[str] | None = None
    schedule_at: datetime | None = UNCHANGED
    options: dict[str, dict[str, Any]] | None = None


def _probe_edited_videos(
    *, store: Store, post_id: Any, changes: PostChanges
) -> dict[str, MediaInfo]:
    """The videos of the post as edited, probed against the request budget (unlocked)."""
    post = Post.objects.filter(store=store, pk=post_id).first()
    if post is None:
        return {}
    platforms = changes.platforms or list(
        PostTarget.objects.filter(post=post).values_list("platform", flat=True)
    )
    content = changes.content or content_from_post(post)
    options = post.options if changes.options is None else changes.options
    return request_probe({p: platform_content(content, options.get(p)) for p in platforms})


def post_update(*, store: Store, post_id: Any, changes: PostChanges) -> Post:
    """Change a post while every one of its targets is still scheduled.

    The whole new post is checked against every platform's rules, then written in one
    transaction with the targets locked: a worker never sees half-old, half-new content,
    because no target can be claimed until the edit commits, and an edit that comes
    second finds a target already queued and is refused (409).
    """
    now = timezone.now()
    # Videos are probed before the targets are locked (it takes network time); what the
    # locked post turns out to hold beyond that is left to the worker to check.
    probed = _probe_edited_videos(store=store, post_id=post_id, changes=changes)
    with transaction.atomic():
        post, targets = _locked_post(store=store, post_id=post_id)
        locked = [t for t in targets if t.status != TargetStatus.SCHEDULED]
        if locked:
            raise ApiError(
                "not_editable",
                "A post can be changed only while every platform is still scheduled.",
                http_status=409,
                details={"platforms": {t.platform: t.status for t in targets}},
            )
        schedule_at = post.schedule_at if changes.schedule_at is UNCHANGED else changes.schedule_at
        platforms = changes.platforms or [t.platform for t in targets]
        options = post.options if changes.options is None else changes.options
        strays = sorted(set(changes.options or {}) - set(platforms))
        if strays:
            raise ApiError(
                "validation_error",
                "Options for a platform the post is not sent to.",
                details={"options": {p: ["Not a platform of this post."] for p in strays}},
            )
        request = PublishRequest(
            platforms=platforms,
            content=changes.content or content_from_post(post),
            schedule_at=schedule_at,
            # A dropped platform's options go with it.
            options={p: o for p, o in options.items() if p in platforms},
        )
        accounts = publish_request_check(store=store, request=request, probed=probed)
        post.text = request.content.text
        post.media = [{"type": m.type, "url": m.url} for m in request.content.media]
        post.link = request.content.link
        post.options = request.options
        post.schedule_at = schedule_at
        post.save(update_fields=["text", "media", "link", "options", "schedule_at", "updated_at"])

        # Dropped platforms were never sent anywhere: their targets simply go.
        PostTarget.objects.filter(post=post).exclude(platform__in=request.platforms).delete()
        kept = {t.platform for t in targets}
        PostTarget.objects.bulk_create(
            PostTarget(post=post, platform=p, account=accounts[p], status=TargetStatus.SCHEDULED)
            for p in request.platforms
            if p not in kept
        )
        fields: dict[str, Any] = {"due_at": schedule_at, "updated_at": now}
        if schedule_at is None:  # "publish now"
            fields.update(status=TargetStatus.QUEUED, due_at=now, enqueued_at=now)
        # A scheduled target has no progress to keep, only the mark that its videos were
        # checked: the new content is marked afresh, or checked by the worker.
        for platform in request.platforms:
            checked = fully_checked(platform, request.content_for(platform), probed)
            PostTarget.objects.filter(post=post, platform=platform).update(
                checkpoint={CHECKED: True} if checked else {}, **fields
            )
        post_sync_status(post_id=post.pk)
        if schedule_at is None:
            _send_after_commit(list(PostTarget.objects.filter(post=post)))
    post.refresh_from_db()
    return post


def post_retry(*, store: Store, post_id: Any, platforms: list[str] | None) -> Post:
    """Send the failed targets (or the named ones) again, resuming from their checkpoints."""
    now = timezone.now()
    with transaction.atomic():
        post, targets = _locked_post(store=store, post_id=post_id)
        by_platform = {t.platform: t for t in targets}
        unknown = sorted(set(platforms or []) - set(by_platform))
        if unknown:
            raise ApiError(
                "validation_error",
                "The post has no such platforms.",
                details={"platforms": [f"Not in this post: {', '.join(unknown)}."]},
            )
        chosen = (
            [by_platform[p] for p in platforms]
            if platforms
            else [t for t in targets if t.status == TargetStatus.FAILED]
        )
        refused = [t for t in chosen if t.status != TargetStatus.FAILED]
        if refused or not chosen:
            raise ApiError(
                "not_retryable",
                "Only failed platforms can be retried; an unconfirmed one must settle first.",
                http_status=409,
                details={"platforms": {t.platform: t.status for t in targets}},
            )
        accounts = connected_accounts(store=store)
        disconnected = [
            t.platform
            for t in chosen
            if t.platform not in accounts
            or accounts[t.platform].status != SocialAccount.Status.CONNECTED
        ]
        if disconnected:
            raise ApiError(
                "account_needs_reconnect",
                "Reconnect these accounts before retrying: " + ", ".join(disconnected) + ".",
                http_status=409,
                details={"platforms": {p: "account_needs_reconnect" for p in disconnected}},
            )
        for target in chosen:
            PostTarget.objects.filter(pk=target.pk).update(
                status=TargetStatus.QUEUED,
                account=accounts[target.platform],
                due_at=now,
                enqueued_at=now,
                retry_base=F("attempt_count"),
                create_started_at=None,
                # A person decided to send it again: reconciliation's bounds start afresh
                # (its window, first_create_at, stays: every create call ever made counts).
                reconcile_lookups=0,
                reconcile_misses=0,
                error_code="",
                error_message="",
                platform_error="",
                updated_at=now,
            )
        post_sync_status(post_id=post.pk)
        _send_after_commit(chosen)
    post.refresh_from_db()
    return post


@dataclass
class UnpublishResult:
    platform: str
    status: str  # deleted | not_supported | failed
    error: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"platform": self.platform, "status": self.status}
        if self.error:
            body["error"] = self.error
        return body


def _delete_one(target: PostTarget) -> UnpublishResult:
    account = fresh_account(target.account)
    client = get_client(target.platform, recorder=recorder_for(target.pk))
    credentials = Credentials(
        access_token=account.access_token,
        account_id=account.platform_account_id,
        handle=account.handle,
        login=account.login_kind,
    )
    try:
        client.delete(credentials, target.platform_post_id)
    except NotSupportedError as exc:
        return UnpublishResult(target.platform, "not_supported", _error(exc))
    except AuthError as exc:
        social_account_mark_needs_reconnect(account_id=account.pk, reason=exc.message)
        return UnpublishResult(target.platform, "failed", _error(exc))
    except PlatformError as exc:
        return UnpublishResult(target.platform, "failed", _error(exc))
    with transaction.atomic():
        # Deleting is idempotent on the platforms (gone counts as deleted), so two
        # concurrent unpublishes need no lock: both end here, one row change.
        PostTarget.objects.filter(pk=target.pk, status=TargetStatus.PUBLISHED).update(
            status=TargetStatus.DELETED, deleted_at=timezone.now(), updated_at=timezone.now()
        )
        post_sync_status(post_id=target.post_id)
    return UnpublishResult(target.platform, "deleted")


def _error(exc: PlatformError) -> dict[str, Any]:
    return {"code": exc.code, "message": exc.message, "platform_message": exc.platform_message}


def post_unpublish(*, store: Store, post_id: Any) -> tuple[Post, list[UnpublishResult]]:
    """Delete the post's published targets from their platforms, each answered on its own."""
    post = Post.objects.filter(store=store, pk=post_id).first()
    if post is None:
        raise ApiError("not_found", "No such post.", http_status=404)
    targets = list(
        PostTarget.objects.select_related("account").filter(post=post).order_by("platform")
    )
    live = [t for t in targets if t.status == TargetStatus.PUBLISHED]
    if not live:
        raise ApiError(
            "not_published",
            "The post is not live on any platform.",
            http_status=409,
            details={"platforms": {t.platform: t.status for t in targets}},
        )
    results = [_delete_one(target) for target in live]
    post.refresh_from_db()
    return post, results
