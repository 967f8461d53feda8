"""The calendar places each post on its day in the store's timezone, in month and week views."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import Membership, SocialAccount, Store
from dashboard.calendar import first_weekday
from publishing.models import Post, PostTarget
from tests.factories import SocialAccountFactory, StoreFactory

pytestmark = pytest.mark.django_db


def _post(store: Store, account: SocialAccount, status: str, at: datetime, text: str) -> Post:
    post = Post.objects.create(store=store, text=text, status=status, schedule_at=at)
    PostTarget.objects.create(post=post, platform="x", account=account, status=status)
    return post


@pytest.fixture
def merchant(client: Client, store: Store) -> Client:
    Store.objects.filter(pk=store.pk).update(timezone="Asia/Riyadh")
    user = User.objects.create_user("huda", password="pw")
    Membership.objects.create(store=store, user=user, role="viewer")
    client.login(username="huda", password="pw")
    return client


def _cell(page: str, day: str) -> str:
    start = page.index(f'data-day="{day}"')
    end = page.find("data-day=", start + 10)
    return page[start : end if end > 0 else len(page)]


def test_month_view_places_posts_on_the_stores_days(
    merchant: Client, store: Store, x_account: SocialAccount
) -> None:
    # 22:30 UTC on the 14th is 01:30 on the 15th in Riyadh.
    late = _post(store, x_account, "scheduled", datetime(2026, 12, 14, 22, 30, tzinfo=UTC), "late")
    done = _post(store, x_account, "published", datetime(2026, 12, 3, 9, 0, tzinfo=UTC), "done")
    other = StoreFactory.create()
    _post(other, SocialAccountFactory.create(store=other), "scheduled", late.schedule_at, "theirs")  # type: ignore[arg-type]
    page = merchant.get(f"/stores/{store.pk}/calendar/?month=2026-12").content.decode()
    assert f"/stores/{store.pk}/posts/{late.pk}/" in _cell(page, "2026-12-15")
    assert "late" not in _cell(page, "2026-12-14")
    assert f"/stores/{store.pk}/posts/{done.pk}/" in _cell(page, "2026-12-03")
    assert "theirs" not in page
    assert "?month=2026-11" in page and "?month=2027-01" in page


def test_week_view(merchant: Client, store: Store, x_account: SocialAccount) -> None:
    post = _post(store, x_account, "scheduled", datetime(2026, 12, 16, 12, 0, tzinfo=UTC), "mid")
    page = merchant.get(f"/stores/{store.pk}/calendar/?week=2026-12-16").content.decode()
    assert page.count("data-day=") == 7
    assert f"/posts/{post.pk}/" in _cell(page, "2026-12-16")
    assert "15:00" in _cell(page, "2026-12-16")  # noon UTC is 15:00 in Riyadh


def test_the_week_starts_on_the_locales_first_day(merchant: Client, store: Store) -> None:
    english = merchant.get(f"/stores/{store.pk}/calendar/?week=2026-12-16").content.decode()
    first_english = english[english.index('data-day="') + 10 :][:10]
    arabic = merchant.get(
        f"/stores/{store.pk}/calendar/?week=2026-12-16", HTTP_ACCEPT_LANGUAGE="ar"
    ).content.decode()
    first_arabic = arabic[arabic.index('data-day="') + 10 :][:10]
    # Both languages' formats start the week on Sunday, as the Gulf's week does.
    assert date.fromisoformat(first_english).weekday() == 6
    assert date.fromisoformat(first_arabic).weekday() == 6
    assert first_weekday() == 6


def test_bad_parameters_fall_back_to_today(merchant: Client, store: Store) -> None:
    assert merchant.get(f"/stores/{store.pk}/calendar/?month=oops").status_code == 200
    assert merchant.get(f"/stores/{store.pk}/calendar/?week=2026-13-45").status_code == 200
