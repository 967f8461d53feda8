"""What the pages tell assistive technology and the phone layout, as the server renders it:
the current page in the nav, announced messages, counters that say what they count, every
aria-describedby pointing at something, labelled table cells, the month's agenda. (The
browser test, tests/e2e/test_dashboard_phone.py, checks how it looks and runs axe-core.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import Membership, SocialAccount, Store
from publishing.models import Post, PostTarget
from tests.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db

LONG_X = "عرض خاص على الفساتين الصيفية " * 12  # X weighs it 348 of 280


class _Ids(HTMLParser):
    """Every id on the page and every id an aria-describedby names."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.described_by: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"] or "")
        self.described_by.update((found.get("aria-describedby") or "").split())


@pytest.fixture
def owner(client: Client, store: Store) -> Client:
    user = User.objects.create_user("huda", password="pw")
    Membership.objects.create(store=store, user=user, role="owner")
    client.login(username="huda", password="pw")
    return client


def _post(store: Store, account: SocialAccount, status: str, at: datetime) -> Post:
    post = Post.objects.create(store=store, text="تخفيضات", status=status, schedule_at=at)
    PostTarget.objects.create(post=post, platform="x", account=account, status=status)
    return post


def _current(page: str) -> list[tuple[str, str]]:
    """(aria-current value, link text) of the nav's marked links."""
    return re.findall(r'<a href="[^"]*" aria-current="(\w+)">([^<]*)</a>', page)


def test_the_nav_marks_the_page_shown(
    owner: Client, store: Store, x_account: SocialAccount
) -> None:
    assert _current(owner.get(f"/stores/{store.pk}/calendar/").content.decode()) == [
        ("page", "Calendar")
    ]
    assert _current(owner.get(f"/stores/{store.pk}/keys/").content.decode()) == [
        ("page", "API keys")
    ]
    # A post's own page is within Posts, not the Posts page itself.
    post = _post(store, x_account, "published", datetime(2026, 12, 3, tzinfo=UTC))
    page = owner.get(f"/stores/{store.pk}/posts/{post.pk}/").content.decode()
    assert _current(page) == [("true", "Posts")]


def test_the_menu_button_controls_the_menu_and_starts_hidden(owner: Client, store: Store) -> None:
    page = owner.get(f"/stores/{store.pk}/").content.decode()
    # Hidden until menu.js takes it over: without the script the menu stays open.
    assert (
        '<button type="button" class="menu-toggle" aria-expanded="false" aria-controls="menu"'
        " hidden>Menu</button>" in page
    )
    assert '<div class="menu" id="menu">' in page


def test_flash_messages_are_announced(owner: Client, store: Store) -> None:
    key, _raw = ApiKeyFactory.create_with_raw(store=store)
    page = owner.post(
        f"/stores/{store.pk}/keys/{key.pk}/revoke", {"confirmed": "yes"}, follow=True
    ).content.decode()
    assert re.search(
        r'<div class="messages" role="status">\s*<ul>\s*<li class="success">The key was revoked.',
        page,
    )


def test_every_aria_describedby_names_an_element_of_the_page(
    owner: Client, store: Store, x_account: SocialAccount
) -> None:
    parser = _Ids()
    parser.feed(owner.get(f"/stores/{store.pk}/compose/").content.decode())
    # The media field and each platform's own text have help text, and say so.
    assert {"id_media_urls_helptext", "id_text_x_helptext"} <= parser.described_by
    assert parser.described_by - parser.ids == set()


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("en", "Text: 348 of 280 characters, over the limit"),
        ("ar", "عدد أحرف النص: 348 من 280، وهذا يتجاوز الحد"),
    ],
)
def test_counters_say_what_they_count(
    owner: Client, store: Store, x_account: SocialAccount, language: str, label: str
) -> None:
    page = owner.post(
        f"/stores/{store.pk}/compose/preview",
        {
            "text": LONG_X,
            "platforms": ["x"],
            "when": "now",
            "request_id": "0b9f9f1e-9c39-4a0e-8a7e-2f0f54a5a001",
        },
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    # The digits are for the eye; the sentence is for screen readers.
    assert '<span aria-hidden="true">348 / 280</span>' in page
    assert f'<span class="visually-hidden" dir="auto">{label}</span>' in page


def test_tables_label_their_cells_and_have_no_empty_header(
    owner: Client, store: Store, x_account: SocialAccount
) -> None:
    _post(store, x_account, "published", datetime(2026, 12, 3, tzinfo=UTC))
    ApiKeyFactory.create_with_raw(store=store)
    posts = owner.get(f"/stores/{store.pk}/posts/").content.decode()
    for label in ("Platforms", "Status", "When"):
        assert f'<td data-label="{label}">' in posts
    for page in ("posts", "team", "keys"):
        html = owner.get(f"/stores/{store.pk}/{page}/").content.decode()
        assert '<table class="posts stack">' in html
        assert "<th></th>" not in html


def test_the_months_agenda_lists_the_days_with_posts_in_order(
    owner: Client, store: Store, x_account: SocialAccount
) -> None:
    Store.objects.filter(pk=store.pk).update(timezone="Asia/Riyadh")
    # 22:30 UTC on the 14th is the 15th in Riyadh; November's post is not December's.
    late = _post(store, x_account, "scheduled", datetime(2026, 12, 14, 22, 30, tzinfo=UTC))
    early = _post(store, x_account, "published", datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    _post(store, x_account, "published", datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    page = owner.get(f"/stores/{store.pk}/calendar/?month=2026-12").content.decode()
    agenda = page[page.index('<div class="agenda">') : page.index('<table class="calendar')]
    assert re.findall(r'data-agenda-day="([\d-]+)"', agenda) == ["2026-12-03", "2026-12-15"]
    assert agenda.index(f"/posts/{early.pk}/") < agenda.index(f"/posts/{late.pk}/")

    empty = owner.get(f"/stores/{store.pk}/calendar/?month=2027-02").content.decode()
    assert "Nothing planned this month." in empty
