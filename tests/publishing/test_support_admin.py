"""Support staff in the admin: the `support` group (made by a migration) finds posts, retries,
cancels, settles and reviews them, each action recorded on the post, and never reaches a
token, an API key or a store's ownership."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey, Membership, SocialAccount, Store
from publishing.models import Post, PostStatus, PostTarget, PublishAttempt, SupportAction
from tests.factories import ApiKeyFactory, SocialAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def support_group() -> None:
    # The migration makes the group; a transactional test's flush before this one may have
    # emptied the table, so make it again the migration's own way (it is idempotent).
    import_module("publishing.migrations.0010_support_group").create_support_group(apps, None)


@pytest.fixture
def support(client: Client) -> Client:
    user = User.objects.create_user("sara", "sara@support.test", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="support"))
    client.login(username="sara", password="pw")
    return client


def _post(store: Store, account: SocialAccount, status: str, **target: Any) -> Post:
    post = Post.objects.create(store=store, text="عرض اليوم", status=status)
    PostTarget.objects.create(
        post=post, platform=account.platform, account=account, status=status, **target
    )
    return post


def _action(client: Client, action: str, *posts: Post) -> str:
    response = client.post(
        "/admin/publishing/post/",
        {"action": action, "_selected_action": [str(p.pk) for p in posts]},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_support_finds_posts_and_sees_attempts(
    support: Client, store: Store, x_account: SocialAccount
) -> None:
    failed = _post(store, x_account, "failed", error_message="X refused the post.")
    target = failed.targets.get()
    PublishAttempt.objects.create(
        target=target, method="POST", url="/2/tweets", status_code=403, error="duplicate content"
    )
    page = support.get(f"/admin/publishing/post/?q={store.pk}&status=failed").content.decode()
    assert str(failed.pk) in page
    by_text = support.get("/admin/publishing/post/?q=عرض&targets__platform=x").content.decode()
    assert str(failed.pk) in by_text
    detail = support.get(f"/admin/publishing/posttarget/{target.pk}/change/").content.decode()
    assert "duplicate content" in detail and "403" in detail


def test_retry_requeues_failed_platforms_and_is_recorded(
    support: Client, store: Store, x_account: SocialAccount
) -> None:
    post = _post(store, x_account, "failed", error_code="server_error")
    page = _action(support, "retry_failed", post)
    assert "Retried: 1 post(s)." in page
    assert post.targets.get().status == "queued"
    action = SupportAction.objects.get(post=post)
    assert (action.kind, action.platforms, action.actor_label) == ("retry", ["x"], "sara")
    detail = support.get(f"/admin/publishing/post/{post.pk}/change/").content.decode()
    assert "Retried failed platforms" in detail and "sara" in detail


def test_cancel_only_scheduled_posts(
    support: Client, store: Store, x_account: SocialAccount
) -> None:
    scheduled = _post(store, x_account, "scheduled", due_at=timezone.now() + timedelta(hours=1))
    published = _post(store, x_account, "published")
    page = _action(support, "cancel_scheduled", scheduled, published)
    assert "Cancelled: 1 post(s)." in page
    assert "Only a post whose every platform is still scheduled can be cancelled." in page
    assert scheduled.targets.get().status == "cancelled"
    assert published.targets.get().status == "published"
    assert [a.kind for a in SupportAction.objects.all()] == ["cancel"]


def test_settle_unconfirmed_as_published(
    support: Client, store: Store, x_account: SocialAccount
) -> None:
    post = _post(store, x_account, "unconfirmed", error_code="outcome_unknown")
    target = post.targets.get()
    form = support.get(f"/admin/publishing/posttarget/{target.pk}/settle/")
    assert form.status_code == 200
    response = support.post(
        f"/admin/publishing/posttarget/{target.pk}/settle/",
        {
            "outcome": "published",
            "platform_post_id": "1799",
            "url": "https://x.com/shop/status/1799",
            "note": "Found it on the timeline.",
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    post.refresh_from_db()
    assert (target.status, target.platform_post_id) == ("published", "1799")
    assert target.url == "https://x.com/shop/status/1799"
    assert post.status == PostStatus.PUBLISHED
    action = SupportAction.objects.get(post=post)
    assert (action.kind, action.note) == ("settle_published", "Found it on the timeline.")


def test_settle_as_failed_and_refusals(
    support: Client, store: Store, x_account: SocialAccount
) -> None:
    post = _post(store, x_account, "unconfirmed")
    target = post.targets.get()
    url = f"/admin/publishing/posttarget/{target.pk}/settle/"
    # Published needs the platform's id: the form says so and nothing changes.
    page = support.post(url, {"outcome": "published"}).content.decode()
    assert "Give the platform&#x27;s post id." in page
    assert PostTarget.objects.get(pk=target.pk).status == "unconfirmed"

    support.post(url, {"outcome": "failed", "note": "Not on the profile."})
    target.refresh_from_db()
    assert (target.status, target.error_message) == ("failed", "Not on the profile.")
    # Settled once: a second settle is refused with the reason.
    again = support.post(url, {"outcome": "failed"}, follow=True).content.decode()
    assert "Only an unconfirmed platform can be settled; x is failed." in again
    assert SupportAction.objects.filter(post=post).count() == 1


def test_mark_reviewed(support: Client, store: Store, x_account: SocialAccount) -> None:
    post = _post(store, x_account, "failed")
    _action(support, "mark_reviewed", post)
    post.refresh_from_db()
    assert post.reviewed_at is not None
    listed = support.get("/admin/publishing/post/?reviewed=no").content.decode()
    assert str(post.pk) not in listed


def test_support_cannot_reach_tokens_keys_or_ownership(
    support: Client, store: Store, x_account: SocialAccount
) -> None:
    key, raw = ApiKeyFactory.create_with_raw(store=store)
    owner = User.objects.create_user("owner")
    membership = Membership.objects.create(store=store, user=owner, role="owner")
    pages = [
        "/admin/accounts/socialaccount/",
        f"/admin/accounts/socialaccount/{x_account.pk}/change/",
        "/admin/accounts/apikey/",
        f"/admin/accounts/apikey/{key.pk}/change/",
    ]
    for url in pages:
        page = support.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        for secret in (x_account.access_token, x_account.access_token_encrypted, key.hashed_key):
            assert secret not in text, url
        assert raw not in text
    refused = [
        (f"/admin/accounts/apikey/{key.pk}/change/", {"name": "x", "revoked_at_0": ""}),
        (f"/admin/accounts/apikey/{key.pk}/delete/", {"post": "yes"}),
        (f"/admin/accounts/socialaccount/{x_account.pk}/change/", {"handle": "taken"}),
        (f"/admin/accounts/store/{store.pk}/change/", {"name": "Mine now"}),
        (f"/admin/accounts/membership/{membership.pk}/change/", {"role": "viewer"}),
        ("/admin/accounts/membership/add/", {"store": store.pk, "user": 1, "role": "owner"}),
    ]
    for url, data in refused:
        assert support.post(url, data).status_code == 403, url
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
    assert Membership.objects.get(pk=membership.pk).role == "owner"
    assert Store.objects.get(pk=store.pk).name == store.name
    assert support.get("/admin/django_celery_beat/periodictask/").status_code == 403


def test_staff_without_the_support_permissions_cannot_act(client: Client, store: Store) -> None:
    account = SocialAccountFactory.create(store=store, platform="x")
    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(
        *Group.objects.get(name="support").permissions.filter(codename__startswith="view_")
    )
    client.login(username="viewer", password="pw")
    post = _post(store, account, "unconfirmed")
    target = post.targets.get()
    assert client.get(f"/admin/publishing/posttarget/{target.pk}/settle/").status_code == 403
    changelist = client.get("/admin/publishing/post/").content.decode()
    assert "retry_failed" not in changelist and "cancel_scheduled" not in changelist
    assert PostTarget.objects.get(pk=target.pk).status == "unconfirmed"
