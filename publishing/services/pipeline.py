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
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import SocialAccount
from accounts.oauth.refresh import fresh_account
from accounts.services import social_account_mark_needs_reconnect
from mollkom_social.db import release_connection
from publishing.events import targets_settled
from publishing.models import PostTarget, TargetStatus
from publishing.platforms.base import (
    AuthError,
    Checkpoint,
    Content,
    DuplicateContentError,
    LookupIncompleteError,
    OutcomeUnknownError,
    PermanentError,
    PlatformError,
    PublishResult,
    RetryableError,
)
from publishing.platforms.registry import get_client
from publishing.services import media_checks
from publishing.services.platform_calls import (
    credentials_for,
    publishing_account,
    recorder_for,
    target_lookup,
)
from publishing.services.posts import content_from_post, post_sync_status

logger = logging.getLogger(__name__)


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


def _media_fits(
    target_id: int, attempt: int, platform: str, content: Content, checkpoint: Checkpoint
) -> bool:
    """Probe the target's videos before its first platform call, unless the request did or
    the target is resuming (any checkpoint); fail it, no call spent, if a rule is broken."""
    if checkpoint.data or not media_checks.has_videos_to_check(platform, content):
        return True
    release_connection()  # probing takes network time
    violations, all_probed = media_checks.worker_check(platform, content)
    if violations:
        _failed(target_id, attempt, violations[0].code, " ".join(v.message for v in violations))
        return False
    # Not probed means the platform judges the file, as before; either way, not again.
    checkpoint.set(media_checks.CHECKED, all_probed)
    return True


def target_publish(*, target_id: int) -> None:
    """Claim the target and publish it to its platform, resuming from its checkpoint."""
    attempt = target_claim(target_id=target_id)
    if attempt is None:
        return
    target = PostTarget.objects.select_related("post", "account").get(pk=target_id)
    # A token about to expire is renewed first (under the account's row lock, so
    # concurrent publishes of one account refresh it once).
    account = fresh_account(publishing_account(target))
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
        # A client notes what it changed to fit the platform (a converted image) in the
        # checkpoint; the target shows it from then on, whatever the outcome.
        still_owned(checkpoint=data, notices=list(data.get("notices") or []))

    def before_create() -> None:
        now = timezone.now()
        # The first create call fixes reconciliation's window for good.
        still_owned(create_started_at=now, first_create_at=Coalesce("first_create_at", Value(now)))

    content = content_from_post(target.post, target.platform)
    checkpoint = Checkpoint(data=dict(target.checkpoint), save=save_checkpoint)
    try:
        if not _media_fits(target_id, attempt, target.platform, content, checkpoint):
            return
    except LeaseLost:
        logger.warning("lease lost; another attempt owns the target", extra={"target": target_id})
        return
    client = get_client(target.platform, recorder=recorder_for(target_id))
    release_connection()
    try:
        result = client.publish(
            credentials_for(account),
            content,
            checkpoint,
            before_create=before_create,
        )
    except LeaseLost:
        logger.warning("lease lost; another attempt owns the target", extra={"target": target_id})
    except RetryableError as exc:
        _retry_or_fail(target_id, attempt, attempt - target.retry_base, exc)
    except AuthError as exc:
        social_account_mark_needs_reconnect(account_id=account.pk, reason=exc.message)
        _failed(target_id, attempt, exc.code, exc.message, exc.platform_message)
    except (OutcomeUnknownError, LookupIncompleteError) as exc:
        _unconfirmed(target_id, attempt, exc.message, exc.platform_message)
    except DuplicateContentError as exc:
        if target.first_create_at is None:
            _failed(target_id, attempt, exc.code, exc.message, exc.platform_message)
        else:
            # An earlier create call of this target may have made the very post the platform
            # now calls a copy: find it rather than fail a live post.
            _settle_duplicate(target, account, attempt, exc)
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


def _settle_duplicate(
    target: PostTarget, account: SocialAccount, attempt: int, refusal: DuplicateContentError
) -> None:
    """After a resend the platform refused as a copy: published, if the copy is this target's
    own earlier post; the refusal stands if a complete search finds none; unconfirmed (to be
    reconciled) if the search could not finish."""
    try:
        found = target_lookup(target, account)
    except PlatformError as exc:
        _unconfirmed(
            target.pk,
            attempt,
            "The platform refused the post as a copy of an earlier one; checking whether that "
            "one is this post.",
            exc.platform_message,
        )
        return
    if found is None:
        _failed(target.pk, attempt, refusal.code, refusal.message, refusal.platform_message)
    else:
        _published(target.pk, attempt, found)
