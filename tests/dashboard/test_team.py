"""Team and keys: only owners manage them; invitations are single-use links; keys show once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey, Membership, Store
from accounts.services import api_key_authenticate
from dashboard.models import Invitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client: Client, store: Store) -> Client:
    user = User.objects.create_user("owner", password="pw")
    Membership.objects.create(store=store, user=user, role="owner")
    client.login(username="owner", password="pw")
    return client


def _invite(owner: Client, store: Store, email: str, role: str) -> str:
    page = owner.post(f"/stores/{store.pk}/team/", {"email": email, "role": role})
    link = re.search(r'value="(http://testserver/invites/[^"]+/)"', page.content.decode())
    assert link, page.content.decode()
    return link.group(1).removeprefix("http://testserver")


def test_only_owners_reach_team_and_keys(client: Client, store: Store) -> None:
    user = User.objects.create_user("ed", password="pw")
    Membership.objects.create(store=store, user=user, role="editor")
    client.login(username="ed", password="pw")
    for url in (f"/stores/{store.pk}/team/", f"/stores/{store.pk}/keys/"):
        assert client.get(url).status_code == 403
        assert (
            client.post(url, {"name": "x", "email": "a@b.test", "role": "owner"}).status_code == 403
        )
    assert not ApiKey.objects.exists() and not Invitation.objects.exists()


def test_an_invitation_link_makes_a_member_once(owner: Client, store: Store) -> None:
    path = _invite(owner, store, "Sara@Shop.test", "editor")
    assert mail.outbox[0].to == ["sara@shop.test"] and path in mail.outbox[0].body
    assert Invitation.objects.get().token_hash not in path  # the link carries the token only

    guest = Client()
    page = guest.get(path)
    assert page.status_code == 200 and store.name in page.content.decode()
    joined = guest.post(
        path, {"username": "sara", "password1": "a-long-pass-9", "password2": "a-long-pass-9"}
    )
    assert joined["Location"] == f"/stores/{store.pk}/"
    member = Membership.objects.get(user__username="sara")
    assert (member.store, member.role, member.user.email) == (store, "editor", "sara@shop.test")
    # Used once: the link is dead now, for anyone.
    assert Client().get(path).status_code == 404
    assert guest.post(path).status_code == 404


def test_an_existing_user_accepts_while_logged_in(owner: Client, store: Store) -> None:
    path = _invite(owner, store, "v@shop.test", "viewer")
    User.objects.create_user("vee", password="pw")
    other = Client()
    other.login(username="vee", password="pw")
    other.post(path)
    assert Membership.objects.get(user__username="vee").role == "viewer"


def test_an_expired_invitation_is_refused(owner: Client, store: Store) -> None:
    path = _invite(owner, store, "late@shop.test", "viewer")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = Client().post(
        path, {"username": "late", "password1": "a-long-pass-9", "password2": "a-long-pass-9"}
    )
    assert refused.status_code == 404
    assert not User.objects.filter(username="late").exists()


def test_removing_members_keeps_one_owner(owner: Client, store: Store) -> None:
    me = Membership.objects.get(user__username="owner")
    other = Membership.objects.create(
        store=store, user=User.objects.create_user("ed"), role="editor"
    )
    owner.post(f"/stores/{store.pk}/team/{other.pk}/remove", {"confirmed": "yes"})
    assert not Membership.objects.filter(pk=other.pk).exists()
    page = owner.post(
        f"/stores/{store.pk}/team/{me.pk}/remove", {"confirmed": "yes"}, follow=True
    ).content.decode()
    assert "A store keeps at least one owner." in page
    assert Membership.objects.filter(pk=me.pk).exists()


def test_a_key_is_shown_once_and_can_be_revoked(owner: Client, store: Store) -> None:
    page = owner.post(f"/stores/{store.pk}/keys/", {"name": "storefront"}).content.decode()
    raw = re.search(r'value="(mk_[^"]+)"', page)
    assert raw
    key = api_key_authenticate(raw_key=raw.group(1))
    assert key is not None and key.store == store
    listing = owner.get(f"/stores/{store.pk}/keys/").content.decode()
    assert raw.group(1) not in listing and key.prefix in listing
    owner.post(f"/stores/{store.pk}/keys/{key.pk}/revoke", {"confirmed": "yes"})
    assert api_key_authenticate(raw_key=raw.group(1)) is None


def test_another_stores_key_cannot_be_revoked(owner: Client, store: Store) -> None:
    from tests.factories import ApiKeyFactory, StoreFactory

    theirs, raw = ApiKeyFactory.create_with_raw(store=StoreFactory.create())
    assert owner.post(f"/stores/{store.pk}/keys/{theirs.pk}/revoke").status_code == 404
    assert api_key_authenticate(raw_key=raw) is not None
