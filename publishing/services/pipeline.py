"""Publishing one target: claim, call the platform, record the outcome.

The rules (DESIGN.md, "State and the rules that keep it true"):
- claim with a conditional UPDATE before any call; zero rows means someone else has it;
- every later write is fenced by the attempt number the claim took, so a worker whose
  lease expired and was taken over cannot overwrite the new owner's outcome;
- retry automatically only errors that cannot have created a post; a create call whose
  answer was lost makes the target `unconfirmed`, to be settled by reconciliation.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import SocialAccount
from accounts.oauth.refresh import fresh_account
from accounts.selectors import connected_accounts
from accounts.services import social_account_mark_needs_reconnect
from mollkom_social.db import release_connection
from publishing.events import targets_settled
from publishing.models import PostTarget, PublishAttempt, TargetStatus
from publishing.platforms.base import (
    AuthError,
    Checkpoint,
    Credentials,
    OutcomeUnknownError,
    PermanentError,
    PlatformError,
    PublishResult,
    RetryableError,
)
from publishing.platforms.http import CallRecord
from publishing.platforms.registry import get_client
from publishing.services.posts import content_from_post, post_sync_status

logger = logging.getLogger(__name__)


def recorder_for(target_id: int) -> Any:
    """Record every platform call made for a target as a PublishAttempt row."""

    def record(call: CallRecord) -> None:
        PublishAttempt.objects.create(
            target_id=target_id,
            method=call.method,
            url=call.url[:2048],
            status_code=call.status_code,
            error=call.error,
            duration_ms=call.duration_ms,
        )
        release_connection()  # the next platform call may take long

    return record


def _credentials(account: SocialAccount) -> Credentials:
    return Credentials(
        access_token=account.access_token,
        account_id=account.platform_account_id,
        handle=account.handle,
        login=account.login_kind,
    )


def retry_delay(attempt: int, retry_after: float | None) -> float:
    """Exponential backoff with jitter, never sooner than the platform asked."""
    backoff = settings.PUBLISH_RETRY_BASE_SECONDS * (2 ** max(0, attempt - 1))
    backoff = min(backoff, 3600.0) * random.uniform(0.8, 1.2)
    return max(backoff, retry_after or 0.0)


class LeaseLost(Exception):
    """This attempt's lease ran out and another attempt took the target: stop, quietly."""


def target_claim(*, target_id: int) -> int | None:
    """Move a due, queued target to `processing`; the attempt number, or None if taken."""
    now = timezone.now()
    claimed = PostTarget.objects.filter(
        pk=target_id, status=TargetStatus.QUEUED, due_at__lte=now
    ).update(
        status=TargetStatus.PROCESSING,
        lease_expires_at=now + timedelta(seconds=settings.PUBLISH_LEASE_SECONDS),
        attempt_count=F("attempt_count") + 1,
        enqueued_at=None,
        updated_at=now,
    )
    if not claimed:
        return None
    # No post status to update: queued and processing both make a post `processing`.
    # Read back outside any lock: only the claimer moves attempt_count from here on.
    attempt: int = PostTarget.objects.values_list("attempt_count", flat=True).get(pk=target_id)
    return attempt


def _finish(target_id: int, attempt: int, **fields: Any) -> bool:
    """Write the outcome if this attempt still owns the target."""
    with transaction.atomic():
        updated = PostTarget.objects.filter(
            pk=target_id, status=TargetStatus.PROCESSING, attempt_count=attempt
        ).update(lease_expires_at=None, updated_at=timezone.now(), **fields)
        if updated:
            post_id = PostTarget.objects.values_list("post_id", flat=True).get(pk=target_id)
            targets_settled(target_ids=[target_id])
            post_sync_status(post_id=post_id)
    if not updated:
        logger.warning("target lost its lease before finishing", extra={"target": target_id})
    return bool(updated)


def _published(target_id: int, attempt: int, result: PublishResult) -> None:
    _finish(
        target_id,
        attempt,
        status=TargetStatus.PUBLISHED,
        platform_post_id=result.platform_post_id,
        url=result.url,
        published_at=timezone.now(),
        error_code="",
        error_message="",
        platform_error="",
        due_at=None,
    )


def _failed(
    target_id: int, attempt: int, code: str, message: str, platform_error: str = ""
) -> None:
    _finish(
        target_id,
        attempt,
        status=TargetStatus.FAILED,
        error_code=code,
        error_message=message,
        platform_error=platform_error,
        due_at=None,
    )


def _retry_or_fail(target_id: int, attempt: int, tries: int, error: RetryableError) -> None:
    """``tries``: attempts since the target was last (re)started by a person."""
    if tries >= settings.PUBLISH_MAX_ATTEMPTS:
        message = f"{error.message} (gave up after {tries} tries)"
        _failed(target_id, attempt, error.code, message, error.platform_message)
        return
    due = timezone.now() + timedelta(seconds=retry_delay(tries, error.retry_after))
    # Back to `queued`: the dispatcher sends it again when due (the database, not a
    # long countdown in the broker, holds the retry).
    _finish(
        target_id,
        attempt,
        status=TargetStatus.QUEUED,
        # Nothing was created (a retryable error says so): the next try starts clean.
        create_started_at=None,
        due_at=due,
        enqueued_at=None,
        error_code=error.code,
        error_message=error.message,
        platform_error=error.platform_message,
    )


def _unconfirmed(target_id: int, attempt: int, message: str, platform_error: str = "") -> None:
    _finish(
        target_id,
        attempt,
        status=TargetStatus.UNCONFIRMED,
        error_code="outcome_unknown",
        error_message=message,
        platform_error=platform_error,
        due_at=timezone.now() + timedelta(seconds=settings.RECONCILE_DELAY_SECONDS),
    )


def _publishing_account(target: PostTarget) -> SocialAccount:
    """The account to publish with: the target's own, or, when the merchant reconnected
    the platform since the post was written, the store's new connection."""
    if target.account.status != SocialAccount.Status.DISCONNECTED:
        return target.account
    current = connected_accounts(store=target.post.store).get(target.platform)
    if current is None:
        return target.account
    PostTarget.objects.filter(pk=target.pk).update(account=current)
    return current


def target_publish(*, target_id: int) -> None:
    """Claim the target and publish it to its platform, resuming from its checkpoint."""
    attempt = target_claim(target_id=target_id)
    if attempt is None:
        return
    target = PostTarget.objects.select_related("post", "account").get(pk=target_id)
    # A token about to expire is renewed first (under the account's row lock, so
    # concurrent publishes of one account refresh it once).
    account = fresh_account(_publishing_account(target))
    if account.status != SocialAccount.Status.CONNECTED:
        reason = f" {account.status_reason}" if account.status_reason else ""
        _failed(
            target_id,
            attempt,
            "account_needs_reconnect",
            f"The store's {target.platform} account must be reconnected.{reason}",
        )
        return

    # Each callback is fenced by this attempt and renews its lease: if another worker took
    # the target over meanwhile, this one stops before it can make a second post. Then it
    # lets the connection go: a platform call follows.
    owned = PostTarget.objects.filter(
        pk=target_id, status=TargetStatus.PROCESSING, attempt_count=attempt
    )

    def still_owned(**fields: Any) -> None:
        lease = timezone.now() + timedelta(seconds=settings.PUBLISH_LEASE_SECONDS)
        if not owned.update(lease_expires_at=lease, **fields):
            raise LeaseLost
        release_connection()

    def save_checkpoint(data: dict[str, Any]) -> None:
        still_owned(checkpoint=data)

    def before_create() -> None:
        still_owned(create_started_at=timezone.now())

    client = get_client(target.platform, recorder=recorder_for(target_id))
    release_connection()
    try:
        result = client.publish(
            _credentials(account),
            content_from_post(target.post, target.platform),
            Checkpoint(data=dict(target.checkpoint), save=save_checkpoint),
            before_create=before_create,
        )
    except LeaseLost:
        logger.warning("lease lost; another attempt owns the target", extra={"target": target_id})
    except RetryableError as exc:
        _retry_or_fail(target_id, attempt, attempt - target.retry_base, exc)
    except AuthError as exc:
        social_account_mark_needs_reconnect(account_id=account.pk, reason=exc.message)
        _failed(target_id, attempt, exc.code, exc.message, exc.platform_message)
    except OutcomeUnknownError as exc:
        _unconfirmed(target_id, attempt, exc.message, exc.platform_message)
    except PermanentError as exc:
        _failed(target_id, attempt, exc.code, exc.message, exc.platform_message)
    except Exception:
        logger.exception("unexpected error publishing", extra={"target": target_id})
        started = PostTarget.objects.filter(pk=target_id, create_started_at__isnull=False)
        if started.exists():
            _unconfirmed(target_id, attempt, "An internal error interrupted the publish.")
        else:
            _retry_or_fail(
                target_id,
                attempt,
                attempt - target.retry_base,
                RetryableError("An internal error interrupted the publish.", code="internal"),
            )
    else:
        _published(target_id, attempt, result)


MAX_RECONCILE_LOOKUPS = 12


def _posts_already_recorded(target: PostTarget) -> frozenset[str]:
    """Platform ids of the account's other posts we already know, which a lookup must not
    mistake for this target's (two posts with the same text, minutes apart)."""
    return frozenset(
        PostTarget.objects.filter(account=target.account, platform=target.platform)
        .exclude(pk=target.pk)
        .exclude(platform_post_id="")
        .filter(updated_at__gte=timezone.now() - timedelta(days=2))
        .values_list("platform_post_id", flat=True)
    )


def target_reconcile(*, target_id: int) -> None:
    """Settle an `unconfirmed` target: published if the platform has the post, otherwise
    back to `queued` so it is sent again (never a blind re-post: we looked first)."""
    now = timezone.now()
    # Push the next look forward, so a crash here is retried later. Two reconcilers of
    # one target are harmless: the lookup only reads, and the outcome is written once.
    claimed = PostTarget.objects.filter(pk=target_id, status=TargetStatus.UNCONFIRMED).update(
        due_at=now + timedelta(seconds=settings.PUBLISH_LEASE_SECONDS)
    )
    if not claimed:
        return
    target = PostTarget.objects.select_related("post", "post__store", "account").get(pk=target_id)
    since = (target.create_started_at or target.updated_at).timestamp()
    exclude = _posts_already_recorded(target)
    lookups = int(target.checkpoint.get("reconcile_lookups", 0)) + 1
    client = get_client(target.platform, recorder=recorder_for(target_id))
    release_connection()
    try:
        found = client.find_published(
            _credentials(fresh_account(_publishing_account(target))),
            content_from_post(target.post, target.platform),
            since_epoch=since,
            exclude=exclude,
        )
    except PlatformError as exc:
        _reconcile_failed(target, lookups, exc)
        return
    with transaction.atomic():
        base = PostTarget.objects.filter(pk=target_id, status=TargetStatus.UNCONFIRMED)
        if found is not None:
            settled = base.update(
                status=TargetStatus.PUBLISHED,
                platform_post_id=found.platform_post_id,
                url=found.url,
                published_at=now,
                error_code="",
                error_message="",
                platform_error="",
                due_at=None,
            )
            if settled:
                targets_settled(target_ids=[target_id])
        else:
            base.update(
                status=TargetStatus.QUEUED,
                due_at=now,
                enqueued_at=None,
                create_started_at=None,
                error_code="not_found_on_platform",
                error_message="The platform has no such post; sending it again.",
            )
        post_sync_status(post_id=target.post_id)


def _reconcile_failed(target: PostTarget, lookups: int, exc: PlatformError) -> None:
    """The platform could not be asked. Ask again later, but not for ever: an account
    whose token was refused, or a platform that never answers, ends the wait as a
    failure that says the post may be live, so a person checks before sending it again."""
    if isinstance(exc, AuthError):
        social_account_mark_needs_reconnect(account_id=target.account_id, reason=exc.message)
    if isinstance(exc, AuthError) or lookups >= MAX_RECONCILE_LOOKUPS:
        with transaction.atomic():
            settled = PostTarget.objects.filter(
                pk=target.pk, status=TargetStatus.UNCONFIRMED
            ).update(
                status=TargetStatus.FAILED,
                due_at=None,
                error_code="reconcile_failed",
                error_message=(
                    "We could not confirm with the platform whether the post was published; "
                    "it may be live. Check the account before retrying."
                ),
                platform_error=exc.platform_message,
            )
            if settled:
                targets_settled(target_ids=[target.pk])
                post_sync_status(post_id=target.post_id)
        return
    PostTarget.objects.filter(pk=target.pk, status=TargetStatus.UNCONFIRMED).update(
        checkpoint={**target.checkpoint, "reconcile_lookups": lookups}
    )
    logger.warning(
        "reconciliation failed; will try again", extra={"target": target.pk, "error": exc.code}
    )
