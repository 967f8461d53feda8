"""What the publishing services share about calling a target's platform: which account and
credentials, the attempt log every call leaves, and the lookup that asks whether a target's
post exists."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import SocialAccount
from accounts.selectors import connected_accounts
from mollkom_social.db import release_connection
from publishing.models import PostTarget, PublishAttempt
from publishing.platforms.base import Credentials, PublishResult
from publishing.platforms.http import CallRecord
from publishing.platforms.registry import get_client
from publishing.services.posts import content_from_post


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


def credentials_for(account: SocialAccount) -> Credentials:
    return Credentials(
        access_token=account.access_token,
        account_id=account.platform_account_id,
        handle=account.handle,
        login=account.login_kind,
    )


def publishing_account(target: PostTarget) -> SocialAccount:
    """The account to publish with: the target's own, or, when the merchant reconnected
    the platform since the post was written, the store's new connection."""
    if target.account.status != SocialAccount.Status.DISCONNECTED:
        return target.account
    current = connected_accounts(store=target.post.store).get(target.platform)
    if current is None:
        return target.account
    PostTarget.objects.filter(pk=target.pk).update(account=current)
    return current


def target_lookup(target: PostTarget, account: SocialAccount) -> PublishResult | None:
    """The platform's post for this target, searched from its first create call to now;
    None only after a complete search (the client's promise), else the client raises.

    ``target`` comes with its post and account (select_related)."""
    started = target.first_create_at or target.create_started_at or target.updated_at
    client = get_client(target.platform, recorder=recorder_for(target.pk))
    exclude = _posts_already_recorded(target, since=started - timedelta(days=1))
    release_connection()  # the search may read many pages
    return client.find_published(
        credentials_for(account),
        content_from_post(target.post, target.platform),
        since_epoch=started.timestamp(),
        exclude=exclude,
        saved=target.checkpoint,
    )


def _posts_already_recorded(target: PostTarget, *, since: datetime) -> frozenset[str]:
    """Platform ids of the account's other posts we already know, which a lookup must not
    mistake for this target's (two posts with the same text, minutes apart). Those settled
    well before the window cannot be in it."""
    return frozenset(
        PostTarget.objects.filter(account=target.account, platform=target.platform)
        .exclude(pk=target.pk)
        .exclude(platform_post_id="")
        .filter(updated_at__gte=min(since, timezone.now() - timedelta(days=2)))
        .values_list("platform_post_id", flat=True)
    )
