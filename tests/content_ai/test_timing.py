from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Store
from content_ai.models import Product
from content_ai.timing import suggest_time
from publishing.models import Post, PostTarget
from tests.factories import SocialAccountFactory

# Monday 2026-04-13 12:00 UTC = 15:00 in Riyadh.
NOW = datetime(2026, 4, 13, 12, 0, tzinfo=UTC)


def _suggest(**overrides: object) -> object:
    arguments: dict[str, object] = {
        "platform": "instagram",
        "timezone_name": "Asia/Riyadh",
        "now": NOW,
        "publish_times": [],
        "scheduled_times": [],
        "language": "en",
        "platform_name": "Instagram",
    }
    arguments.update(overrides)
    return suggest_time(**arguments)  # type: ignore[arg-type]


def test_without_history_the_platforms_peak_hour_in_the_stores_timezone() -> None:
    suggestion = _suggest()
    assert suggestion.when == datetime(2026, 4, 13, 18, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    assert suggestion.reason == (  # type: ignore[attr-defined]
        "21:00 is one of the busiest hours on Instagram. "
        "Next good slot: Monday 2026-04-13 21:00 Riyadh time."
    )
    # The same local hour in another time zone is another instant (Cairo: UTC+2 in April).
    cairo = _suggest(timezone_name="Africa/Cairo")
    assert cairo.when == datetime(2026, 4, 13, 19, 0, tzinfo=UTC)  # type: ignore[attr-defined]


def test_always_in_the_future_even_late_at_night() -> None:
    late = datetime(2026, 4, 13, 20, 50, tzinfo=UTC)  # 23:50 in Riyadh
    suggestion = _suggest(now=late)
    assert suggestion.when > late + timedelta(minutes=29)  # type: ignore[attr-defined]
    assert suggestion.when.tzinfo == UTC  # type: ignore[attr-defined]


def test_the_stores_own_habit_outweighs_the_generic_hours() -> None:
    # The store publishes at 16:00 Riyadh (13:00 UTC) day after day.
    history = [datetime(2026, 4, d, 13, 5, tzinfo=UTC) for d in range(1, 6)]
    suggestion = _suggest(publish_times=history, language="ar")
    assert suggestion.when == datetime(2026, 4, 13, 13, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    assert suggestion.reason.startswith(  # type: ignore[attr-defined]
        "ينشر متجرك عادةً حوالي الساعة 16:00 (5 من آخر 5 منشورًا)"
    )


def test_a_slot_with_a_scheduled_post_is_avoided() -> None:
    taken = datetime(2026, 4, 13, 18, 0, tzinfo=UTC)  # tonight 21:00 Riyadh
    suggestion = _suggest(scheduled_times=[taken])
    # 22:00 tonight (an hour after the taken slot), rather than 21:00 tomorrow.
    assert suggestion.when == datetime(2026, 4, 13, 19, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    assert "already have a post scheduled" in suggestion.reason  # type: ignore[attr-defined]


def test_endpoint_uses_the_stores_history_and_schedule(
    api: APIClient, store: Store, product: Product
) -> None:
    store.timezone = "Asia/Dubai"
    store.save()
    account = SocialAccountFactory.create(store=store)
    for day in range(1, 5):  # published at 10:00 Dubai (06:00 UTC)
        post = Post.objects.create(store=store, text="x", status="published")
        PostTarget.objects.create(
            post=post, platform="x", account=account, status="published",
            published_at=datetime(2026, 4, day, 6, 0, tzinfo=UTC),
        )  # fmt: skip
    Post.objects.create(
        store=store,
        text="y",
        status="scheduled",
        schedule_at=datetime(2026, 4, 14, 6, 0, tzinfo=UTC),
    )
    with time_machine.travel(NOW, tick=False):
        assert timezone.now() == NOW
        response = api.post(
            "/functions/v1/social-generate-content",
            {
                "product_id": str(product.product_id),
                "platform": "x",
                "tone": "urgent",
                "language": "en",
            },
            format="json",
        )
    content = response.json()["content"]
    # Tomorrow 10:00 Dubai is taken by the scheduled post: the day after.
    assert content["suggested_time"] == "2026-04-15T06:00:00Z"
    assert content["suggested_time_reason"] == (
        "Your store usually publishes around 10:00 (4 of its last 4 posts). "
        "Next good slot: Wednesday 2026-04-15 10:00 Dubai time. "
        "Slots where you already have a post scheduled were skipped."
    )


def test_the_reason_names_the_zone_as_people_say_it_in_either_language() -> None:
    suggestion = _suggest(timezone_name="Africa/Cairo", scheduled_times=[])
    assert suggestion.reason_in("ar", platform_name="إنستغرام") == (  # type: ignore[attr-defined]
        "الساعة 21:00 من أوقات التفاعل العالية على إنستغرام. "
        "أقرب موعد مناسب: الاثنين 2026-04-13 21:00 بتوقيت القاهرة."
    )
    assert suggestion.reason_in("en").endswith("21:00 Cairo time.")  # type: ignore[attr-defined]
    # A zone without a name of its own: its city in English, the store's time in Arabic.
    far = _suggest(timezone_name="America/New_York")
    assert far.reason.endswith("New York time.")  # type: ignore[attr-defined]
    assert far.reason_in("ar").endswith("بتوقيت متجرك.")  # type: ignore[attr-defined]
