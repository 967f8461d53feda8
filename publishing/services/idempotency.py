"""`Idempotency-Key` on publish: the same key and body replays the first answer; the same
key with another body is a 422; concurrent duplicates never both publish."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import Store
from mollkom_social.api.errors import ApiError
from publishing.models import IdempotencyKey, Post

# What a key may be: 1 to 255 (IdempotencyKey.key's column) visible ASCII characters, so
# UUIDs and any storefront id fit. Checked before the key reaches the database, where a
# longer one overflowed the column (a 500 on PostgreSQL, silently kept on SQLite).
IDEMPOTENCY_KEY_MAX_LENGTH = 255
_IDEMPOTENCY_KEY = re.compile(rf"[\x21-\x7e]{{1,{IDEMPOTENCY_KEY_MAX_LENGTH}}}")


def idempotency_key_check(*, key: str) -> None:
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiError(
            "invalid_idempotency_key",
            f"The Idempotency-Key header must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} visible "
            "ASCII characters (letters, digits and punctuation, no spaces).",
            details={"max_length": IDEMPOTENCY_KEY_MAX_LENGTH},
        )


def request_fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def idempotency_lookup(*, store: Store, key: str, fingerprint: str) -> IdempotencyKey | None:
    record = IdempotencyKey.objects.filter(store=store, key=key).first()
    if record is not None and record.request_hash != fingerprint:
        raise ApiError(
            "idempotency_key_reused",
            "This Idempotency-Key was already used with a different request body.",
            http_status=422,
        )
    return record


def idempotency_claim(*, store: Store, key: str, fingerprint: str) -> IdempotencyKey | None:
    """Insert the key inside the caller's transaction. None when a concurrent request
    inserted it first (the unique constraint decides the race): the caller must roll
    back and replay that request's answer instead."""
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(store=store, key=key, request_hash=fingerprint)
    except IntegrityError:
        return None


def idempotency_attach(*, record: IdempotencyKey, post: Post) -> None:
    IdempotencyKey.objects.filter(pk=record.pk).update(post=post)


def idempotency_store_response(*, record_id: int, status: int, body: dict[str, Any]) -> None:
    IdempotencyKey.objects.filter(pk=record_id, response_body__isnull=True).update(
        response_status=status, response_body=body
    )
