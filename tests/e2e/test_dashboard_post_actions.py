"""Acting on scheduled posts in a real browser (the system Chromium) against a live server:
drag a post to another day on the calendar (and see a refused move put back), and change
a post's time from its page."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Membership, SocialAccount, Store
from publishing.models import Post, PostTarget, TargetStatus
from publishing.platforms.base import Content
from publishing.services.posts import PublishRequest, post_create

# The log-in step of the dashboard's journey (Chromium's launch arguments come from conftest).
from tests.e2e.test_dashboard_browser import _log_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # see test_dashboard_browser.py

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]

RIYADH = ZoneInfo("Asia/Riyadh")


@pytest.fixture
def merchant(store: Store) -> User:
    """An editor, who may edit and move posts (the journey's password, for _log_in)."""
    user = User.objects.create_user("huda", password="a-long-pass-9")
    Membership.objects.create(store=store, user=user, role="editor")
    return user


@pytest.fixture
def riyadh(store: Store) -> Store:
    Store.objects.filter(pk=store.pk).update(timezone="Asia/Riyadh")
    store.refresh_from_db()
    return store


def _scheduled(store: Store, account: SocialAccount, day: date, at: time) -> Post:
    request = PublishRequest(
        platforms=["x"],
        content=Content(text="تخفيضات نهاية الأسبوع"),
        schedule_at=datetime.combine(day, at, tzinfo=RIYADH),
    )
    return post_create(store=store, request=request, accounts={"x": account})


def test_dragging_a_post_on_the_calendar_reschedules_it_or_puts_it_back(
    page: Page,
    live_server: Any,
    merchant: User,
    riyadh: Store,
    x_account: SocialAccount,
) -> None:
    today = timezone.localdate(timezone=RIYADH)
    day = today + timedelta(days=2)
    # The next day, or the one before (tomorrow) when the next is in another month.
    following = day + timedelta(days=1)
    target = following if following.month == day.month else day - timedelta(days=1)
    post = _scheduled(riyadh, x_account, day, time(18, 30))

    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/stores/{riyadh.pk}/calendar/?month={day:%Y-%m}")
    entry = page.locator(f"a.calendar-post[data-post='{post.pk}']")
    expect(page.locator(f"[data-day='{day}']").locator(entry)).to_be_visible()
    entry.drag_to(page.locator(f"td[data-day='{target}']"))

    expect(page.locator("#calendar-status")).to_contain_text("Rescheduled for")
    expect(page.locator(f"td[data-day='{target}']").locator(entry)).to_be_visible()
    post.refresh_from_db()
    assert post.schedule_at == datetime.combine(target, time(18, 30), tzinfo=RIYADH)

    # A worker claims it; the next drop is refused, the post goes back, the page says why.
    PostTarget.objects.filter(post=post).update(status=TargetStatus.PROCESSING)
    entry.drag_to(page.locator(f"td[data-day='{day}']"))
    expect(page.locator("#calendar-status")).to_contain_text("can no longer be changed")
    expect(page.locator(f"td[data-day='{target}']").locator(entry)).to_be_visible()
    post.refresh_from_db()
    assert post.schedule_at == datetime.combine(target, time(18, 30), tzinfo=RIYADH)


def test_changing_a_scheduled_posts_time_from_its_page(
    page: Page,
    live_server: Any,
    merchant: User,
    riyadh: Store,
    x_account: SocialAccount,
) -> None:
    day = timezone.localdate(timezone=RIYADH) + timedelta(days=2)
    post = _scheduled(riyadh, x_account, day, time(18, 30))

    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/stores/{riyadh.pk}/posts/{post.pk}/")
    page.get_by_role("link", name="Edit or reschedule").click()
    expect(page.locator("h1")).to_have_text("Edit the post")
    expect(page.locator("#id_schedule_at")).to_have_value(f"{day:%Y-%m-%d}T18:30")
    later = day + timedelta(days=1)
    page.fill("#id_schedule_at", f"{later:%Y-%m-%d}T21:15")
    expect(page.locator("#compose-submit")).to_contain_text("Schedule for")
    page.locator("#compose-submit").click()

    expect(page.get_by_text("The post was saved.")).to_be_visible()
    expect(page.locator("#post-status li[data-platform=x]")).to_have_attribute(
        "data-status", "scheduled"
    )
    post.refresh_from_db()
    assert post.schedule_at == datetime.combine(later, time(21, 15), tzinfo=RIYADH)
    assert PostTarget.objects.get(post=post).due_at == post.schedule_at
