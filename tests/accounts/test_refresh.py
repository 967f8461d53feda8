"""Token refresh against the sandbox: under the account's row lock (a rotating refresh
token is spent once however many publishes race), ahead of expiry from beat, and a
refused refresh marking the account for reconnecting."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from rest_framework.test import APIClient

from accounts.beat_entry import REFRESH_TOKENS
from accounts.models import SocialAccount, Store
from accounts.oauth.refresh import Refresh, account_refresh, refresh_expiring
from accounts.services import social_account_connect
from publishing.models import PostTarget, TargetStatus
from publishing.sandbox._oauth import Grant, register_app_everywhere
from publishing.sandbox.core import Fault, SandboxServer
from publishing.sandbox.x import sandbox_user_id
from publishing.services.dispatcher import dispatch_due
from publishing.services.pipeline import target_publish
from tests.support.api import publish

X_SCOPES = "tweet.read tweet.write users.read media.write offline.access"


@pytest.fixture
def sandbox_app(sandbox: SandboxServer, settings: Any) -> SandboxServer:
    register_app_everywhere(
        sandbox.state.oauth,
        client_id=settings.SANDBOX_OAUTH_CLIENT_ID,
        client_secret=settings.SANDBOX_OAUTH_CLIENT_SECRET,
        public_base_url=settings.PUBLIC_BASE_URL,
    )
    return sandbox


def _x_account(
    store: Store, sandbox: SandboxServer, settings: Any, *, expires_in: float
) -> SocialAccount:
    """An X account holding tokens the sandbox issued, expiring in ``expires_in`` seconds."""
    grant = sandbox.state.oauth.issue(
        Grant(
            platform="x",
            username="shop_x",
            scope=X_SCOPES,
            client_id=settings.SANDBOX_OAUTH_CLIENT_ID,
        ),
        with_refresh=True,
    )
    return social_account_connect(
        store=store,
        platform="x",
        platform_account_id=sandbox_user_id("shop_x"),
        handle="shop_x",
        access_token=grant.access_token,
        refresh_token=grant.refresh_token,
        token_expires_at=timezone.now() + timedelta(seconds=expires_in),
    )


def _refreshes(sandbox: SandboxServer) -> list[dict[str, Any]]:
    return [
        r
        for r in sandbox.state.requests("x")
        if r["path"] == "/2/oauth2/token" and r["form"].get("grant_type") == "refresh_token"
    ]


@pytest.mark.django_db(transaction=True)
def test_two_publishes_racing_on_an_expiring_rotating_token_refresh_it_once(
    api: APIClient, store: Store, sandbox_app: SandboxServer, settings: Any
) -> None:
    account = _x_account(store, sandbox_app, settings, expires_in=30)
    old_refresh = account.refresh_token
    # The refresh answer takes a while, so the second publish surely arrives meanwhile.
    sandbox_app.state.add_fault(
        Fault(kind="latency", platform="x", method="POST", path="/2/oauth2/token", delay_s=0.5)
    )
    targets = [
        PostTarget.objects.get(post_id=publish(api, store, wait=False, content={
            "text": f"منتج جديد {n}", "media": [], "link": None})["post_id"])
        for n in range(2)
    ]  # fmt: skip
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(target_id: int) -> None:
        try:
            start.wait()
            target_publish(target_id=target_id)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t.pk,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert not errors
    assert len(_refreshes(sandbox_app)) == 1
    for target in targets:
        target.refresh_from_db()
        assert target.status == TargetStatus.PUBLISHED, target.error_message
    account.refresh_from_db()
    assert account.status == "connected"
    assert account.refresh_token != old_refresh  # rotated, and the new one kept
    assert account.token_expires_at is not None
    assert account.token_expires_at > timezone.now() + timedelta(minutes=10)
    assert len(sandbox_app.state.posts("x")) == 2


@pytest.mark.django_db
def test_a_refused_refresh_marks_the_account_and_fails_its_scheduled_targets(
    api: APIClient, store: Store, sandbox_app: SandboxServer, settings: Any
) -> None:
    account = _x_account(store, sandbox_app, settings, expires_in=3600)
    at = timezone.now() + timedelta(hours=2)
    for n in range(2):
        publish(
            api,
            store,
            schedule_at=at.isoformat(),
            content={"text": f"لاحقاً {n}", "media": [], "link": None},
        )
    # The merchant revokes the app on X meanwhile.
    assert sandbox_app.state.oauth.revoke("x", account.refresh_token)

    with time_machine.travel(at + timedelta(seconds=1)):
        assert dispatch_due().scheduled == 2
        for target in PostTarget.objects.all():
            target_publish(target_id=target.pk)

    account.refresh_from_db()
    assert account.status == "needs_reconnect"
    assert "refused to renew access" in account.status_reason
    for target in PostTarget.objects.all():
        assert target.status == TargetStatus.FAILED
        assert target.error_code == "account_needs_reconnect"
        assert account.status_reason in target.error_message
    assert len(_refreshes(sandbox_app)) == 1  # marked once; the second target did not ask again
    assert sandbox_app.state.posts("x") == []


@pytest.mark.django_db
def test_beat_refreshes_tokens_nearing_expiry_and_leaves_the_rest(
    store: Store, sandbox_app: SandboxServer, settings: Any
) -> None:
    settings.TOKEN_REFRESH_AHEAD_SECONDS = 900
    soon = _x_account(store, sandbox_app, settings, expires_in=600)
    before = soon.access_token
    assert refresh_expiring() == {Refresh.REFRESHED: 1}
    soon.refresh_from_db()
    assert soon.access_token != before and soon.access_token.startswith("sbxo.x.")
    # Now valid for the sandbox's full lifetime: nothing left to do.
    assert refresh_expiring() == {}
    assert account_refresh(account_id=soon.pk, min_valid_seconds=900) == Refresh.NOT_NEEDED
    assert len(_refreshes(sandbox_app)) == 1


@pytest.mark.django_db
def test_an_outage_during_refresh_keeps_the_account_connected(
    store: Store, sandbox_app: SandboxServer, settings: Any
) -> None:
    account = _x_account(store, sandbox_app, settings, expires_in=60)
    sandbox_app.state.add_fault(Fault(kind="server_error", platform="x", path="/2/oauth2/token"))
    assert account_refresh(account_id=account.pk, min_valid_seconds=900) == Refresh.FAILED
    account.refresh_from_db()
    assert account.status == "connected"
    # The refresh token was not spent: the next try works.
    assert account_refresh(account_id=account.pk, min_valid_seconds=900) == Refresh.REFRESHED


@pytest.mark.django_db
def test_the_refresh_beat_entry_is_created_by_its_migration(settings: Any) -> None:
    task = PeriodicTask.objects.get(name=REFRESH_TOKENS.name)
    assert task.task == "accounts.refresh_expiring_tokens" and task.enabled
    assert task.interval is not None
    assert task.interval.every == round(settings.TOKEN_REFRESH_INTERVAL_SECONDS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("platform", "scope", "rotates"),
    [
        ("youtube", "https://www.googleapis.com/auth/youtube.force-ssl", False),
        ("tiktok", "user.info.basic,video.publish", True),
    ],
)
def test_a_refresh_keeps_the_refresh_token_unless_a_new_one_comes(
    store: Store,
    sandbox_app: SandboxServer,
    settings: Any,
    platform: str,
    scope: str,
    rotates: bool,
) -> None:
    grant = sandbox_app.state.oauth.issue(
        Grant(
            platform=platform,
            username="shop_v",
            scope=scope,
            client_id=settings.SANDBOX_OAUTH_CLIENT_ID,
        ),
        with_refresh=True,
    )
    account = social_account_connect(
        store=store,
        platform=platform,
        platform_account_id=f"{platform}-shop_v",
        handle="shop_v",
        access_token=grant.access_token,
        refresh_token=grant.refresh_token,
        token_expires_at=timezone.now() + timedelta(seconds=10),
    )
    assert account_refresh(account_id=account.pk, min_valid_seconds=60) == Refresh.REFRESHED
    account.refresh_from_db()
    assert account.access_token != grant.access_token
    assert sandbox_app.state.oauth.grant_for(platform, account.access_token) is not None
    assert (account.refresh_token != grant.refresh_token) is rotates
    # Whichever it is, the stored refresh token is the live one: the next refresh works.
    SocialAccount.objects.filter(pk=account.pk).update(token_expires_at=timezone.now())
    assert account_refresh(account_id=account.pk, min_valid_seconds=60) == Refresh.REFRESHED
