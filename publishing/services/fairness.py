"""Per-store and per-account concurrency limits in front of the publish pipeline.

Every store shares the workers' threads. Without a limit, one store's burst of posts whose
media host answers slowly holds every thread, and another store's text post waits behind
it. So a target takes a slot of its store and of its account before it is claimed; when
either is full it is not claimed but deferred: left ``queued`` with ``due_at`` a few
seconds on and no message in flight, so the dispatcher sends it again. The row holds the
truth, not a countdown in the broker, and no attempt is spent.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from functools import cache

import redis
from django.conf import settings
from django.utils import timezone

from publishing.models import PostTarget, TargetStatus
from publishing.services.pipeline import target_publish
from publishing.slots import Claim, LocalSlots, RedisSlots, Slots, holding

logger = logging.getLogger(__name__)


@cache
def _slots() -> Slots:
    # One per process: its renewer thread keeps every slot the process holds alive.
    if settings.PUBLISH_LIMITS_REDIS_URL:
        client = redis.Redis.from_url(settings.PUBLISH_LIMITS_REDIS_URL)
        return RedisSlots(client, ttl_seconds=settings.PUBLISH_SLOT_TTL_SECONDS)
    return LocalSlots()


def target_claims(*, store_id: object, account_id: int) -> list[Claim]:
    """The slots a target of this store and account needs; a limit of 0 is no limit."""
    # One hash tag per store: both keys land on one Redis Cluster slot, as a script needs.
    prefix = f"{settings.PUBLISH_LIMITS_KEY_PREFIX}:{{{store_id}}}"
    claims = []
    if settings.PUBLISH_MAX_CONCURRENT_PER_STORE > 0:
        claims.append(Claim(f"{prefix}:store", settings.PUBLISH_MAX_CONCURRENT_PER_STORE))
    if settings.PUBLISH_MAX_CONCURRENT_PER_ACCOUNT > 0:
        claims.append(
            Claim(f"{prefix}:account:{account_id}", settings.PUBLISH_MAX_CONCURRENT_PER_ACCOUNT)
        )
    return claims


def target_defer(*, target_id: int) -> bool:
    """Push a queued target's due time a little and leave it for the dispatcher to resend.

    Jittered, so a store's deferred targets do not all come back on the same tick."""
    seconds = settings.PUBLISH_LIMIT_DEFER_SECONDS * random.uniform(1.0, 1.5)
    now = timezone.now()
    deferred = PostTarget.objects.filter(
        pk=target_id, status=TargetStatus.QUEUED, due_at__lte=now
    ).update(due_at=now + timedelta(seconds=seconds), enqueued_at=None, updated_at=now)
    return bool(deferred)


def target_publish_within_limits(*, target_id: int) -> None:
    """Publish the target if its store and account have a free slot, else defer it."""
    row = (
        PostTarget.objects.filter(
            pk=target_id, status=TargetStatus.QUEUED, due_at__lte=timezone.now()
        )
        .values("post__store_id", "account_id")
        .first()
    )
    if row is None:
        return  # not claimable now (taken, cancelled, not due): the claim would say the same
    claims = target_claims(store_id=row["post__store_id"], account_id=row["account_id"])
    with holding(_slots(), claims) as held:
        if held:
            target_publish(target_id=target_id)
            return
    if target_defer(target_id=target_id):
        logger.info(
            "store or account at its concurrency limit; target deferred",
            extra={"target": target_id, "store": str(row["post__store_id"])},
        )
