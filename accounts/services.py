"""Writes for tenants, keys and connected accounts."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiKey, Platform, SocialAccount, Store, StoreAllowedOrigin
from accounts.oauth.origins import normalize_origin
from accounts.revoke import SKIPPED, Revocation, Tokens, token_revoke

logger = logging.getLogger(__name__)

API_KEY_PREFIX = "mk_"


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def store_create(*, name: str, timezone_name: str = "Asia/Riyadh") -> Store:
    store = Store(name=name, timezone=timezone_name)
    store.full_clean()
    store.save()
    return store


def api_key_create(*, store: Store, name: str = "default") -> tuple[ApiKey, str]:
    """Create a key and return it with its raw value, which is never stored or shown again."""
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        store=store, name=name, prefix=raw_key[:10], hashed_key=hash_api_key(raw_key)
    )
    return api_key, raw_key


def api_key_revoke(*, api_key: ApiKey) -> None:
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_key_authenticate(*, raw_key: str) -> ApiKey | None:
    if not raw_key.startswith(API_KEY_PREFIX):
        return None
    api_key = (
        ApiKey.objects.select_related("store")
        .filter(hashed_key=hash_api_key(raw_key), revoked_at__isnull=True)
        .first()
    )
    if api_key is None:
        return None
    now = timezone.now()
    # Written at most once a minute so a busy key doesn't turn every request into a write.
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key


def store_allowed_origin_add(*, store: Store, origin: str) -> StoreAllowedOrigin:
    """Allow connect flows of the store to return to ``origin`` (idempotent)."""
    try:
        normalized = normalize_origin(origin)
    except ValueError as exc:
        raise ValidationError(f"{origin!r}: {exc}") from exc
    allowed, _ = StoreAllowedOrigin.objects.get_or_create(store=store, origin=normalized)
    return allowed


@transaction.atomic
def social_account_connect(
    *,
    store: Store,
    platform: str,
    platform_account_id: str,
    handle: str,
    access_token: str,
    refresh_token: str = "",
    token_expires_at: datetime | None = None,
    login_kind: str = "",
    platform_user_id: str = "",
) -> SocialAccount:
    """Connect (or reconnect) the store's account on a platform.

    Reconnecting the same platform account updates its row (its posts keep pointing at it);
    another account replaces the earlier one, which is disconnected. A platform that sends
    no refresh token on reconnect (Google, without re-consent) keeps the stored one."""
    live = list(
        SocialAccount.objects.select_for_update()
        .filter(store=store, platform=platform)
        .exclude(status=SocialAccount.Status.DISCONNECTED)
    )
    account = next((a for a in live if a.platform_account_id == platform_account_id), None)
    others = [a.pk for a in live if a is not account]
    if others:
        SocialAccount.objects.filter(pk__in=others).update(
            status=SocialAccount.Status.DISCONNECTED,
            access_token_encrypted="",
            refresh_token_encrypted="",
        )
    if account is None:
        account = (
            SocialAccount.objects.select_for_update()
            .filter(store=store, platform=platform, platform_account_id=platform_account_id)
            .order_by("-updated_at")
            .first()
        )
    if account is None:
        account = SocialAccount(
            store=store, platform=Platform(platform), platform_account_id=platform_account_id
        )
    keep_refresh = account.pk is not None and account.refresh_token_encrypted and not refresh_token
    # A refresh credential belongs to the login that issued it (Instagram has two).
    keep_refresh = keep_refresh and login_kind in ("", account.login_kind)
    account.handle = handle
    account.login_kind = login_kind or account.login_kind
    account.platform_user_id = platform_user_id or account.platform_user_id
    account.status = SocialAccount.Status.CONNECTED
    account.status_reason = ""
    account.access_token = access_token
    if not keep_refresh:
        account.refresh_token = refresh_token
    account.token_expires_at = token_expires_at
    account.save()
    return account


def _account_event(account_id: int, type: str) -> None:
    from accounts.selectors import account_item
    from webhooks.services.events import event_emit  # webhooks build on accounts

    account = SocialAccount.objects.get(pk=account_id)
    event_emit(store=account.store_id, type=type, data=account_item(account))


@transaction.atomic
def social_account_mark_needs_reconnect(*, account_id: int, reason: str) -> None:
    """The platform refused the account's token: the merchant must reconnect it."""
    changed = SocialAccount.objects.filter(
        pk=account_id, status=SocialAccount.Status.CONNECTED
    ).update(status=SocialAccount.Status.NEEDS_RECONNECT, status_reason=reason[:500])
    if changed:
        _account_event(account_id, "account.needs_reconnect")


@dataclass(frozen=True)
class Disconnection:
    """What a disconnect left behind: the tokens it wiped (to revoke at the platform once
    the transaction has committed) and how many scheduled targets it cancelled."""

    tokens: Tokens
    cancelled_targets: int


@transaction.atomic
def social_account_disconnect(*, account: SocialAccount, reason: str = "") -> Disconnection | None:
    """Forget the account's tokens and cancel its scheduled targets; None when it was
    already disconnected.

    The row stays, as ``disconnected`` with its tokens wiped: the posts and targets that
    name it keep their history, and a reconnect writes a new row. The row lock waits out a
    token refresh holding it, so the tokens read here are the latest ones."""
    locked = (
        SocialAccount.objects.select_for_update()
        .filter(pk=account.pk)
        .exclude(status=SocialAccount.Status.DISCONNECTED)
        .first()
    )
    if locked is None:
        return None
    tokens = _stored_tokens(locked)
    SocialAccount.objects.filter(pk=locked.pk).update(
        status=SocialAccount.Status.DISCONNECTED,
        status_reason=reason[:500],
        access_token_encrypted="",
        refresh_token_encrypted="",
        token_expires_at=None,
        updated_at=timezone.now(),
    )
    cancelled = _cancel_scheduled_targets(locked)
    _account_event(locked.pk, "account.disconnected")
    return Disconnection(tokens=tokens, cancelled_targets=cancelled)


def _stored_tokens(account: SocialAccount) -> Tokens:
    # A token the configured keys cannot read must not stop the disconnect: it is wiped all
    # the same, and there is simply nothing to revoke.
    try:
        access_token, refresh_token = account.access_token, account.refresh_token
    except ValueError:
        logger.warning("stored tokens unreadable on disconnect", extra={"account": account.pk})
        access_token = refresh_token = ""
    return Tokens(access_token, refresh_token, account.login_kind)


def _cancel_scheduled_targets(account: SocialAccount) -> int:
    """Cancel the account's still-scheduled targets, saying why.

    Locked first, in id order: the dispatcher (SKIP LOCKED) either claimed a target before,
    and it then fails at publish time for want of an account, or skips it and finds it
    cancelled. Targets already queued or publishing are left to finish that way."""
    from publishing.models import PostTarget, TargetStatus  # publishing builds on accounts
    from publishing.services.posts import post_sync_status

    targets = list(
        PostTarget.objects.select_for_update()
        .filter(account=account, status=TargetStatus.SCHEDULED)
        .order_by("pk")
        .values_list("pk", "post_id")
    )
    if not targets:
        return 0
    PostTarget.objects.filter(pk__in=[pk for pk, _ in targets]).update(
        status=TargetStatus.CANCELLED,
        due_at=None,
        error_code="account_disconnected",
        error_message=(
            f"Cancelled: the store disconnected its {account.get_platform_display()} account "
            "before the post was due."
        ),
    )
    for post_id in sorted({post_id for _, post_id in targets}):
        post_sync_status(post_id=post_id)
    return len(targets)


@dataclass(frozen=True)
class Removal:
    account: SocialAccount
    revocation: Revocation
    cancelled_targets: int


def social_account_remove(*, account: SocialAccount) -> Removal | None:
    """The merchant disconnects an account: disconnect it here, then revoke its tokens at
    the platform where the platform offers that. None when it was already disconnected.

    The local disconnect commits first, so a platform that is down or slow never keeps an
    account connected; the answer says whether the platform confirmed the revocation. Call
    it outside a transaction: the platform call must not hold the row locks."""
    done = social_account_disconnect(account=account, reason="Disconnected by the store.")
    if done is None:
        return None
    revocation = _revoke(account, done.tokens)
    SocialAccount.objects.filter(pk=account.pk).update(
        status_reason=f"Disconnected by the store. Revocation: {revocation.status}."
    )
    account.refresh_from_db()
    return Removal(account, revocation, done.cancelled_targets)


def _revoke(account: SocialAccount, tokens: Tokens) -> Revocation:
    # Meta's revocation de-authorizes the app for the whole Facebook user, Pages included: a
    # store that keeps its Facebook Page connected (often granted by the same user) would
    # lose it too. So Instagram through Facebook Login is revoked only when no Page is.
    if account.platform == "instagram" and tokens.login_kind != "instagram":
        pages = SocialAccount.objects.filter(store_id=account.store_id, platform="facebook")
        if pages.exclude(status=SocialAccount.Status.DISCONNECTED).exists():
            return Revocation(
                SKIPPED,
                "Not revoked at Facebook: that would also cut off the store's Facebook Page "
                "connection. Remove the app in Facebook's settings to end its access.",
            )
    return token_revoke(platform=account.platform, tokens=tokens)
