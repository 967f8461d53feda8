"""Acting on posts from the dashboard: edit and reschedule, duplicate, unpublish, and the
calendar's compose-for-a-day and drag-to-reschedule; each through the publishing services,
refused for viewers, 404 for another store's post, and refused without change once the
post has started publishing."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, SocialAccount, Store
from publishing.models import Post, PostTarget, TargetStatus
from publishing.platforms.base import Content
from publishing.sandbox.core import SandboxServer
from publishing.services.pipeline import target_publish
from publishing.services.posts import PublishRequest, post_create
from tests.factories import SocialAccountFactory, StoreFactory

pytestmark = pytest.mark.django_db

RIYADH = ZoneInfo("Asia/Riyadh")


def _merchant(client: Client, store: Store, role: str = "editor") -> Client:
    user = User.objects.create_user(f"{role}-huda", password="pw")
    Membership.objects.create(store=store, user=user, role=role)
    client.login(username=f"{role}-huda", password="pw")
    return client


@pytest.fixture
def riyadh(store: Store) -> Store:
    Store.objects.filter(pk=store.pk).update(timezone="Asia/Riyadh")
    store.refresh_from_db()
    return store


def _scheduled(
    store: Store,
    account: SocialAccount,
    at: datetime | None = None,
    text: str = "تخفيضات العيد",
    options: dict[str, dict[str, str]] | None = None,
) -> Post:
    account_map = {account.platform: account}
    request = PublishRequest(
        platforms=[account.platform],
        content=Content(text=text),
        schedule_at=at or timezone.now() + timedelta(days=2),
        options=options or {},
    )
    return post_create(store=store, request=request, accounts=account_map)


def _published(store: Store, account: SocialAccount, text: str = "وصل حديثاً") -> Post:
    request = PublishRequest(platforms=["x"], content=Content(text=text), schedule_at=None)
    post = post_create(store=store, request=request, accounts={"x": account})
    target_publish(target_id=PostTarget.objects.get(post=post).pk)
    post.refresh_from_db()
    return post


def _started(post: Post) -> None:
    """A worker claimed the post's target between the merchant's page and their click."""
    PostTarget.objects.filter(post=post).update(status=TargetStatus.PROCESSING)


def _local(when: datetime) -> str:
    return timezone.localtime(when, RIYADH).strftime("%Y-%m-%dT%H:%M")


def _edit_body(post: Post, **changes: str) -> dict[str, str]:
    body = {
        "text": post.text,
        "media_urls": "",
        "link": "",
        "platforms": "x",
        "when": "schedule",
        "schedule_at": _local(post.schedule_at) if post.schedule_at else "",
        "request_id": "6f1d2c4e-2c0b-4b53-9a54-1c1f0e7b9a10",
    }
    body.update(changes)
    return body


# --- Edit and reschedule -------------------------------------------------------------------


def test_the_post_page_offers_edit_duplicate_and_cancel_for_a_scheduled_post(
    client: Client, riyadh: Store, x_account: SocialAccount
) -> None:
    post = _scheduled(riyadh, x_account)
    page = _merchant(client, riyadh).get(f"/stores/{riyadh.pk}/posts/{post.pk}/").content.decode()
    assert f"/posts/{post.pk}/edit" in page
    assert f"compose/?from={post.pk}" in page
    assert "Cancel the scheduled post" in page
    assert "Remove from the platforms" not in page


def test_the_edit_page_is_the_composer_filled_with_the_post(
    client: Client, riyadh: Store, x_account: SocialAccount
) -> None:
    at = datetime(2031, 5, 4, 15, 30, tzinfo=UTC)  # 18:30 in Riyadh
    post = _scheduled(riyadh, x_account, at=at, options={"x": {"text": "نص إكس"}})
    page = _merchant(client, riyadh).get(f"/stores/{riyadh.pk}/posts/{post.pk}/edit")
    text = html.unescape(page.content.decode())
    assert page.status_code == 200
    assert "Edit the post" in text
    assert "تخفيضات العيد" in text and "نص إكس" in text
    assert 'value="2031-05-04T18:30"' in text
    assert 'name="when" value="schedule" required id="id_when_1" checked' in text


def test_an_editor_edits_text_and_reschedules_through_the_update_service(
    client: Client, riyadh: Store, x_account: SocialAccount
) -> None:
    post = _scheduled(riyadh, x_account, options={"x": {"reply_settings": "following"}})
    new_time = timezone.now() + timedelta(days=5)
    page = _merchant(client, riyadh).post(
        f"/stores/{riyadh.pk}/posts/{post.pk}/edit",
        _edit_body(post, text="نص جديد", schedule_at=_local(new_time)),
        follow=True,
    )
    assert "The post was saved." in page.content.decode()
    post.refresh_from_db()
    assert post.text == "نص جديد"
    assert post.schedule_at == new_time.replace(second=0, microsecond=0)
    # An option the composer does not show survives the edit.
    assert post.options == {"x": {"reply_settings": "following"}}
    target = PostTarget.objects.get(post=post)
    assert (target.status, target.due_at) == ("scheduled", post.schedule_at)


def test_an_edit_to_a_time_that_has_passed_is_refused_in_the_merchants_words(
    client: Client, riyadh: Store, x_account: SocialAccount
) -> None:
    post = _scheduled(riyadh, x_account)
    before = post.schedule_at
    page = _merchant(client, riyadh).post(
        f"/stores/{riyadh.pk}/posts/{post.pk}/edit",
        _edit_body(post, schedule_at=_local(timezone.now() - timedelta(hours=1))),
    )
    assert page.status_code == 400
    assert "The time to publish has passed: choose a later one." in page.content.decode()
    post.refresh_from_db()
    assert post.schedule_at == before


def test_an_edit_with_addresses_the_api_refuses_is_refused_the_same_way(
    client: Client, riyadh: Store, x_account: SocialAccount
) -> None:
    post = _scheduled(riyadh, x_account)
    page = _merchant(client, riyadh).post(
        f"/stores/{riyadh.pk}/posts/{post.pk}/edit",
        _edit_body(post, text="جديد", link="shop.example/eid", media_urls="ftp://cdn/a.jpg"),
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert "The link must start with https:// or http://." in text
    assert "Every media address must be a full address starting with https://." in text
    post.refresh_from_db()
    assert (post.text, post.link, post.media) == ("تخفيضات العيد", "", [])


def test_an_edit_breaking_a_platforms_rule_shows_the_rule_and_changes_nothing(
    client: Client, riyadh: Store, x_account: SocialAccount
) -> None:
    post = _scheduled(riyadh, x_account)
    page = _merchant(client, riyadh).post(
        f"/stores/{riyadh.pk}/posts/{post.pk}/edit", _edit_body(post, text="س" * 400)
    )
    assert page.status_code == 400
    assert "The post does not meet the rules of these platforms:" in page.content.decode()
    post.refresh_from_db()
    assert post.text == "تخفيضات العيد"


def test_an_edit_after_the_post_started_publishing_is_refused_and_changes_nothing(
    client: Client, riyadh: Store, x_account: SocialAccount
) -> None:
    post = _scheduled(riyadh, x_account)
    merchant = _merchant(client, riyadh)
    assert merchant.get(f"/stores/{riyadh.pk}/posts/{post.pk}/edit").status_code == 200
    _started(post)
    page = merchant.post(
        f"/stores/{riyadh.pk}/posts/{post.pk}/edit", _edit_body(post, text="نص جديد"), follow=True
    )
    assert "The post has started publishing, so it can no longer be changed." in (
        page.content.decode()
    )
    assert page.redirect_chain[-1][0] == f"/stores/{riyadh.pk}/posts/{post.pk}/"
    post.refresh_from_db()
    assert post.text == "تخفيضات العيد"
    assert PostTarget.objects.get(post=post).status == "processing"


def test_a_published_post_has_no_edit_page(
    client: Client, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    post = _published(store, x_account)
    merchant = _merchant(client, store)
    page = merchant.get(f"/stores/{store.pk}/posts/{post.pk}/").content.decode()
    assert f"/posts/{post.pk}/edit" not in page
    refused = merchant.get(f"/stores/{store.pk}/posts/{post.pk}/edit", follow=True)
    assert "can no longer be changed" in refused.content.decode()


def test_a_viewer_cannot_edit_move_or_unpublish(
    client: Client, riyadh: Store, x_account: SocialAccount
) -> None:
    post = _scheduled(riyadh, x_account)
    viewer = _merchant(client, riyadh, role="viewer")
    page = viewer.get(f"/stores/{riyadh.pk}/posts/{post.pk}/").content.decode()
    assert "/edit" not in page and "?from=" not in page
    base = f"/stores/{riyadh.pk}/posts/{post.pk}"
    assert viewer.get(f"{base}/edit").status_code == 403
    assert viewer.post(f"{base}/edit", _edit_body(post, text="لا")).status_code == 403
    assert viewer.post(f"{base}/move", {"day": "2031-01-01"}).status_code == 403
    assert viewer.post(f"{base}/unpublish", {"confirmed": "yes"}).status_code == 403
    assert viewer.get(f"/stores/{riyadh.pk}/compose/?from={post.pk}").status_code == 403
    post.refresh_from_db()
    assert post.text == "تخفيضات العيد"


def test_another_stores_post_is_404_for_every_action(
    client: Client, store: Store, x_account: SocialAccount
) -> None:
    other = StoreFactory.create()
    theirs = _scheduled(other, SocialAccountFactory.create(store=other, platform="x"))
    merchant = _merchant(client, store)
    base = f"/stores/{store.pk}/posts/{theirs.pk}"
    assert merchant.get(f"{base}/edit").status_code == 404
    assert merchant.post(f"{base}/edit", _edit_body(theirs, text="لا")).status_code == 404
    assert merchant.post(f"{base}/move", {"day": "2031-01-01"}).status_code == 404
    assert merchant.post(f"{base}/unpublish", {"confirmed": "yes"}).status_code == 404
    assert merchant.get(f"/stores/{store.pk}/compose/?from={theirs.pk}").status_code == 404
    theirs.refresh_from_db()
    assert theirs.text == "تخفيضات العيد"


# --- Duplicate -----------------------------------------------------------------------------


def test_duplicate_opens_the_composer_filled_and_creates_nothing(
    client: Client, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    post = _published(store, x_account, text="فستان صيفي")
    page = _merchant(client, store).get(f"/stores/{store.pk}/compose/?from={post.pk}")
    text = html.unescape(page.content.decode())
    assert page.status_code == 200
    assert "A copy of a post: nothing is created until you publish or schedule it." in text
    assert "فستان صيفي" in text
    assert 'name="platforms" value="x" id="id_platforms_0" checked' in text
    assert Post.objects.count() == 1


def test_a_duplicate_submitted_is_a_new_post(
    client: Client, riyadh: Store, x_account: SocialAccount
) -> None:
    post = _scheduled(riyadh, x_account)
    merchant = _merchant(client, riyadh)
    merchant.get(f"/stores/{riyadh.pk}/compose/?from={post.pk}")
    body = _edit_body(post, schedule_at=_local(timezone.now() + timedelta(days=3)))
    merchant.post(f"/stores/{riyadh.pk}/compose/", body)
    assert Post.objects.count() == 2
    assert Post.objects.exclude(pk=post.pk).get().text == post.text


# --- Unpublish -----------------------------------------------------------------------------


def test_unpublish_asks_first_then_removes_the_post_from_the_platform(
    client: Client, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    post = _published(store, x_account)
    merchant = _merchant(client, store)
    page = merchant.get(f"/stores/{store.pk}/posts/{post.pk}/").content.decode()
    assert "Remove from the platforms" in page
    url = f"/stores/{store.pk}/posts/{post.pk}/unpublish"
    asked = merchant.post(url)
    assert "Remove this post from the platforms?" in asked.content.decode()
    assert len(sandbox.state.posts("x")) == 1
    assert PostTarget.objects.get(post=post).status == "published"

    done = merchant.post(url, {"confirmed": "yes"}, follow=True)
    assert "Removed from X." in done.content.decode()
    assert sandbox.state.posts("x") == []
    assert PostTarget.objects.get(post=post).status == "deleted"


def test_unpublish_of_a_post_not_live_is_refused(
    client: Client, store: Store, x_account: SocialAccount
) -> None:
    post = _scheduled(store, x_account)
    page = _merchant(client, store).post(
        f"/stores/{store.pk}/posts/{post.pk}/unpublish", {"confirmed": "yes"}, follow=True
    )
    assert "The post is not live on any platform." in page.content.decode()
    assert PostTarget.objects.get(post=post).status == "scheduled"


def test_unpublish_says_which_platform_failed(
    client: Client, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    post = _published(store, x_account)
    # X answers the delete with a server error (the sandbox's control endpoint, over HTTP).
    fault = {"platform": "x", "method": "DELETE", "path": r"/2/tweets/\d+", "kind": "server_error"}
    requests.post(f"{sandbox.base_url}/_sandbox/faults", json=fault, timeout=5)
    page = _merchant(client, store).post(
        f"/stores/{store.pk}/posts/{post.pk}/unpublish", {"confirmed": "yes"}, follow=True
    )
    assert "X could not remove the post just now: try again later." in page.content.decode()
    assert PostTarget.objects.get(post=post).status == "published"


# --- The calendar --------------------------------------------------------------------------


def test_a_calendar_day_links_to_the_composer_for_that_day(
    client: Client, riyadh: Store, x_account: SocialAccount
) -> None:
    with time_machine.travel(datetime(2031, 3, 10, 9, 0, tzinfo=UTC), tick=False):
        merchant = _merchant(client, riyadh)
        page = merchant.get(f"/stores/{riyadh.pk}/calendar/?month=2031-03").content.decode()
        assert "compose/?date=2031-03-12" in page
        assert "compose/?date=2031-03-09" not in page  # a day already over
        composer = merchant.get(f"/stores/{riyadh.pk}/compose/?date=2031-03-12")
        text = composer.content.decode()
        # The store's evening hour on that day, in its timezone, scheduling chosen.
        assert 'value="2031-03-12T20:00"' in text
        assert 'name="when" value="schedule" required id="id_when_1" checked' in text
        # Today, once the default hour has passed, starts at the next whole hour.
        late = datetime(2031, 3, 10, 18, 20, tzinfo=UTC)  # 21:20 in Riyadh
    with time_machine.travel(late, tick=False):
        today = merchant.get(f"/stores/{riyadh.pk}/compose/?date=2031-03-10")
        assert 'value="2031-03-10T22:00"' in today.content.decode()


def test_a_viewer_sees_no_compose_links_or_draggable_posts(
    client: Client, riyadh: Store, x_account: SocialAccount
) -> None:
    post = _scheduled(riyadh, x_account)
    viewer = _merchant(client, riyadh, role="viewer")
    month = f"{timezone.localtime(post.schedule_at, RIYADH):%Y-%m}"
    page = viewer.get(f"/stores/{riyadh.pk}/calendar/?month={month}").content.decode()
    assert f'data-post="{post.pk}"' in page
    assert "draggable" not in page and "?date=" not in page


def test_dragging_a_post_to_another_day_keeps_its_time_of_day(
    client: Client, riyadh: Store, x_account: SocialAccount
) -> None:
    at = datetime(2027, 5, 4, 15, 30, tzinfo=UTC)  # 18:30 in Riyadh
    with time_machine.travel(datetime(2027, 1, 10, 9, 0, tzinfo=UTC), tick=False):
        post = _scheduled(riyadh, x_account, at=at)
        merchant = _merchant(client, riyadh)
        page = merchant.get(f"/stores/{riyadh.pk}/calendar/?month=2027-05").content.decode()
        assert f'data-move="/stores/{riyadh.pk}/posts/{post.pk}/move"' in page
        answer = merchant.post(f"/stores/{riyadh.pk}/posts/{post.pk}/move", {"day": "2027-05-09"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["ok"] is True and body["message"].startswith("Rescheduled for")
    post.refresh_from_db()
    assert post.schedule_at == datetime(2027, 5, 9, 15, 30, tzinfo=UTC)
    assert PostTarget.objects.get(post=post).due_at == post.schedule_at


def test_dragging_to_a_day_that_has_passed_is_refused(
    client: Client, riyadh: Store, x_account: SocialAccount
) -> None:
    post = _scheduled(riyadh, x_account)
    before = post.schedule_at
    yesterday = timezone.localdate(timezone=RIYADH) - timedelta(days=1)
    answer = _merchant(client, riyadh).post(
        f"/stores/{riyadh.pk}/posts/{post.pk}/move", {"day": yesterday.isoformat()}
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "ok": False,
        "message": "The time to publish has passed: choose a later one.",
    }
    post.refresh_from_db()
    assert post.schedule_at == before


def test_dragging_a_post_that_started_publishing_is_refused_and_changes_nothing(
    client: Client, riyadh: Store, x_account: SocialAccount
) -> None:
    post = _scheduled(riyadh, x_account)
    before = post.schedule_at
    _started(post)
    day = (timezone.localdate(timezone=RIYADH) + timedelta(days=9)).isoformat()
    answer = _merchant(client, riyadh).post(
        f"/stores/{riyadh.pk}/posts/{post.pk}/move", {"day": day}
    )
    assert answer.status_code == 409
    assert answer.json()["ok"] is False
    assert "can no longer be changed" in answer.json()["message"]
    post.refresh_from_db()
    assert post.schedule_at == before


def test_moving_keeps_the_wall_time_across_a_clock_change(
    client: Client, store: Store, x_account: SocialAccount
) -> None:
    Store.objects.filter(pk=store.pk).update(timezone="Europe/Berlin")
    with time_machine.travel(datetime(2027, 1, 10, 9, 0, tzinfo=UTC), tick=False):
        at = datetime(2027, 3, 26, 17, 0, tzinfo=UTC)  # 18:00 in Berlin, winter time
        post = _scheduled(store, x_account, at=at)
        answer = _merchant(client, store).post(
            f"/stores/{store.pk}/posts/{post.pk}/move", {"day": date(2027, 4, 2).isoformat()}
        )
    assert answer.status_code == 200
    post.refresh_from_db()
    # Still 18:00 on the wall in Berlin, now summer time: one hour earlier in UTC.
    assert post.schedule_at == datetime(2027, 4, 2, 16, 0, tzinfo=UTC)


def test_cancelling_a_post_that_started_publishing_is_refused_and_changes_nothing(
    client: Client, riyadh: Store, x_account: SocialAccount
) -> None:
    post = _scheduled(riyadh, x_account)
    _started(post)
    page = _merchant(client, riyadh).post(
        f"/stores/{riyadh.pk}/posts/{post.pk}/cancel", {"confirmed": "yes"}, follow=True
    )
    assert "Only a post whose every platform is still scheduled can be cancelled." in (
        page.content.decode()
    )
    assert PostTarget.objects.get(post=post).status == "processing"
