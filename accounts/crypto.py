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


def _keys() -> list[str]:
    keys = list(settings.TOKEN_ENCRYPTION_KEYS)
    if not keys:
        derived = hashlib.sha256(f"token-encryption:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return keys


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in _keys()])


@cache
def _newest() -> Fernet:
    return Fernet(_keys()[0].encode())


def clear_cache() -> None:
    """Forget the keys read so far (after TOKEN_ENCRYPTION_KEYS changed, e.g. in tests)."""
    _fernet.cache_clear()
    _newest.cache_clear()


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


def is_current(ciphertext: str) -> bool:
    """True when the newest key alone decrypts it: rotating it again would change nothing."""
    try:
        _newest().decrypt(ciphertext.encode())
    except InvalidToken:
        return False
    return True


def rotate(ciphertext: str) -> str:
    """Re-encrypt under the newest key."""
    if not ciphertext:
        return ""
    try:
        return _fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("stored token cannot be decrypted with the configured keys") from exc
