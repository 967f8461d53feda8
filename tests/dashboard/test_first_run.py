"""A new store's first run: the overview's checklist (accounts, products, a first post, the
team) until the required steps are done, and each platform's prerequisites where the merchant
connects it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, SocialAccount, Store
from dashboard.models import Invitation
from publishing.models import Post, PostTarget
from tests.content_ai.factories import ProductFactory
from tests.factories import SocialAccountFactory

pytestmark = pytest.mark.django_db


def _member(client: Client, store: Store, role: str) -> None:
    user = User.objects.create_user(role, password="pw")
    Membership.objects.create(store=store, user=user, role=role)
    client.login(username=role, password="pw")


def _overview(client: Client, store: Store, lang: str = "en") -> str:
    response = client.get(f"/stores/{store.pk}/", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    return response.content.decode()


def _steps(page: str) -> dict[str, str]:
    """Each checklist step's "true"/"false" done state, by step."""
    return dict(re.findall(r'data-step="(\w+)" data-done="(true|false)"', page))


def _post(store: Store, account: SocialAccount, status: str) -> None:
    post = Post.objects.create(store=store, text="تخفيضات", status=status)
    # A partly published post has a published target (and others that failed).
    target = "published" if status == "partially_published" else status
    PostTarget.objects.create(post=post, platform=account.platform, account=account, status=target)


def test_a_new_store_sees_every_step_to_do_with_where_to_do_it(
    client: Client, store: Store
) -> None:
    _member(client, store, "owner")
    page = _overview(client, store)
    assert "Get started" in page and "Steps done: 0 of 3." in page
    assert _steps(page) == {
        "accounts": "false",
        "products": "false",
        "first_post": "false",
        "team": "false",
    }
    assert "Platforms connected: 0 of 6." in page
    for path, label in (
        (f"/stores/{store.pk}/accounts/", "Connect an account"),
        (f"/stores/{store.pk}/keys/", "Create an API key"),
        (f"/stores/{store.pk}/compose/", "Write a post"),
        (f"/stores/{store.pk}/team/", "Invite someone"),
    ):
        assert f'<a href="{path}">{label}</a>' in page
    assert "Invite your team (optional)" in page


def test_each_step_is_ticked_as_it_is_done_and_the_list_goes_once_the_required_are(
    client: Client, store: Store
) -> None:
    _member(client, store, "owner")
    x = SocialAccountFactory.create(store=store, platform="x")
    # An account that needs reconnecting cannot publish: it does not count.
    SocialAccountFactory.create(store=store, platform="threads", status="needs_reconnect")
    page = _overview(client, store)
    assert _steps(page)["accounts"] == "true"
    assert "Platforms connected: 1 of 6." in page
    assert f'<a href="/stores/{store.pk}/accounts/">Connect another account</a>' in page
    assert "Steps done: 1 of 3." in page

    ProductFactory.create(store=store)
    assert _steps(_overview(client, store))["products"] == "true"

    # Failed or cancelled posts are not a first post.
    _post(store, x, "failed")
    _post(store, x, "cancelled")
    page = _overview(client, store)
    assert _steps(page)["first_post"] == "false" and "Steps done: 2 of 3." in page

    # A scheduled post is: the required steps are done, so the list is gone, though the
    # optional team step is not.
    _post(store, x, "scheduled")
    page = _overview(client, store)
    assert "Get started" not in page and "checklist" not in page


@pytest.mark.parametrize("status", ["published", "partially_published", "processing"])
def test_a_post_on_its_way_or_out_is_the_first_post(
    client: Client, store: Store, status: str
) -> None:
    _member(client, store, "owner")
    _post(store, SocialAccountFactory.create(store=store, platform="x"), status)
    assert _steps(_overview(client, store))["first_post"] == "true"


def test_a_pending_invitation_or_a_second_member_is_the_team_step(
    client: Client, store: Store
) -> None:
    _member(client, store, "owner")
    Invitation.objects.create(
        store=store,
        email="sara@shop.example",
        role="editor",
        token_hash="0" * 64,
        expires_at=timezone.now() + timedelta(days=7),
    )
    assert _steps(_overview(client, store))["team"] == "true"
    Invitation.objects.all().delete()
    assert _steps(_overview(client, store))["team"] == "false"
    Membership.objects.create(store=store, user=User.objects.create_user("sara"), role="viewer")
    assert _steps(_overview(client, store))["team"] == "true"


def test_a_viewer_sees_the_steps_but_links_only_to_what_they_can_open(
    client: Client, store: Store
) -> None:
    _member(client, store, "viewer")
    page = _overview(client, store)
    assert f'<a href="/stores/{store.pk}/accounts/">Connect an account</a>' in page
    for path in ("keys", "compose", "team"):
        assert f'href="/stores/{store.pk}/{path}/"' not in page.split('id="checklist-title"')[1]
    assert "An editor or the store's owner does this step." in page
    assert "The store's owner does this step." in page


def test_the_checklist_in_arabic(client: Client, store: Store) -> None:
    _member(client, store, "owner")
    page = _overview(client, store, "ar")
    assert "ابدأ من هنا" in page
    assert "الخطوات المنجزة: 0 من 3." in page
    assert "المنصات المربوطة: 0 من 6." in page
    checklist = page.split('id="checklist-title"')[1].split("</section>")[0]
    assert not re.search(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>", "", checklist))


def test_each_platform_says_what_it_needs_where_it_is_connected(
    client: Client, store: Store, settings: Any
) -> None:
    settings.INSTAGRAM_LOGIN = "facebook"
    settings.TIKTOK_APP_AUDITED = False
    _member(client, store, "owner")
    SocialAccountFactory.create(store=store, platform="x")
    page = client.get(f"/stores/{store.pk}/accounts/").content.decode()
    cards = {m[1]: m[2] for m in re.finditer(r'data-platform="(\w+)">(.*?)</section>', page, re.S)}
    assert (
        "A professional Instagram account (Business or Creator) linked to a Facebook Page "
        "you manage." in cards["instagram"]
    )
    assert "A Facebook Page you can post on" in cards["facebook"]
    assert "the account must be private and posts are visible only to you" in cards["tiktok"]
    assert "uploads are private" in cards["youtube"]
    # Open before connecting; folded once the account is connected.
    assert '<details class="prerequisites" open>' in cards["instagram"]
    assert '<details class="prerequisites">' in cards["x"]

    settings.INSTAGRAM_LOGIN = "instagram"
    settings.TIKTOK_APP_AUDITED = True
    settings.YOUTUBE_APP_AUDITED = True
    page = client.get(f"/stores/{store.pk}/accounts/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "حساب إنستغرام احترافي (تجاري أو لصانع محتوى)." in page
    assert "صفحة فيسبوك" in page
    assert "إلى أن يراجع تيك توك" not in page and "مرئيةً لك وحدك" in page
    assert "إلى أن تراجع غوغل" not in page and "قناة على يوتيوب" in page
