"""The merchant's journey in a real browser (pytest-playwright on the system Chromium) against a
live server, a real worker and beat, and the sandbox: log in, compose an X post that is too
long and see the counter and the error, fix it, publish and watch the status turn `published`
without reloading, schedule another, find it on the calendar, cancel it; and in Arabic."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import Membership, SocialAccount, Store
from publishing.models import Post
from publishing.sandbox._oauth import register_app_everywhere
from tests.e2e.conftest import Stack

# Playwright's sync API keeps an event loop running in the test thread for the session, and
# Django refuses ORM calls while one runs. This process has no async code: every ORM call
# here (fixtures, database setup, assertions) is plainly synchronous, so the guard is lifted.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]

TOO_LONG = "عرض خاص على الفساتين الصيفية " * 12


@pytest.fixture
def running(stack: Stack) -> Stack:
    stack.worker()
    stack.beat()
    return stack


@pytest.fixture
def merchant(store: Store) -> User:
    user = User.objects.create_user("huda", password="a-long-pass-9")
    Membership.objects.create(store=store, user=user, role="owner")
    return user


@pytest.fixture
def oauth_ready(live_server: Any, running: Stack, settings: Any) -> None:
    """The sandbox knows our app, its callbacks on the live server."""
    settings.PUBLIC_BASE_URL = live_server.url
    register_app_everywhere(
        running.sandbox.state.oauth,
        client_id=settings.SANDBOX_OAUTH_CLIENT_ID,
        client_secret=settings.SANDBOX_OAUTH_CLIENT_SECRET,
        public_base_url=live_server.url,
    )


def _log_in(page: Page, base: str) -> None:
    page.goto(base + "/")
    page.fill("#id_username", "huda")
    page.fill("#id_password", "a-long-pass-9")
    page.locator("form[action='/login/'] button[type=submit]").click()


def _compose(page: Page, text: str) -> None:
    page.fill("#id_text", text)


def test_connect_compose_publish_schedule_and_cancel(
    page: Page, live_server: Any, running: Stack, oauth_ready: None, merchant: User, store: Store
) -> None:
    base = live_server.url
    _log_in(page, base)
    expect(page.locator("h1")).to_have_text(store.name)

    # Connect X through the platform's consent page (the sandbox's), back to our page.
    page.get_by_role("link", name="Accounts").click()
    page.locator(".platform-card[data-platform=x]").get_by_role("button", name="Connect").click()
    page.fill("input[name=username]", "huda_shop")
    page.locator("button[name=decision][value=approve]").click()
    expect(page.get_by_text("X is connected.")).to_be_visible()
    expect(page.locator(".platform-card[data-platform=x]")).to_contain_text("@huda_shop")

    page.get_by_role("link", name="Compose").click()
    page.get_by_role("checkbox", name="X", exact=True).check()
    _compose(page, TOO_LONG)
    x_preview = page.locator(".preview[data-platform=x]")
    expect(x_preview.locator(".counter.over")).to_be_visible()
    expect(x_preview).to_contain_text("the limit is 280")
    page.locator("#compose-submit").click()
    refusal = page.locator(".error[role=alert]")
    expect(refusal).to_contain_text("The post does not meet the rules of these platforms:")
    expect(refusal).to_contain_text("X: X counts this text as 348 characters")
    assert not Post.objects.exists()

    _compose(page, "وصل حديثاً: فستان صيفي")
    expect(x_preview.locator(".counter")).not_to_have_class(re.compile("over"))
    page.locator("#compose-submit").click()
    # The status block polls by itself: no reload between "publishing" and "published".
    target = page.locator("#post-status li[data-platform=x]")
    expect(target).to_have_attribute("data-status", "published", timeout=30_000)
    expect(target.get_by_role("link", name="View the post")).to_be_visible()

    page.get_by_role("link", name="Compose").click()
    page.get_by_role("checkbox", name="X", exact=True).check()
    _compose(page, "غداً: تخفيضات نهاية الأسبوع")
    page.get_by_role("radio", name="Schedule").check()
    when = timezone.localtime(timezone.now() + timedelta(days=2)).replace(hour=18, minute=30)
    page.fill("#id_schedule_at", when.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#compose-submit").click()
    expect(page.locator("#post-status li[data-platform=x]")).to_have_attribute(
        "data-status", "scheduled"
    )
    scheduled = Post.objects.get(status="scheduled")

    page.goto(f"{base}/stores/{store.pk}/calendar/?month={when:%Y-%m}")
    entry = page.locator(f"a.calendar-post[data-post='{scheduled.pk}']")
    expect(entry).to_contain_text("6:30 p.m.")  # the store's time, as the form took it
    entry.click()
    page.get_by_role("button", name="Cancel the scheduled post").click()
    page.get_by_role("button", name="Yes, cancel it").click()  # it asks first
    expect(page.locator("#post-status li[data-platform=x]")).to_have_attribute(
        "data-status", "cancelled"
    )
    assert len(running.sandbox.state.posts("x")) == 1


def test_the_same_journey_in_arabic(
    browser: Browser,
    live_server: Any,
    running: Stack,
    merchant: User,
    store: Store,
    x_account: SocialAccount,
) -> None:
    context: BrowserContext = browser.new_context(locale="ar-SA")
    page = context.new_page()
    _log_in(page, live_server.url)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_role("link", name="إنشاء منشور").click()
    expect(page.locator("h1")).to_have_text("إنشاء منشور")
    page.get_by_role("checkbox", name="إكس", exact=True).check()
    _compose(page, TOO_LONG)
    expect(page.locator(".preview[data-platform=x] .counter.over")).to_be_visible()
    _compose(page, "وصل حديثاً 🌸")
    page.get_by_role("button", name="نشر").click()
    target = page.locator("#post-status li[data-platform=x]")
    expect(target).to_have_attribute("data-status", "published", timeout=30_000)
    expect(target).to_contain_text("منشور")
    context.close()
