"""Meta's signed requests: the ``signed_request`` that Meta posts to the deauthorize and
data-deletion callbacks.

Format: ``<signature>.<payload>``, both base64url without padding; the payload is JSON whose
``algorithm`` must be ``HMAC-SHA256``, and the signature is the HMAC-SHA256 of the encoded
payload under the app secret. Meta has separate secrets for the Facebook app, the Instagram
(Instagram Login) app and the Threads app, so the caller passes every candidate and learns
which one signed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ALGORITHM = "HMAC-SHA256"


class SignedRequestError(ValueError):
    """The signed request is malformed, uses another algorithm, or no secret signed it."""


@dataclass(frozen=True)
class SignedRequest:
    payload: dict[str, Any]
    signed_by: str  # the key of the secret that verified it

    @property
    def user_id(self) -> str:
        return str(self.payload.get("user_id") or "")


def _b64url_decode(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SignedRequestError("signed_request is not base64url") from exc


def _b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def parse_signed_request(signed_request: str, secrets: Mapping[str, str]) -> SignedRequest:
    """Verify ``signed_request`` against ``secrets`` (name → app secret; empty ones skipped)."""
    signature_part, dot, payload_part = signed_request.strip().partition(".")
    if not dot or not signature_part or not payload_part:
        raise SignedRequestError("signed_request must be <signature>.<payload>")
    signature = _b64url_decode(signature_part)
    try:
        payload = json.loads(_b64url_decode(payload_part))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SignedRequestError("signed_request payload is not JSON") from exc
    if not isinstance(payload, dict):
        raise SignedRequestError("signed_request payload is not a JSON object")
    algorithm = str(payload.get("algorithm", "")).upper()
    # Checked before the signature: an unsigned or differently signed payload is never trusted.
    if algorithm != ALGORITHM:
        raise SignedRequestError(f"unsupported algorithm {payload.get('algorithm')!r}")
    for name, secret in secrets.items():
        if not secret:
            continue
        expected = hmac.new(secret.encode(), payload_part.encode("ascii"), hashlib.sha256)
        if hmac.compare_digest(expected.digest(), signature):
            return SignedRequest(payload=payload, signed_by=name)
    raise SignedRequestError("signature does not match")


def build_signed_request(payload: Mapping[str, Any], secret: str) -> str:
    """Sign ``payload`` as Meta does (the sandbox and tests send callbacks with it)."""
    body = _b64url_encode(json.dumps(dict(payload), separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), body.encode("ascii"), hashlib.sha256).digest()
    return f"{_b64url_encode(signature)}.{body}"
