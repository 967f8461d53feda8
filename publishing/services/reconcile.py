"""Settling `unconfirmed` targets: the create call went out and its answer was lost.

The platform is asked, never guessed: a post found is `published`; only a complete search
that finds nothing (every page back to the first create call, or the target's own saved
ids answering for themselves) sends the post again. A search that could not finish is
repeated later, with backoff. Both roads are bounded (RECONCILE_MAX_LOOKUPS lookups,
RECONCILE_MAX_MISSES complete misses): past them the target fails as `reconcile_failed`,
"it may be live", for a person to settle, instead of looping.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.oauth.refresh import fresh_account
from accounts.services import social_account_mark_needs_reconnect
from publishing.events import targets_settled
from publishing.models import PostTarget, TargetStatus
from publishing.platforms.base import AuthError, PlatformError, PublishResult, RetryableError
from publishing.services.platform_calls import publishing_account, target_lookup
from publishing.services.posts import post_sync_status

logger = logging.getLogger(__name__)

MAY_BE_LIVE = (
    "We could not confirm with the platform whether the post was published; it may be live. "
    "Check the account before retrying."
)


def target_reconcile(*, target_id: int) -> None:
    """Look for an `unconfirmed` target's post and settle it: published, sent again after a
    complete miss, or asked again later when the search could not finish."""
    target = _claim(target_id)
    if target is None:
        return
    try:
        found = target_lookup(target, fresh_account(publishing_account(target)))
    except PlatformError as exc:
        _lookup_failed(target, exc)
        return
    if found is not None:
        _found(target, found)
    elif target.reconcile_misses + 1 >= settings.RECONCILE_MAX_MISSES:
        _give_up(target, "complete searches never found the post, though its answers were lost")
    else:
        _send_again(target)


def _claim(target_id: int) -> PostTarget | None:
    """Take the target for one lookup: push its next look forward (a crash here is retried
    later) and count the lookup, whatever its outcome. The count is also this lookup's
    fence: every write below requires it unchanged, so a slower, older lookup of the same
    target (whose "not found" may predate a resend since) can never overwrite a newer one."""
    with transaction.atomic():
        target = (
            PostTarget.objects.select_for_update(of=("self",))
            .select_related("post", "post__store", "account")
            .filter(pk=target_id, status=TargetStatus.UNCONFIRMED)
            .first()
        )
        if target is None:
            return None
        target.reconcile_lookups += 1
        target.due_at = timezone.now() + timedelta(seconds=settings.PUBLISH_LEASE_SECONDS)
        target.save(update_fields=["reconcile_lookups", "due_at", "updated_at"])
    return target


def _found(target: PostTarget, found: PublishResult) -> None:
    with transaction.atomic():
        settled = _unconfirmed(target).update(
            status=TargetStatus.PUBLISHED,
            platform_post_id=found.platform_post_id,
            url=found.url,
            published_at=timezone.now(),
            error_code="",
            error_message="",
            platform_error="",
            due_at=None,
        )
        if settled:
            targets_settled(target_ids=[target.pk])
            post_sync_status(post_id=target.post_id)


def _send_again(target: PostTarget) -> None:
    """A complete search found nothing: the one road back to sending."""
    with transaction.atomic():
        _unconfirmed(target).update(
            status=TargetStatus.QUEUED,
            due_at=timezone.now(),
            enqueued_at=None,
            create_started_at=None,
            reconcile_misses=F("reconcile_misses") + 1,
            error_code="not_found_on_platform",
            error_message="The platform has no such post; sending it again.",
        )
        post_sync_status(post_id=target.post_id)


def _lookup_failed(target: PostTarget, exc: PlatformError) -> None:
    """The platform could not be asked, or the search could not finish. Ask again later, but
    not for ever: a refused token, or lookups past the bound, end the wait as a failure that
    says the post may be live, so a person checks before sending it again."""
    if isinstance(exc, AuthError):
        social_account_mark_needs_reconnect(account_id=target.account_id, reason=exc.message)
    if isinstance(exc, AuthError) or target.reconcile_lookups >= settings.RECONCILE_MAX_LOOKUPS:
        _give_up(target, exc.code, exc.platform_message)
        return
    # Backoff: the first looks come soon (a listing catching up), later ones further apart.
    delay = min(
        settings.RECONCILE_DELAY_SECONDS * 2 ** max(0, target.reconcile_lookups - 1),
        settings.PUBLISH_LEASE_SECONDS,
    )
    if isinstance(exc, RetryableError) and exc.retry_after:
        delay = max(delay, exc.retry_after)
    _unconfirmed(target).update(due_at=timezone.now() + timedelta(seconds=delay))
    logger.warning(
        "reconciliation could not settle the target; will look again",
        extra={"target": target.pk, "error": exc.code, "lookups": target.reconcile_lookups},
    )


def _give_up(target: PostTarget, reason: str, platform_error: str = "") -> None:
    with transaction.atomic():
        settled = _unconfirmed(target).update(
            status=TargetStatus.FAILED,
            due_at=None,
            error_code="reconcile_failed",
            error_message=MAY_BE_LIVE,
            platform_error=platform_error or reason,
        )
        if settled:
            targets_settled(target_ids=[target.pk])
            post_sync_status(post_id=target.post_id)
    logger.warning("reconciliation gave up", extra={"target": target.pk, "reason": reason})


def _unconfirmed(target: PostTarget) -> QuerySet[PostTarget]:
    """The target, if it is still unconfirmed and no lookup began after this one."""
    return PostTarget.objects.filter(
        pk=target.pk,
        status=TargetStatus.UNCONFIRMED,
        reconcile_lookups=target.reconcile_lookups,
    )
