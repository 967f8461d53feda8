"""The composer's previews look like each platform's post: the connected account's name and
avatar, the text as the platform shows it (Instagram's fold, X's ring), the picture or video
frame and the link card."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import Membership, Store
from publishing.platforms.x_text import x_weighted_length
from tests.content_ai.factories import ProductFactory
from tests.factories import SocialAccountFactory

pytestmark = pytest.mark.django_db

HANDLES = {
    "instagram": "huda.boutique",
    "facebook": "Huda Boutique",
    "x": "huda_x",
    "tiktok": "huda.tt",
    "threads": "huda.threads",
    "youtube": "hudachannel",
}
ALL = list(HANDLES)
IMAGE = "https://cdn.shop.example/dress.jpg"
VIDEO = "https://cdn.shop.example/dress.mp4"
PRODUCT_URL = "https://www.shop.example/p/summer-dress"


@pytest.fixture
def editor(client: Client, store: Store) -> Client:
    for platform, handle in HANDLES.items():
        SocialAccountFactory.create(store=store, platform=platform, handle=handle)
    user = User.objects.create_user("huda", password="pw")
    Membership.objects.create(store=store, user=user, role="editor")
    client.login(username="huda", password="pw")
    return client


def _previews(client: Client, store: Store, lang: str = "en", **fields: Any) -> dict[str, str]:
    """Each platform's preview card in the fragment, by platform."""
    data: dict[str, Any] = {
        "text": "",
        "media_urls": "",
        "link": "",
        "when": "now",
        "request_id": "0b9f9f1e-9c39-4a0e-8a7e-2f0f54a5a001",
        **fields,
    }
    response = client.post(f"/stores/{store.pk}/compose/preview", data, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    cards = response.content.decode().split("<article")[1:]
    return {re.search(r'data-platform="(\w+)"', card)[1]: card for card in cards}  # type: ignore[index]


def _words(weight: int) -> str:
    """Latin text that X weighs at exactly ``weight`` (one per letter and space)."""
    text = ("abcd " * weight)[:weight]
    assert x_weighted_length(text).weighted_length == weight
    return text


def test_every_preview_names_the_connected_account(editor: Client, store: Store) -> None:
    cards = _previews(editor, store, text="Summer dress", media_urls=VIDEO, platforms=ALL)
    assert sorted(cards) == sorted(ALL)
    for platform in ("x", "tiktok", "youtube"):
        assert f">@{HANDLES[platform]}</strong>" in cards[platform], platform
    # Instagram and Threads write the bare username; a Facebook Page goes by its name.
    for platform in ("instagram", "threads", "facebook"):
        assert f'dir="auto">{HANDLES[platform]}</strong>' in cards[platform], platform
        assert f"@{HANDLES[platform]}" not in cards[platform], platform
    # No avatar is known: the initial, in a colour that stays the same for the account.
    assert re.search(r'class="avatar avatar-tone-\d" aria-hidden="true">H<', cards["x"])


def test_instagram_folds_a_long_caption_after_two_lines(editor: Client, store: Store) -> None:
    first = "فستان صيفي مطرز يدوياً بخيوط قطنية ناعمة، مناسب للنزهات والسهرات الهادئة"
    rest = "يتوفر بثلاثة ألوان ومقاسات من الصغير إلى الكبير جداً، والشحن مجاني للطلبات."
    text = f"{first} {rest} {rest}"
    card = _previews(editor, store, "ar", text=text, media_urls=IMAGE, platforms=["instagram"])[
        "instagram"
    ]
    head = re.search(r'<span class="caption-head">(.*?)</span>', card, re.S)[1]  # type: ignore[index]
    hidden = re.search(r'<span class="caption-rest">(.*?)</span>', card, re.S)[1]  # type: ignore[index]
    assert head.startswith(first) and len(head) <= 125
    assert not head.endswith(" ") and text.startswith(head)
    assert head + hidden == text  # nothing lost at the fold
    assert "<summary>… المزيد</summary>" in card
    # Two short lines and a third: the fold comes after the second line.
    lines = "Line one\nLine two\nLine three"
    card = _previews(editor, store, text=lines, media_urls=IMAGE, platforms=["instagram"])[
        "instagram"
    ]
    assert '<span class="caption-head">Line one\nLine two</span>' in card
    assert '<span class="caption-rest">\nLine three</span>' in card
    short = _previews(editor, store, text="Short", media_urls=IMAGE, platforms=["instagram"])
    assert "<details" not in short["instagram"]
    assert '<span class="caption-head">Short</span>' in short["instagram"]


def test_the_x_ring_turns_amber_near_the_limit_and_red_past_it(
    editor: Client, store: Store
) -> None:
    calm = _previews(editor, store, text=_words(100), platforms=["x"])["x"]
    assert 'class="x-ring" data-state="ok"' in calm
    assert "X counter: 100 of 280, 180 left." in calm
    near = _previews(editor, store, text=_words(270), platforms=["x"])["x"]
    assert 'class="x-ring" data-state="near"' in near
    assert 'class="x-ring-left" aria-hidden="true" dir="ltr">10<' in near
    assert "X counter: 270 of 280, 10 left, near the limit." in near
    assert (
        'class="counter" data-counter="text" dir="ltr"><span aria-hidden="true">270 / 280<' in near
    )
    over = _previews(editor, store, text=_words(281), platforms=["x"])["x"]
    assert 'class="x-ring" data-state="over"' in over
    assert 'class="x-ring-left" aria-hidden="true" dir="ltr">-1<' in over
    assert "X counter: 281 of 280, 1 over the limit." in over
    assert (
        'class="counter over" data-counter="text" dir="ltr"><span aria-hidden="true">281 / 280<'
        in over
    )
    # The ring is drawn full past the limit, and in proportion below it.
    assert 'stroke-dashoffset="0.0"' in over
    assert 'stroke-dashoffset="2.02"' in near
    arabic = _previews(editor, store, "ar", text=_words(281), platforms=["x"])["x"]
    assert "عدّاد إكس: 281 من 280، بزيادة 1 على الحد." in arabic
    # Only X has a ring.
    threads = _previews(editor, store, text=_words(270), platforms=["threads"])["threads"]
    assert "x-ring" not in threads and ">270 / 500<" in threads


def test_a_link_to_a_product_shows_as_a_card_where_the_platform_draws_one(
    editor: Client, store: Store
) -> None:
    ProductFactory.create(store=store, title="Summer dress", url=PRODUCT_URL)
    cards = _previews(editor, store, text="New in", link=f"{PRODUCT_URL}/", platforms=ALL)
    card = '<span class="link-domain" dir="ltr">shop.example</span>'
    title = '<span class="link-title" dir="auto">Summer dress</span>'
    for platform in ("facebook", "threads", "x"):
        assert card in cards[platform] and title in cards[platform], platform
    # Instagram, TikTok and YouTube keep the link as text in the caption.
    for platform in ("instagram", "tiktok", "youtube"):
        assert "link-card" not in cards[platform] and PRODUCT_URL in cards[platform], platform
    # A link that is no product of the store still shows its domain; with a photo, Facebook
    # and X put the link in the text instead of a card.
    other = _previews(
        editor, store, text="Blog", link="https://blog.example/post", platforms=["facebook"]
    )["facebook"]
    assert '<span class="link-domain" dir="ltr">blog.example</span>' in other
    assert "link-title" not in other
    with_photo = _previews(
        editor, store, text="New in", link=PRODUCT_URL, media_urls=IMAGE, platforms=["x"]
    )["x"]
    assert "link-card" not in with_photo


def test_the_first_image_or_video_shows_in_the_platforms_frame(
    editor: Client, store: Store
) -> None:
    ProductFactory.create(store=store, title="Summer dress", url=PRODUCT_URL)
    photos = _previews(
        editor,
        store,
        text="New in",
        media_urls=f"{IMAGE}\nhttps://cdn.shop.example/back.jpg",
        link=PRODUCT_URL,
        platforms=["instagram", "x"],
    )
    assert '<figure class="frame frame-square" data-media="image">' in photos["instagram"]
    assert f'<img src="{IMAGE}" alt="Summer dress" loading="lazy">' in photos["instagram"]
    assert "Image or video 1 of 2." in photos["x"]
    assert "back.jpg" not in photos["x"]
    video = _previews(
        editor, store, text="Title line\nMore", media_urls=VIDEO, platforms=["youtube", "tiktok"]
    )
    assert '<figure class="frame frame-wide" data-media="video">' in video["youtube"]
    assert f'<video src="{VIDEO}" preload="metadata" muted playsinline' in video["youtube"]
    assert '<figure class="frame frame-portrait" data-media="video">' in video["tiktok"]
    # YouTube splits the first line off as the title; a TikTok video's caption is its title.
    assert '<p class="preview-title" dir="auto">Title line</p>' in video["youtube"]
    assert "preview-title" not in video["tiktok"]
    # No video yet: the video platforms keep an empty frame where it will show.
    empty = _previews(editor, store, text="Soon", platforms=["tiktok", "youtube", "x"])
    for platform in ("tiktok", "youtube"):
        assert "frame-empty" in empty[platform] and "The video shows here." in empty[platform]
    assert "<figure" not in empty["x"]


def test_a_tiktok_photo_post_has_a_title_and_a_description(editor: Client, store: Store) -> None:
    card = _previews(
        editor, store, text="Summer dress\nLight cotton.", media_urls=IMAGE, platforms=["tiktok"]
    )["tiktok"]
    assert '<p class="preview-title">Summer dress</p>' in card
    assert 'data-counter="title" dir="ltr"><span aria-hidden="true">12 / 90<' in card
    assert 'data-counter="text" dir="ltr"><span aria-hidden="true">26 / 4000<' in card
    assert '<figure class="frame frame-portrait" data-media="image">' in card


def test_media_addresses_that_are_not_web_addresses_are_not_shown(
    editor: Client, store: Store
) -> None:
    card = _previews(
        editor, store, text="x", media_urls="image:javascript:alert(1)", platforms=["x"]
    )["x"]
    assert "javascript:" not in card
    assert "frame-empty" in card
