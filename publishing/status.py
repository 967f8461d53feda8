"""A post's overall status, derived from its targets' statuses."""

from __future__ import annotations

from collections.abc import Iterable

from publishing.models import PostStatus, TargetStatus

ACTIVE = {TargetStatus.QUEUED, TargetStatus.PROCESSING}
SETTLED = {
    TargetStatus.PUBLISHED,
    TargetStatus.FAILED,
    TargetStatus.UNCONFIRMED,
    TargetStatus.CANCELLED,
    TargetStatus.DELETED,
}


def post_status(target_statuses: Iterable[str]) -> PostStatus:
    statuses = {TargetStatus(s) for s in target_statuses}
    if statuses & ACTIVE:
        return PostStatus.PROCESSING
    if TargetStatus.SCHEDULED in statuses:
        return PostStatus.SCHEDULED
    if TargetStatus.UNCONFIRMED in statuses:
        return PostStatus.UNCONFIRMED
    published = TargetStatus.PUBLISHED in statuses
    failed = TargetStatus.FAILED in statuses
    if published and failed:
        return PostStatus.PARTIALLY_PUBLISHED
    if published:  # still live on at least one platform, even if taken down elsewhere
        return PostStatus.PUBLISHED
    if TargetStatus.DELETED in statuses:
        return PostStatus.DELETED
    if failed:
        return PostStatus.FAILED
    return PostStatus.CANCELLED
