"""Every page of the dashboard in Arabic, with no English left.

Each page (and each state of it that shows other words: the composer's rule errors, each
post status and publishing error code, each posts filter, the Page chooser) is rendered with
the test client in Arabic from realistic data, its visible text extracted (the text a reader
sees, plus the attributes a user sees: placeholder, title, aria-label, alt, a button's
value) and searched for Latin-script words. A word is allowed only when it is on the short
allow-list below, or is a URL, an e-mail address, an @handle, a file name, an id, or the
store's own data this test created.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import ApiKey, Membership, SocialAccount, Store, StoreAllowedOrigin
from content_ai.models import CreditAccount, Product
from content_ai.services.credits import credit_account_ensure
from dashboard.models import Invitation
from dashboard.services.team import invitation_create
from dashboard.templatetags.dashboard import PLAIN_ERRORS
from dashboard.wording import Problem
from publishing.models import Post, PostStatus, PostTarget
from publishing.sandbox.core import SandboxServer
from tests.content_ai.factories import ProductFactory
from tests.factories import ApiKeyFactory, SocialAccountFactory
from tests.support.connect import SHOP_ORIGIN, code_redirect, start_connect

pytestmark = pytest.mark.django_db

# Words that stay in Latin script in the Arabic interface, each for a reason:
ALLOWED = {
    # The platforms' and the API's own names. The dashboard's own sentences name platforms
    # in Arabic (إنستغرام); the Latin names stay allowed for what shows a platform as it
    # shows itself (its wordmark in a post preview).
    "Instagram",
    "Facebook",
    "X",
    "TikTok",
    "Threads",
    "YouTube",
    "API",
    # The language switch names the other language in that language, so a reader who does
    # not read Arabic can find it.
    "English",
}
# What this test's store owns, and so may show as it was written: its members' user names,
# its accounts' handles, its product's currency code (which the AI writes into the post).
STORE_WORDS = {"huda", "salma", "reem", "shop_yasmin", "yasmin_store", "SAR"}
# A preview's avatar is the account's initial when the platform gives no picture.
STORE_INITIALS = {word[0].upper() for word in STORE_WORDS}

NOW = datetime(2026, 4, 13, 9, 0, tzinfo=UTC)  # a Monday: 12:00 in Riyadh
LATIN_WORD = re.compile(r"[A-Za-z\u00C0-\u024F][0-9A-Za-z_\u00C0-\u024F'\u2019-]*")
# Things written in Latin script by nature: URLs (with or without their scheme), e-mail
# addresses, @handles, hashtags, file names and extensions, ids and API key prefixes.
NOT_WORDS = re.compile(
    r"https?://\S*"
    r"|[\w.+-]+@[\w-]+(\.[\w-]+)+"
    r"|@\w+"
    r"|#\w+"
    r"|(\b[\w-]+)?\.(png|jpe?g|gif|webp|mp4|mov|m4v|webm)\b"
    r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
    r"|\bmk_[\w-]+"
    r"|\b(?:[\w-]+\.)+[a-z]{2,}(?:/\S*)?"
)
# Attributes whose text a user sees (a button's value only on input buttons).
SEEN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


class _VisibleText(HTMLParser):
    """The text a reader sees, piece by piece: no <script>/<style>, with seen attributes.

    The platforms' own words, quoted for support inside a "The platform's words" disclosure
    (``<samp lang="en" class="quote">``), are the only text left out: they are the platform's,
    as it wrote them, and always follow our own sentence for the error's code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag in ("script", "style") or (tag == "samp" and "quote" in attr.get("class", "")):
            self._skip.append(tag)
        if self._skip:
            return
        self.pieces.extend(attr[name] for name in SEEN_ATTRIBUTES if attr.get(name))
        if tag == "input" and attr.get("type") in ("submit", "button", "reset"):
            self.pieces.append(attr.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.pieces.append(" ".join(data.split()))


def latin_words(html: str) -> list[str]:
    """Each Latin word not allowed, with the text around it."""
    parser = _VisibleText()
    parser.feed(html)
    found = []
    for piece in parser.pieces:
        cleaned = NOT_WORDS.sub(" ", piece)
        for match in LATIN_WORD.finditer(cleaned):
            word = match.group().strip("'\u2019-")
            if word in ALLOWED or word in STORE_WORDS or word in STORE_INITIALS:
                continue
            start, end = max(match.start() - 40, 0), match.end() + 40
            found.append(f"{word!r} in …{cleaned[start:end]}…")
    return found


@dataclass
class Shop:
    store: Store
    owner: Client
    accounts: dict[str, SocialAccount]
    posts: dict[str, Post]
    invitation_token: str
    sandbox: SandboxServer


# A post's platforms for each post status (the status they add up to).
TARGETS_FOR = {
    "partially_published": {"instagram": "published", "x": "failed"},
    "processing": {"instagram": "processing", "x": "queued"},
}


def _arabic(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    return client


@pytest.fixture
def shop(sandbox: SandboxServer, store: Store) -> Iterator[Shop]:
    with time_machine.travel(NOW, tick=False):
        store.name = "متجر الياسمين"
        store.save()
        StoreAllowedOrigin.objects.create(store=store, origin=SHOP_ORIGIN)
        owner = User.objects.create_user("huda", password="pw", email="huda@yasmin.example")
        Membership.objects.create(store=store, user=owner, role="owner")
        for name, role in (("salma", "editor"), ("reem", "viewer")):
            member = User.objects.create_user(name, password="pw")
            Membership.objects.create(store=store, user=member, role=role)
        _invitation, token = invitation_create(
            store=store, email="noura@yasmin.example", role="editor", invited_by=owner
        )
        key, _raw = ApiKeyFactory.create_with_raw(store=store)
        key.name = "واجهة المتجر"
        key.last_used_at = NOW - timedelta(hours=3)
        key.save()
        accounts = {
            platform: SocialAccountFactory.create(
                store=store, platform=platform, handle="shop_yasmin"
            )
            for platform in ("instagram", "facebook", "x", "threads", "tiktok", "youtube")
        }
        accounts["x"].token_expires_at = NOW + timedelta(days=30)
        accounts["x"].save()
        ProductFactory.create(store=store, title="عباءة سوداء مطرزة")
        credit_account_ensure(store=store)
        posts = {}
        for index, status in enumerate(PostStatus.values):
            post = Post.objects.create(
                store=store,
                text=f"تخفيضات الصيف على العباءات، الجزء {index + 1}",
                link="https://shop.mollkom.com/product/abaya",
                media=[{"type": "image", "url": "https://cdn.shop.example/abaya.jpg"}],
                status=status,
                schedule_at=NOW + timedelta(days=2) if status == "scheduled" else None,
            )
            for platform, target_status in TARGETS_FOR.get(status, {"instagram": status}).items():
                PostTarget.objects.create(
                    post=post,
                    platform=platform,
                    account=accounts[platform],
                    status=target_status,
                    published_at=NOW - timedelta(hours=index)
                    if target_status == "published"
                    else None,
                    error_code="media_rejected" if target_status == "failed" else "",
                    error_message="Invalid media." if target_status == "failed" else "",
                )
            posts[status] = post
        for code in PLAIN_ERRORS:
            post = Post.objects.create(store=store, text="عرض نهاية الأسبوع", status="failed")
            PostTarget.objects.create(
                post=post,
                platform="x",
                account=accounts["x"],
                status="failed",
                error_code=code,
                error_message=f"Refused ({code}).",
            )
            posts[f"failed-{code}"] = post
        post = Post.objects.create(store=store, text="عرض نهاية الأسبوع", status="failed")
        PostTarget.objects.create(
            post=post,
            platform="x",
            account=accounts["x"],
            status="failed",
            error_code="something_new",
            error_message="Something new went wrong.",
        )
        posts["failed-unknown-code"] = post
        client = _arabic(Client())
        client.force_login(owner)
    with time_machine.travel(NOW, tick=True):
        yield Shop(store, client, accounts, posts, token, sandbox)


def _compose_form(**fields: Any) -> dict[str, Any]:
    return {
        "text": "",
        "media_urls": "",
        "link": "",
        "when": "now",
        "request_id": "0b9f9f1e-9c39-4a0e-8a7e-2f0f54a5a001",
        **fields,
    }


ALL_PLATFORMS = ["instagram", "facebook", "x", "threads", "tiktok", "youtube"]
LONG_TEXT = (
    "تخفيضات الصيف على العباءات <جديد> " * 160
    + " ".join(f"#وسم{i}" for i in range(35))
    + " "
    + " ".join(f"@yasmin{i}" for i in range(25))
    + " "
    + " ".join(f"https://shop.example/p/{i}" for i in range(8))
)
MANY_IMAGES = "\n".join(f"https://cdn.shop.example/abaya-{i}.jpg" for i in range(40))
# Submissions that break each platform's rules in every way the composer words.
RULE_BREAKS: dict[str, dict[str, Any]] = {
    "empty": _compose_form(platforms=ALL_PLATFORMS),
    "too-long": _compose_form(text=LONG_TEXT, platforms=ALL_PLATFORMS),
    "too-many-images": _compose_form(text="عباءة", media_urls=MANY_IMAGES, platforms=ALL_PLATFORMS),
    "video-with-images": _compose_form(
        text="عباءة",
        media_urls="https://cdn.shop.example/a.jpg\nhttps://cdn.shop.example/b.mp4\n"
        "https://cdn.shop.example/c.mp4",
        platforms=ALL_PLATFORMS,
    ),
    "gif-with-others": _compose_form(
        text="عباءة",
        media_urls="https://cdn.shop.example/a.gif\nhttps://cdn.shop.example/b.jpg",
        platforms=ALL_PLATFORMS,
    ),
    "formats": _compose_form(
        text="عباءة",
        media_urls="https://cdn.shop.example/a.jpg",
        platforms=ALL_PLATFORMS,
        format_instagram="reel",
        format_facebook="reel",
        format_youtube="short",
    ),
    "schedule-without-time": _compose_form(text="عباءة", platforms=["x"], when="schedule"),
    "schedule-in-the-past": _compose_form(
        text="عباءة", platforms=["x"], when="schedule", schedule_at="2026-04-01T10:00"
    ),
    "no-platform": _compose_form(text="عباءة"),
    "bad-link": _compose_form(text="عباءة", platforms=["x"], link="shop.example/abaya"),
}

Page = Callable[[Shop], str]


def _get(url: str, *, status: int = 200) -> Page:
    def page(shop: Shop) -> str:
        response = shop.owner.get(url.format(store=shop.store.pk, token=shop.invitation_token))
        assert response.status_code == status, (url, response.status_code)
        return response.content.decode()

    return page


def _post(url: str, data: dict[str, Any], *, status: int = 200) -> Page:
    def page(shop: Shop) -> str:
        response = shop.owner.post(url.format(store=shop.store.pk), data)
        assert response.status_code == status, (url, response.status_code)
        return response.content.decode()

    return page


def _action(
    path: Callable[[Shop], str], data: dict[str, str] | None = None, *, message: bool = True
) -> Page:
    """An action (a POST, or the connect flow's return) and the page it leads to, with its
    flash message."""

    def page(shop: Shop) -> str:
        url = f"/stores/{shop.store.pk}/{path(shop)}"
        if data is None:
            response = shop.owner.get(url, follow=True)
        else:
            # Destructive actions ask first; the answer "yes" comes with the form.
            response = shop.owner.post(url, {**data, "confirmed": "yes"}, follow=True)
        assert response.status_code == 200, (url, response.status_code)
        html = response.content.decode()
        assert not message or 'class="messages"' in html, "the action left no message"
        return html

    return page


def _post_page(key: str, *, fragment: bool = False) -> Page:
    def page(shop: Shop) -> str:
        post = shop.posts[key]
        tail = "status" if fragment else ""
        response = shop.owner.get(f"/stores/{shop.store.pk}/posts/{post.pk}/{tail}")
        assert response.status_code == 200
        return response.content.decode()

    return page


def _anonymous(url: Callable[[Shop], str], data: dict[str, str] | None = None) -> Page:
    def page(shop: Shop) -> str:
        client = _arabic(Client())
        target = url(shop)
        response = client.post(target, data) if data is not None else client.get(target)
        assert response.status_code in (200, 404), response.status_code
        return response.content.decode()

    return page


def _chooser(shop: Shop) -> str:
    """The Facebook Page chooser, reached as a merchant managing two Pages reaches it."""
    api = APIClient()
    _key, raw = ApiKeyFactory.create_with_raw(store=shop.store)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    started = start_connect(api, shop.store, "facebook")
    callback = code_redirect(started["auth_url"], username="huda", pages="yasmin_store,shop_yasmin")
    path = callback[callback.index("/connect/") :]
    response = _arabic(Client()).get(path)
    assert response.status_code == 200, response.content
    page = response.content.decode()
    assert 'type="radio"' in page
    return page


def _refused(shop: Shop) -> str:
    response = _arabic(Client()).get("/connect/facebook/callback?state=forged&code=nothing")
    assert response.status_code == 400
    return response.content.decode()


def _no_store(shop: Shop) -> str:
    client = _arabic(Client())
    client.force_login(User.objects.create_user("lina"))
    return client.get("/", follow=True).content.decode()


def _generated(*, product: bool = True, **fields: str) -> Page:
    form = {
        "ai-platform": "instagram",
        "ai-tone": "playful",
        "ai-language": "ar",
        "ai-dialect": "gulf",
        **fields,
    }

    def page(shop: Shop) -> str:
        chosen = Product.objects.get(store=shop.store).pk if product else ""
        data = {**form, "ai-product": str(chosen)}
        response = shop.owner.post(f"/stores/{shop.store.pk}/compose/generate", data)
        assert response.status_code == 200
        return response.content.decode()

    return page


def _no_credits(shop: Shop) -> str:
    CreditAccount.objects.filter(store=shop.store).update(balance=0)
    return _generated()(shop)


def _needs_reconnect(shop: Shop) -> str:
    SocialAccount.objects.filter(pk=shop.accounts["tiktok"].pk).update(
        status="needs_reconnect", status_reason="access_token_invalid: The token was revoked."
    )
    return _get("/stores/{store}/accounts/")(shop)


PAGES: dict[str, Page] = {
    "login": _anonymous(lambda shop: "/login/"),
    "login-refused": _anonymous(lambda shop: "/login/", {"username": "huda", "password": "no"}),
    "invitation": _anonymous(lambda shop: f"/invites/{shop.invitation_token}/"),
    "invitation-signup-errors": _anonymous(
        lambda shop: f"/invites/{shop.invitation_token}/",
        {"username": "noura", "password1": "123", "password2": "456"},
    ),
    "invitation-invalid": _anonymous(lambda shop: "/invites/not-a-token/"),
    "invitation-signed-in": _get("/invites/{token}/"),
    "no-store": _no_store,
    "facebook-page-chooser": _chooser,
    "connect-refused": _refused,
    "overview": _get("/stores/{store}/"),
    "accounts": _get("/stores/{store}/accounts/"),
    "accounts-needs-reconnect": _needs_reconnect,
    "compose": _get("/stores/{store}/compose/"),
    "calendar-month": _get("/stores/{store}/calendar/"),
    "calendar-week": _get("/stores/{store}/calendar/?week=2026-04-13"),
    "team": _get("/stores/{store}/team/"),
    "team-invited": _post(
        "/stores/{store}/team/", {"email": "dana@yasmin.example", "role": "viewer"}
    ),
    "team-invite-errors": _post("/stores/{store}/team/", {"email": "not-an-address"}),
    "keys": _get("/stores/{store}/keys/"),
    "keys-created": _post("/stores/{store}/keys/", {"name": "تطبيق الجوال"}),
    "keys-errors": _post("/stores/{store}/keys/", {"name": ""}),
    "posts": _get("/stores/{store}/posts/"),
    "posts-bad-dates": _get("/stores/{store}/posts/?since=yesterday&until=2026-13-45"),
    "posts-date-range": _get("/stores/{store}/posts/?since=2026-04-01&until=2026-04-30"),
    "ai-generated": _generated(),
    "ai-no-credits": _no_credits,
    "ai-form-errors": _generated(product=False, **{"ai-language": "en"}),
}
CONNECT_ERRORS = [
    "access_denied",
    "invalid_state",
    "state_expired",
    "invalid_choice",
    "browser_mismatch",
    "no_publishable_account",
    "no_channel",
    "token_exchange_failed",
    "server_error",  # an OAuth error the platform sent
]


def _connect_failed(code: str) -> Page:
    return _action(lambda shop: f"accounts/?status=error&platform=youtube&error={code}")


PAGES.update({f"flash-connect-{code}": _connect_failed(code) for code in CONNECT_ERRORS})
PAGES.update(
    {
        "flash-connected": _action(lambda shop: "accounts/?status=connected&platform=x"),
        "flash-disconnected": _action(
            lambda shop: f"accounts/{shop.accounts['instagram'].pk}/disconnect", {}
        ),
        "flash-post-cancelled": _action(
            lambda shop: f"posts/{shop.posts['scheduled'].pk}/cancel", {}
        ),
        "flash-post-not-cancellable": _action(
            lambda shop: f"posts/{shop.posts['published'].pk}/cancel", {}
        ),
        "flash-post-retried": _action(
            lambda shop: f"posts/{shop.posts['failed'].pk}/retry", {"platform": "instagram"}
        ),
        "flash-post-not-retryable": _action(
            lambda shop: f"posts/{shop.posts['published'].pk}/retry", {"platform": "instagram"}
        ),
        "flash-key-revoked": _action(
            lambda shop: f"keys/{ApiKey.objects.get(store=shop.store).pk}/revoke", {}
        ),
        "flash-last-owner": _action(
            lambda shop: f"team/{Membership.objects.get(role='owner').pk}/remove", {}
        ),
        "flash-invitation-withdrawn": _action(
            lambda shop: f"team/invitations/{Invitation.objects.get().pk}/withdraw",
            {},
            message=False,
        ),
    }
)
PAGES.update(
    {f"posts-status-{s}": _get(f"/stores/{{store}}/posts/?status={s}") for s in PostStatus.values}
)
PAGES.update(
    {f"posts-platform-{p}": _get(f"/stores/{{store}}/posts/?platform={p}") for p in ALL_PLATFORMS}
)
PAGES.update({f"post-{s}": _post_page(s) for s in PostStatus.values})
PAGES.update({f"post-status-fragment-{s}": _post_page(s, fragment=True) for s in PostStatus.values})
PAGES.update(
    {
        f"post-failed-{code}": _post_page(f"failed-{code}")
        for code in [*PLAIN_ERRORS, "unknown-code"]
    }
)
PAGES.update(
    {
        f"compose-{name}": _post("/stores/{store}/compose/", data, status=400)
        for name, data in RULE_BREAKS.items()
    }
)
PAGES.update(
    {
        f"previews-{name}": _post("/stores/{store}/compose/preview", data)
        for name, data in RULE_BREAKS.items()
    }
)


@pytest.mark.parametrize("name", PAGES)
def test_the_page_has_no_english_left(name: str, shop: Shop) -> None:
    html = PAGES[name](shop)
    assert 'lang="ar"' in html or "<html" not in html, f"{name} is not in Arabic"
    found = latin_words(html)
    assert not found, f"{name} shows Latin words:\n" + "\n".join(found)


def test_the_check_finds_english_and_spares_what_it_allows() -> None:
    html = (
        '<html lang="ar"><head><title>ملكم Social</title><style>.a{}</style></head><body>'
        '<script>var x = "anything";</script>'
        "<p>انشر على Instagram و X عبر API: https://shop.example/a?b=c @shop_yasmin</p>"
        '<input placeholder="Search"><input type="submit" value="Send">'
        '<button aria-label="Close">-</button><img alt="photo.png dress">'
        "<p>noura@yasmin.example 0b9f9f1e-9c39-4a0e-8a7e-2f0f54a5a001 abaya.jpg</p>"
        '<details><summary>كلمات المنصة</summary><samp lang="en" class="quote">Bad</samp></details>'
        "</body></html>"
    )
    assert [entry.split(" in ")[0] for entry in latin_words(html)] == [
        "'Social'",
        "'Search'",
        "'Send'",
        "'Close'",
        "'dress'",
    ]


def test_a_rule_the_dashboard_has_no_sentence_for_is_still_introduced_in_arabic() -> None:
    with translation.override("ar"):
        html = render_to_string(
            "dashboard/compose/_problem.html",
            {"problem": Problem(code="brand_new_rule", original="A brand new rule applies.")},
        )
    assert "brand new rule" in html  # quoted for support, in its disclosure
    assert latin_words(html) == []


def test_dates_read_as_arabic(shop: Shop) -> None:
    # The third post went out at 07:00 UTC: 10:00 in the store's Riyadh.
    page = shop.owner.get(f"/stores/{shop.store.pk}/posts/?status=published").content.decode()
    assert "13 إبريل 2026، 10:00 ص" in page
    week = shop.owner.get(f"/stores/{shop.store.pk}/calendar/?week=2026-04-13").content.decode()
    later = _compose_form(text="عباءة", platforms=["x"], when="schedule")
    later["schedule_at"] = "2026-04-16T20:00"
    button = shop.owner.post(f"/stores/{shop.store.pk}/compose/preview", later).content.decode()
    assert "جدولة في خميس 16 إبريل، 8:00 م</button>" in button
    assert "الاثنين 13 إبريل" in week
    generated = _generated()(shop)
    assert (
        "أقرب موعد مناسب: الاثنين 13 إبريل 21:00 بتوقيت الرياض." in generated
        and "12 إبريل 2026 \u2013 18 إبريل 2026" in week
    )


# The rule codes the composer's fields can break (the others need options or media kinds
# the composer does not offer, or a fetched file), each worded by wording.py.
COMPOSER_RULES = {
    "empty",
    "text_required",
    "missing_title",
    "text_too_long",
    "media_count",
    "too_many_images",
    "too_many_media",
    "video_alone",
    "too_many_links",
    "too_many_hashtags",
    "too_many_mentions",
    "invalid_characters",
}


def test_the_rule_breaking_cases_show_every_rule_the_composer_can_break(shop: Shop) -> None:
    shown: set[str] = set()
    for data in RULE_BREAKS.values():
        page = shop.owner.post(f"/stores/{shop.store.pk}/compose/preview", data)
        shown |= set(re.findall(r'data-code="(\w+)"', page.content.decode()))
    assert shown == COMPOSER_RULES
