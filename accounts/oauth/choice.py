"""When one authorization grants several publishable accounts (a Facebook user's Pages),
the merchant picks one on our chooser page before the browser returns to redirect_url.

The candidates (Page tokens included, encrypted) wait in a ConnectChoice row tied to the
flow, found by a SHA-256 of a secret that only the chooser page's form carries: nobody but
the browser that finished the authorization can pick. Taken once, until it expires.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts import crypto
from accounts.models import ConnectChoice, ConnectState
from accounts.oauth.backends import Identity, TokenSet
from accounts.oauth.browser import browser_matches
from accounts.oauth.state import StateRefused


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _identity_json(identity: Identity) -> dict[str, Any]:
    tokens = identity.tokens
    return {
        "account_id": identity.account_id,
        "handle": identity.handle,
        "label": identity.label,
        "login_kind": identity.login_kind,
        "user_id": identity.user_id,
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "expires_at": tokens.expires_at.isoformat() if tokens.expires_at else None,
        "scope": tokens.scope,
    }


def _identity(data: dict[str, Any]) -> Identity:
    expires_at = datetime.fromisoformat(data["expires_at"]) if data["expires_at"] else None
    tokens = TokenSet(
        access_token=data["access_token"],
        refresh_token=data["refresh_token"],
        expires_at=expires_at,
        scope=data["scope"],
    )
    return Identity(
        account_id=data["account_id"],
        handle=data["handle"],
        tokens=tokens,
        login_kind=data["login_kind"],
        label=data["label"],
        user_id=data["user_id"],
    )


def choice_create(*, flow: ConnectState, identities: list[Identity]) -> str:
    """Keep the candidates for the merchant to pick from; the secret for the chooser form."""
    secret = secrets.token_urlsafe(32)
    ConnectChoice.objects.create(
        secret_hash=_hash(secret),
        flow=flow,
        candidates_encrypted=crypto.encrypt(json.dumps([_identity_json(i) for i in identities])),
        expires_at=timezone.now() + timedelta(seconds=settings.CONNECT_STATE_TTL_SECONDS),
    )
    return secret


def choice_candidates(*, secret: str, platform: str) -> tuple[ConnectChoice, list[Identity]]:
    """The waiting choice and its candidates, without taking it (to show the page again)."""
    choice = (
        ConnectChoice.objects.select_related("flow__store")
        .filter(secret_hash=_hash(secret or ""), flow__platform=platform)
        .first()
    )
    if choice is None:
        raise StateRefused("invalid_choice")
    if choice.used_at is not None or choice.expires_at <= timezone.now():
        raise StateRefused("choice_used" if choice.used_at else "choice_expired", choice.flow)
    candidates = json.loads(crypto.decrypt(choice.candidates_encrypted))
    return choice, [_identity(c) for c in candidates]


def choice_take(
    *, secret: str, platform: str, browser_key: str = ""
) -> tuple[ConnectState, list[Identity]]:
    """Take the choice once (a conditional UPDATE: two posts of the form cannot both win).
    A dashboard flow's choice is for the browser that started the flow: another one uses
    it up and gets ``browser_mismatch``."""
    choice, identities = choice_candidates(secret=secret, platform=platform)
    now = timezone.now()
    taken = ConnectChoice.objects.filter(
        pk=choice.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now, candidates_encrypted="")
    if not taken:
        raise StateRefused("choice_used", choice.flow)
    if not browser_matches(choice.flow, browser_key):
        raise StateRefused("browser_mismatch")
    return choice.flow, identities
