"""Destructive actions ask first: the action's POST without ``confirmed=yes`` changes
nothing and answers a confirmation page whose form sends the same request, confirmed; the
buttons carry the question for the dialog that asks in place when scripts run."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey, Membership, SocialAccount, Store
from accounts.services import api_key_authenticate, api_key_create
from dashboard.models import Invitation
from dashboard.services.team import invitation_create
from publishing.models import Post, PostTarget
from tests.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client: Client, store: Store) -> Client:
    user = User.objects.create_user("owner", password="pw")
    Membership.objects.create(store=store, user=user, role="owner")
    client.login(username="owner", password="pw")
    return client


def _asks(owner: Client, url: str, question: str, action: str) -> None:
    """POSTing ``url`` unconfirmed shows the question, and a form that confirms it."""
    page = owner.post(url)
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert question in text
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', text, re.S)
    assert form and form.group(1) == url
    assert '<input type="hidden" name="confirmed" value="yes">' in form.group(2)
    assert action in form.group(2)


def test_cancelling_a_post_asks_first(
    owner: Client, store: Store, x_account: SocialAccount
) -> None:
    post = Post.objects.create(
        store=store, text="غداً", status="scheduled", schedule_at=timezone.now() + timedelta(1)
    )
    PostTarget.objects.create(post=post, platform="x", account=x_account, status="scheduled")
    page = owner.get(f"/stores/{store.pk}/posts/{post.pk}/").content.decode()
    assert 'data-confirm="Cancel this scheduled post?"' in page
    url = f"/stores/{store.pk}/posts/{post.pk}/cancel"
    _asks(owner, url, "Cancel this scheduled post?", "Yes, cancel it")
    assert PostTarget.objects.get(post=post).status == "scheduled"
    owner.post(url, {"confirmed": "yes"})
    assert PostTarget.objects.get(post=post).status == "cancelled"


def test_disconnecting_an_account_asks_first(
    owner: Client, store: Store, x_account: SocialAccount
) -> None:
    page = owner.get(f"/stores/{store.pk}/accounts/").content.decode()
    assert 'data-confirm="Disconnect X?"' in page
    url = f"/stores/{store.pk}/accounts/{x_account.pk}/disconnect"
    _asks(owner, url, "Disconnect X?", "Yes, disconnect")
    x_account.refresh_from_db()
    assert x_account.status == "connected"


def test_removing_a_member_asks_first(owner: Client, store: Store) -> None:
    member = Membership.objects.create(
        store=store, user=User.objects.create_user("ed"), role="editor"
    )
    page = html.unescape(owner.get(f"/stores/{store.pk}/team/").content.decode())
    assert 'data-confirm="Remove ed from the team?"' in page
    url = f"/stores/{store.pk}/team/{member.pk}/remove"
    _asks(owner, url, "Remove ed from the team?", "Yes, remove")
    assert Membership.objects.filter(pk=member.pk).exists()
    owner.post(url, {"confirmed": "yes"})
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_withdrawing_an_invitation_asks_first(owner: Client, store: Store) -> None:
    invitation, _token = invitation_create(
        store=store, email="sara@example.com", role="editor", invited_by=User.objects.get()
    )
    page = html.unescape(owner.get(f"/stores/{store.pk}/team/").content.decode())
    assert 'data-confirm="Withdraw the invitation to sara@example.com?"' in page
    url = f"/stores/{store.pk}/team/invitations/{invitation.pk}/withdraw"
    _asks(owner, url, "Withdraw the invitation to sara@example.com?", "Yes, withdraw it")
    assert Invitation.objects.filter(pk=invitation.pk).exists()
    owner.post(url, {"confirmed": "yes"})
    assert not Invitation.objects.filter(pk=invitation.pk).exists()


def test_revoking_a_key_asks_first(owner: Client, store: Store) -> None:
    key, raw = api_key_create(store=store, name="storefront")
    page = html.unescape(owner.get(f"/stores/{store.pk}/keys/").content.decode())
    assert 'data-confirm="Revoke the key “storefront”?"' in page
    url = f"/stores/{store.pk}/keys/{key.pk}/revoke"
    _asks(owner, url, "Revoke the key “storefront”?", "Yes, revoke it")
    assert api_key_authenticate(raw_key=raw) is not None
    owner.post(url, {"confirmed": "yes"})
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None


def test_another_stores_things_are_404_before_any_question(owner: Client, store: Store) -> None:
    from tests.factories import StoreFactory

    other = StoreFactory.create()
    theirs = Membership.objects.create(
        store=other, user=User.objects.create_user("them"), role="owner"
    )
    invitation, _token = invitation_create(
        store=other, email="x@example.com", role="editor", invited_by=theirs.user
    )
    key, _raw = ApiKeyFactory.create_with_raw(store=other)
    for url in (
        f"/stores/{store.pk}/team/{theirs.pk}/remove",
        f"/stores/{store.pk}/team/invitations/{invitation.pk}/withdraw",
        f"/stores/{store.pk}/keys/{key.pk}/revoke",
    ):
        assert owner.post(url).status_code == 404, url
        assert owner.post(url, {"confirmed": "yes"}).status_code == 404, url
    assert Membership.objects.filter(pk=theirs.pk).exists()
    assert Invitation.objects.filter(pk=invitation.pk).exists()
