"""The composer: previews and counters as each platform counts, the API's own rule errors
before anything is written, publish now, schedule in the store's timezone, AI generation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import Membership, SocialAccount, Store
from content_ai.models import CreditAccount
from content_ai.services.credits import credit_account_ensure
from dashboard.compose_forms import media_items
from publishing.models import Post
from tests.content_ai.factories import ProductFactory
from tests.factories import SocialAccountFactory

pytestmark = pytest.mark.django_db

LONG_X = "عرض خاص على الفساتين الصيفية " * 12  # Arabic counts double on X: far over 280


@pytest.fixture
def editor(client: Client, store: Store, x_account: SocialAccount) -> Client:
    SocialAccountFactory.create(store=store, platform="threads")
    user = User.objects.create_user("huda", password="pw")
    Membership.objects.create(store=store, user=user, role="editor")
    client.login(username="huda", password="pw")
    return client


def _form(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": "",
        "media_urls": "",
        "link": "",
        "when": "now",
        "request_id": "0b9f9f1e-9c39-4a0e-8a7e-2f0f54a5a001",
    }
    data.update(fields)
    return data


def test_viewers_cannot_compose(client: Client, store: Store) -> None:
    user = User.objects.create_user("v", password="pw")
    Membership.objects.create(store=store, user=user, role="viewer")
    client.login(username="v", password="pw")
    assert client.get(f"/stores/{store.pk}/compose/").status_code == 403
    assert client.post(f"/stores/{store.pk}/compose/", _form(text="hi")).status_code == 403


def test_previews_count_as_each_platform_counts(editor: Client, store: Store) -> None:
    page = editor.post(
        f"/stores/{store.pk}/compose/preview",
        _form(text=LONG_X, platforms=["x", "threads"], link="https://shop.example/p/1"),
    ).content.decode()
    x_card, threads_card = page.split('data-platform="threads"')
    # X weighs Arabic letters double and adds the link as 23; Threads counts characters.
    assert 'class="counter over" data-counter="text" dir="ltr">' in x_card
    assert "the limit is 280" in x_card
    assert f">{len(LONG_X)} / 500<" in threads_card
    assert "error" not in threads_card


def test_an_over_long_x_text_is_refused_with_the_apis_error_and_nothing_is_written(
    editor: Client, store: Store
) -> None:
    response = editor.post(f"/stores/{store.pk}/compose/", _form(text=LONG_X, platforms=["x"]))
    assert response.status_code == 400
    page = response.content.decode()
    assert "The post does not meet the rules of these platforms:" in page
    assert "the limit is 280" in page
    assert not Post.objects.exists()


def test_publish_now_goes_to_the_posts_page_once(editor: Client, store: Store) -> None:
    form = _form(text="وصل حديثاً 🌸", platforms=["x", "threads"])
    response = editor.post(f"/stores/{store.pk}/compose/", form)
    post = Post.objects.get()
    assert response["Location"] == f"/stores/{store.pk}/posts/{post.pk}/"
    assert sorted(post.targets.values_list("platform", flat=True)) == ["threads", "x"]
    assert post.targets.filter(status="queued").count() == 2
    # The same form sent again (a double click, a reload) is the same post.
    again = editor.post(f"/stores/{store.pk}/compose/", form)
    assert again["Location"] == response["Location"]
    assert Post.objects.count() == 1


def test_schedule_in_the_stores_timezone(editor: Client, store: Store) -> None:
    Store.objects.filter(pk=store.pk).update(timezone="Asia/Riyadh")
    missing = editor.post(
        f"/stores/{store.pk}/compose/", _form(text="غداً", platforms=["x"], when="schedule")
    )
    assert missing.status_code == 400 and "Choose when to publish." in missing.content.decode()
    editor.post(
        f"/stores/{store.pk}/compose/",
        _form(text="غداً", platforms=["x"], when="schedule", schedule_at="2027-01-02T09:30"),
    )
    post = Post.objects.get()
    assert post.schedule_at == datetime(2027, 1, 2, 6, 30, tzinfo=UTC)
    assert post.targets.get().status == "scheduled"


def test_per_platform_text_and_format(editor: Client, store: Store) -> None:
    SocialAccountFactory.create(store=store, platform="youtube")
    page = editor.post(
        f"/stores/{store.pk}/compose/preview",
        _form(
            text="Main text", platforms=["x", "youtube"], text_x="Only on X", format_youtube="short"
        ),
    ).content.decode()
    assert "Only on X" in page and "Main text" in page


def test_generate_fills_the_text_and_suggests_a_time(editor: Client, store: Store) -> None:
    product = ProductFactory.create(store=store, title="فستان صيفي")
    # One credit left: the first generation spends it, the second finds none.
    credit_account_ensure(store=store)
    CreditAccount.objects.filter(store=store).update(balance=1)
    form = {
        "ai-product": product.pk,
        "ai-platform": "x",
        "ai-tone": "casual",
        "ai-language": "ar",
        "ai-dialect": "gulf",
    }
    page = editor.post(f"/stores/{store.pk}/compose/generate", form).content.decode()
    assert 'id="id_text" hx-swap-oob="true"' in page
    assert "Suggested time:" in page and "Credits left: 0" in page
    broke = editor.post(f"/stores/{store.pk}/compose/generate", form).content.decode()
    assert "The store has no AI credits left." in broke


def test_media_lines_become_images_and_videos() -> None:
    items = media_items(
        "https://cdn.example/a.jpg\n\nhttps://cdn.example/b.MP4?x=1\nvideo:https://cdn.example/c\n"
        "فيديو: https://cdn.example/d\nصورة:https://cdn.example/e.mp4"
    )
    assert [(m.type, m.url) for m in items] == [
        ("image", "https://cdn.example/a.jpg"),
        ("video", "https://cdn.example/b.MP4?x=1"),
        ("video", "https://cdn.example/c"),
        ("video", "https://cdn.example/d"),
        ("image", "https://cdn.example/e.mp4"),
    ]


def test_previews_show_only_the_ticked_platforms(editor: Client, store: Store) -> None:
    page = editor.post(
        f"/stores/{store.pk}/compose/preview", _form(text="hi", platforms=["x"])
    ).content.decode()
    assert 'data-platform="x"' in page
    assert 'data-platform="threads"' not in page
    none = editor.post(f"/stores/{store.pk}/compose/preview", _form(text="hi")).content.decode()
    assert "<article" not in none
    assert "Tick a platform to see its preview." in none


def test_the_submit_button_says_what_it_will_do_in_the_stores_timezone(
    editor: Client, store: Store
) -> None:
    store.timezone = "Asia/Riyadh"
    store.save()
    now = editor.post(f"/stores/{store.pk}/compose/preview", _form(platforms=["x"]))
    assert ">Publish now</button>" in now.content.decode()
    later = editor.post(
        f"/stores/{store.pk}/compose/preview",
        _form(platforms=["x"], when="schedule", schedule_at="2031-01-09T20:00"),
    ).content.decode()
    assert 'id="compose-submit" hx-swap-oob="true">Schedule for Thu 9 Jan, 8 p.m.</button>' in later
