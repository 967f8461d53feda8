"""What a webhook request carries and how it is signed.

The receiver's recipe (also in webhooks/README.md; keep the two in step):

1. Read the raw request body as bytes, before any JSON parsing.
2. Read ``Mollkom-Timestamp`` (unix seconds) and ``Mollkom-Signature`` (``v1=<hex>``).
3. Compute ``HMAC-SHA256(key=secret, message=timestamp + "." + raw body)`` as lowercase
   hex, where ``secret`` is the whole ``whsec_…`` string as UTF-8 bytes.
4. Compare it with the hex after ``v1=`` in constant time (``hmac.compare_digest``).
5. Refuse a timestamp more than 5 minutes from your clock (replays).
6. Deduplicate on ``Mollkom-Event-Id`` (= the body's ``id``): a delivery may arrive more
   than once, always with the same id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"


def secret_generate() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignedRequest:
    body: bytes
    headers: dict[str, str]


def event_body(*, event_id: Any, type: str, created_at: datetime, data: Any) -> bytes:
    payload = {
        "id": str(event_id),
        "type": type,
        "created_at": created_at.astimezone(UTC).isoformat(),
        "data": data,
    }
    # Compact and UTF-8 (Arabic text stays readable); the signature covers these exact bytes.
    return json.dumps(
        payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode()


def event_request_sign(
    *, secret: str, event_id: Any, type: str, body: bytes, timestamp: int
) -> SignedRequest:
    return SignedRequest(
        body=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Mollkom-Webhooks/1",
            "Mollkom-Event-Id": str(event_id),
            "Mollkom-Event-Type": type,
            "Mollkom-Timestamp": str(timestamp),
            "Mollkom-Signature": (
                f"{SIGNATURE_VERSION}={signature(secret=secret, timestamp=timestamp, body=body)}"
            ),
        },
    )
