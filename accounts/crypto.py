"""Encryption of OAuth tokens at rest.

Keys come from TOKEN_ENCRYPTION_KEYS (Fernet keys, newest first). MultiFernet encrypts
with the first and decrypts with any, so a key is rotated by putting a new one first and
running `manage.py rotate_token_keys`. On the embedded default, with no keys set, a key
is derived from SECRET_KEY so `make run` needs no setup.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.TOKEN_ENCRYPTION_KEYS)
    if not keys:
        derived = hashlib.sha256(f"token-encryption:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("stored token cannot be decrypted with the configured keys") from exc


def rotate(ciphertext: str) -> str:
    """Re-encrypt under the newest key."""
    if not ciphertext:
        return ""
    return _fernet().rotate(ciphertext.encode()).decode()
