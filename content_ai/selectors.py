"""Reads for content generation, always scoped by store."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import Min

from accounts.models import Store
from content_ai.models import Product
from publishing.models import Post, PostStatus, PostTarget, TargetStatus

HISTORY_DAYS = 90


def product_get(*, store: Store, product_id: UUID) -> Product | None:
    return Product.objects.filter(store=store, product_id=product_id).first()


def store_publish_times(*, store: Store, now: datetime) -> list[datetime]:
    """When the store's posts went out over the last 90 days, one time per post (its first
    platform), so a post sent to four platforms counts once."""
    rows = (
        PostTarget.objects.filter(
            post__store=store,
            status=TargetStatus.PUBLISHED,
            published_at__gte=now - timedelta(days=HISTORY_DAYS),
        )
        .values("post_id")
        .annotate(first=Min("published_at"))
        .values_list("first", flat=True)
    )
    return [when for when in rows if when is not None]


def store_scheduled_times(*, store: Store, start: datetime, end: datetime) -> list[datetime]:
    return [
        when
        for when in Post.objects.filter(
            store=store,
            status=PostStatus.SCHEDULED,
            schedule_at__gte=start,
            schedule_at__lt=end,
        ).values_list("schedule_at", flat=True)
        if when is not None
    ]
