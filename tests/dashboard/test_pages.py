"""The merchant dashboard's pages: login, store isolation, roles, filters, the live status
block, the health banner and the two languages."""

from __future__ import annotations

import ast
import gettext
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, SocialAccount, Store
from publishing.heartbeats import BEAT, WORKER, heartbeat_record
from publishing.models import Post, PostTarget
from tests.factories import SocialAccountFactory, StoreFactory

pytestmark = pytest.mark.django_db


def _merchant(client: Client, store: Store, role: str = "editor", name: str = "huda") -> User:
    user = User.objects.create_user(name, password="pw")
    Membership.objects.create(store=store, user=user, role=role)
    client.login(username=name, password="pw")
    return user


def _post(store: Store, account: SocialAccount, status: str, text: str = "تخفيضات") -> Post:
    post = Post.objects.create(store=store, text=text, status=status)
    PostTarget.objects.create(post=post, platform=account.platform, account=account, status=status)
    return post


@pytest.fixture
def alive() -> None:
    heartbeat_record(name=WORKER)
    heartbeat_record(name=BEAT)


def test_root_leads_to_login_then_to_the_store(client: Client, store: Store) -> None:
    assert client.get("/")["Location"] == "/login/"
    User.objects.create_user("huda", password="pw")
    Membership.objects.create(store=store, user=User.objects.get(), role="owner")
    response = client.post("/login/", {"username": "huda", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/stores/{store.pk}/"
    assert store.name in response.content.decode()
    client.post("/logout/")
    assert client.get(f"/stores/{store.pk}/")["Location"].startswith("/login/")


def test_a_merchant_never_sees_another_stores_pages(
    client: Client, store: Store, x_account: SocialAccount
) -> None:
    other = StoreFactory.create()
    theirs = _post(other, SocialAccountFactory.create(store=other, platform="x"), "published")
    _merchant(client, store)
    for url in [
        f"/stores/{other.pk}/",
        f"/stores/{other.pk}/posts/",
        f"/stores/{other.pk}/posts/{theirs.pk}/",
        # Their post through my store's URL is no better.
        f"/stores/{store.pk}/posts/{theirs.pk}/",
        f"/stores/{store.pk}/posts/{theirs.pk}/status",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/stores/{store.pk}/posts/{theirs.pk}/cancel").status_code == 404


def test_switching_between_stores(client: Client, store: Store) -> None:
    second = StoreFactory.create(name="Second shop")
    user = _merchant(client, store)
    Membership.objects.create(store=second, user=user, role="viewer")
    page = client.get(f"/stores/{store.pk}/").content.decode()
    assert f"/stores/{second.pk}/" in page and "Second shop" in page
    client.get(f"/stores/{second.pk}/")
    # `/` returns to the store last opened.
    assert client.get("/")["Location"] == f"/stores/{second.pk}/"


def test_viewers_read_but_cannot_cancel_or_retry(
    client: Client, store: Store, x_account: SocialAccount
) -> None:
    scheduled = _post(store, x_account, "scheduled")
    _merchant(client, store, role="viewer")
    page = client.get(f"/stores/{store.pk}/posts/{scheduled.pk}/").content.decode()
    assert "Cancel the scheduled post" not in page
    assert client.post(f"/stores/{store.pk}/posts/{scheduled.pk}/cancel").status_code == 403
    assert client.post(f"/stores/{store.pk}/posts/{scheduled.pk}/retry").status_code == 403
    assert PostTarget.objects.get(post=scheduled).status == "scheduled"


def test_an_editor_cancels_a_scheduled_post(
    client: Client, store: Store, x_account: SocialAccount
) -> None:
    scheduled = _post(store, x_account, "scheduled")
    _merchant(client, store)
    url = f"/stores/{store.pk}/posts/{scheduled.pk}/cancel"
    page = client.post(url, {"confirmed": "yes"}, follow=True)
    assert "The scheduled post was cancelled." in page.content.decode()
    assert PostTarget.objects.get(post=scheduled).status == "cancelled"
    again = client.post(url, {"confirmed": "yes"}, follow=True)
    assert "Only a post whose every platform is still scheduled" in again.content.decode()


def test_an_editor_retries_a_failed_platform(
    client: Client, store: Store, x_account: SocialAccount
) -> None:
    failed = _post(store, x_account, "failed")
    PostTarget.objects.filter(post=failed).update(error_message="X is down for maintenance.")
    _merchant(client, store)
    page = client.get(f"/stores/{store.pk}/posts/{failed.pk}/").content.decode()
    assert "X is down for maintenance." in page and ">Retry<" in page
    client.post(f"/stores/{store.pk}/posts/{failed.pk}/retry", {"platform": "x"})
    assert PostTarget.objects.get(post=failed).status == "queued"


def test_history_filters(client: Client, store: Store, x_account: SocialAccount) -> None:
    threads = SocialAccountFactory.create(store=store, platform="threads")
    on_x = _post(store, x_account, "published", text="first on x")
    on_threads = _post(store, threads, "failed", text="second on threads")
    old = _post(store, x_account, "published", text="from last month")
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    _merchant(client, store)
    base = f"/stores/{store.pk}/posts/"

    def listed(query: str) -> set[str]:
        page = client.get(base + query).content.decode()
        return {p.text for p in (on_x, on_threads, old) if p.text in page}

    assert listed("") == {"first on x", "second on threads", "from last month"}
    assert listed("?status=failed") == {"second on threads"}
    assert listed("?platform=x") == {"first on x", "from last month"}
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert listed(f"?since={since}") == {"first on x", "second on threads"}
    assert client.get(base + "?status=nonsense").status_code == 200


def test_the_status_block_polls_while_publishing_and_stops_when_settled(
    client: Client, store: Store, x_account: SocialAccount, alive: None
) -> None:
    post = _post(store, x_account, "processing")
    _merchant(client, store)
    status_url = f"/stores/{store.pk}/posts/{post.pk}/status"
    block = client.get(status_url).content.decode()
    assert 'hx-trigger="every 2s"' in block and 'data-status="processing"' in block
    PostTarget.objects.filter(post=post).update(status="published", url="https://x.com/s/1")
    Post.objects.filter(pk=post.pk).update(status="published")
    block = client.get(status_url).content.decode()
    assert "hx-trigger" not in block
    assert 'data-status="published"' in block and "https://x.com/s/1" in block


def test_the_banner_says_when_scheduled_posts_are_not_sent(client: Client, store: Store) -> None:
    _merchant(client, store)
    heartbeat_record(name=BEAT)
    page = client.get(f"/stores/{store.pk}/").content.decode()
    assert "No worker has been seen recently: scheduled posts are not being sent." in page
    heartbeat_record(name=WORKER)
    assert "are not being sent" not in client.get(f"/stores/{store.pk}/").content.decode()


def test_arabic_pages_are_right_to_left_and_the_api_stays_english(
    client: Client, store: Store, x_account: SocialAccount, alive: None
) -> None:
    _post(store, x_account, "published")
    _merchant(client, store)
    page = client.get(f"/stores/{store.pk}/posts/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'lang="ar" dir="rtl"' in page
    assert "المنشورات" in page and "منشور" in page and "Posts" not in page
    english = client.get(f"/stores/{store.pk}/posts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en" dir="ltr"' in english and ">Posts<" in english
    # The merchant's choice outlasts the browser's.
    client.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_ACCEPT_LANGUAGE="ar")
    chosen = client.get(f"/stores/{store.pk}/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'lang="en"' in chosen
    api = client.get("/functions/v1/social-publish/x", HTTP_ACCEPT_LANGUAGE="ar")
    assert api.json()["error"]["message"].isascii()
    unauthenticated = client.post(
        "/functions/v1/social-publish", {}, HTTP_ACCEPT_LANGUAGE="ar"
    ).json()
    assert unauthenticated["error"]["message"].isascii()


def test_times_show_in_the_stores_timezone(
    client: Client, x_account: SocialAccount, store: Store
) -> None:
    Store.objects.filter(pk=store.pk).update(timezone="Asia/Riyadh")
    post = _post(store, x_account, "scheduled")
    Post.objects.filter(pk=post.pk).update(schedule_at=datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    _merchant(client, store)
    page = client.get(f"/stores/{store.pk}/posts/{post.pk}/").content.decode()
    assert "2026-12-01T18:00:00+03:00" in page


def test_every_arabic_string_is_translated() -> None:
    po = Path(settings.BASE_DIR, "locale", "ar", "LC_MESSAGES", "django.po")
    entries = po.read_text(encoding="utf-8").split("\n\n")[1:]
    untranslated = [e for e in entries if e.strip() and e.rstrip().endswith('msgstr ""')]
    assert untranslated == []
    # The compiled catalog says what the .po says (file times depend on how git checked out).
    with po.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = [
        msgid
        for msgid, msgstr in _po_entries(po.read_text(encoding="utf-8"))
        if compiled.gettext(msgid) != msgstr
    ]
    assert stale == [], "compile the .po (manage.py compilemessages)"


def _po_entries(text: str) -> list[tuple[str, str]]:
    """(msgid, msgstr) of a .po's singular entries, the header left out."""
    entries = []
    for found in re.finditer(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', text, re.M):
        msgid, msgstr = (
            "".join(ast.literal_eval(part) for part in re.findall(r'".*"', block))
            for block in found.groups()
        )
        if msgid:
            entries.append((msgid, msgstr))
    return entries


def test_a_platform_error_in_plain_words_in_both_languages(
    client: Client, store: Store, x_account: SocialAccount
) -> None:
    failed = _post(store, x_account, "failed")
    PostTarget.objects.filter(post=failed).update(
        error_code="duplicate_content",
        error_message="X refused the post as a duplicate.",
        platform_error="Status is a duplicate.",
    )
    _merchant(client, store)
    url = f"/stores/{store.pk}/posts/{failed.pk}/"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the same text was already posted" in english
    assert "Status is a duplicate." in english  # the platform's own words, kept beside it
    arabic = client.get(url, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "رفضت المنصة المنشور لأن النص نفسه نُشر من قبل." in arabic


def test_a_conversion_notice_shows_on_the_post(
    client: Client, store: Store, x_account: SocialAccount
) -> None:
    post = _post(store, x_account, "published")
    PostTarget.objects.filter(post=post).update(
        notices=["The PNG image was converted to JPEG, which Instagram requires."]
    )
    _merchant(client, store)
    page = client.get(f"/stores/{store.pk}/posts/{post.pk}/").content.decode()
    assert "converted to JPEG" in page
