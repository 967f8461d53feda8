"""`manage.py rotate_token_keys`: every stored secret ends up under the newest key."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from accounts import crypto
from accounts.models import SocialAccount
from tests.factories import SocialAccountFactory, StoreFactory
from webhooks.models import WebhookEndpoint

OLD, NEW, LOST = (Fernet.generate_key().decode() for _ in range(3))

SetKeys = Callable[..., None]


@pytest.fixture
def use_keys(settings: Any) -> Iterator[SetKeys]:
    def use(*keys: str) -> None:
        settings.TOKEN_ENCRYPTION_KEYS = list(keys)
        crypto.clear_cache()

    yield use
    crypto.clear_cache()  # the settings fixture restores the keys; forget the test's ones


def rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_token_keys", *args, stdout=out)
    return out.getvalue()


def stored(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY {column}")
        return [row[0] for row in cursor.fetchall()]


def readable_with(key: str, ciphertext: str) -> bool:
    try:
        Fernet(key.encode()).decrypt(ciphertext.encode())
    except Exception:
        return False
    return True


def make_accounts(count: int) -> list[SocialAccount]:
    store = StoreFactory.create()
    accounts = []
    for n in range(count):
        account = SocialAccountFactory.create(
            store=store,
            platform="x",
            status=SocialAccount.Status.DISCONNECTED if n else SocialAccount.Status.CONNECTED,
            token=f"access-token-{n}",
        )
        account.refresh_token = f"refresh-token-{n}"
        account.save()
        accounts.append(account)
    return accounts


def test_rotated_rows_are_readable_with_only_the_new_key(db: Any, use_keys: SetKeys) -> None:
    use_keys(OLD)
    accounts = make_accounts(5)
    endpoint = WebhookEndpoint(store=accounts[0].store, url="https://hooks.example/x", events=[])
    endpoint.secret = "whsec-signing-secret"
    endpoint.save()

    use_keys(NEW, OLD)
    output = rotate("--batch-size", "2")

    assert "accounts.SocialAccount: 5 rows, re-encrypted 10 values, 0 already" in output
    assert "webhooks.WebhookEndpoint: 1 rows, re-encrypted 1 values, 0 already" in output
    use_keys(NEW)  # the old key is gone
    for n, account in enumerate(accounts):
        account.refresh_from_db()
        assert (account.access_token, account.refresh_token) == (
            f"access-token-{n}",
            f"refresh-token-{n}",
        )
    endpoint.refresh_from_db()
    assert endpoint.secret == "whsec-signing-secret"
    # In the database: ciphertext under the new key, never the plaintext.
    columns = [
        *stored("accounts_socialaccount", "access_token_encrypted"),
        *stored("accounts_socialaccount", "refresh_token_encrypted"),
        *stored("webhooks_webhookendpoint", "secret_encrypted"),
    ]
    assert len(columns) == 11
    assert all(readable_with(NEW, c) and not readable_with(OLD, c) for c in columns)
    assert not [c for c in columns if "token-" in c or "whsec" in c]


def test_rotating_again_changes_nothing(db: Any, use_keys: SetKeys) -> None:
    use_keys(OLD)
    make_accounts(3)
    use_keys(NEW, OLD)
    rotate()
    before = stored("accounts_socialaccount", "access_token_encrypted")

    output = rotate()

    assert "accounts.SocialAccount: 3 rows, re-encrypted 0 values, 6 already under" in output
    assert stored("accounts_socialaccount", "access_token_encrypted") == before


def test_dry_run_counts_and_writes_nothing(db: Any, use_keys: SetKeys) -> None:
    use_keys(OLD)
    make_accounts(2)
    before = stored("accounts_socialaccount", "access_token_encrypted")
    use_keys(NEW, OLD)

    output = rotate("--dry-run")

    assert "accounts.SocialAccount: 2 rows, would re-encrypt 4 values" in output
    assert stored("accounts_socialaccount", "access_token_encrypted") == before


def test_values_no_key_reads_are_reported_and_the_rest_still_rotated(
    db: Any, use_keys: SetKeys
) -> None:
    use_keys(LOST)
    [lost] = make_accounts(1)
    use_keys(OLD)
    kept = SocialAccountFactory.create(platform="x", token="kept-token")
    use_keys(NEW, OLD)

    with pytest.raises(CommandError) as failure:
        rotate()

    assert str(failure.value).endswith(
        f"accounts.SocialAccount {lost.pk}.access_token_encrypted, "
        f"accounts.SocialAccount {lost.pk}.refresh_token_encrypted"
    )
    assert "token-0" not in str(failure.value)
    use_keys(NEW)
    kept.refresh_from_db()
    assert kept.access_token == "kept-token"


def test_a_row_locked_by_a_refresh_is_done_after_it_and_its_write_is_kept(
    transactional_db: Any, use_keys: SetKeys
) -> None:
    use_keys(OLD)
    accounts = make_accounts(3)
    busy = accounts[1]
    use_keys(NEW, OLD)
    locked, release = threading.Event(), threading.Event()

    def refresh() -> None:
        # A token refresh: lock the row, call the platform (here: wait), store the new token.
        try:
            with transaction.atomic():
                account = SocialAccount.objects.select_for_update().get(pk=busy.pk)
                locked.set()
                release.wait(10)
                account.access_token = "refreshed-token"
                account.save(update_fields=["access_token_encrypted"])
        finally:
            connection.close()

    worker = threading.Thread(target=refresh)
    worker.start()
    assert locked.wait(10)
    done = threading.Event()
    outputs: list[str] = []

    def run() -> None:
        try:
            outputs.append(rotate())
        finally:
            done.set()
            connection.close()

    rotation = threading.Thread(target=run)
    rotation.start()
    # The unlocked rows are rotated while the refresh still holds its row.
    assert not done.wait(1.0)
    use_keys(NEW, OLD)
    others = SocialAccount.objects.exclude(pk=busy.pk).values_list("access_token_encrypted")
    assert all(readable_with(NEW, value) for (value,) in others)
    release.set()
    worker.join(10)
    rotation.join(10)

    assert "rows waited for a lock" in outputs[0]
    use_keys(NEW)
    busy.refresh_from_db()
    assert busy.access_token == "refreshed-token"  # the refresh's write was not overwritten
    assert busy.refresh_token == "refresh-token-1"
