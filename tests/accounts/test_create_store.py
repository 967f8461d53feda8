from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from accounts.models import ApiKey, SocialAccount, Store
from accounts.services import api_key_authenticate
from publishing.sandbox.x import sandbox_token, sandbox_user_id

pytestmark = pytest.mark.django_db


def create_store(*args: str) -> dict[str, str]:
    out = io.StringIO()
    call_command("create_store", *args, stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1  # one line of JSON, nothing else
    data: dict[str, str] = json.loads(lines[0])
    return data


def test_prints_the_store_and_a_working_key() -> None:
    data = create_store("Dar Al Azyaa")
    store = Store.objects.get(pk=data["store_id"])
    assert (store.name, store.timezone) == ("Dar Al Azyaa", "Asia/Riyadh")
    api_key = api_key_authenticate(raw_key=data["api_key"])
    assert api_key is not None and api_key.store == store
    # Only a hash is kept: the key itself is nowhere in the database.
    assert not ApiKey.objects.filter(hashed_key=data["api_key"]).exists()
    assert data["api_key"] not in str(list(ApiKey.objects.values()))


def test_sandbox_accounts_are_connected_with_encrypted_tokens() -> None:
    data = create_store("Shop", "--timezone", "Africa/Cairo", "--sandbox-accounts")
    store = Store.objects.get(pk=data["store_id"])
    assert store.timezone == "Africa/Cairo"
    accounts = {a.platform: a for a in SocialAccount.objects.filter(store=store)}
    # Every platform the sandbox serves.
    assert set(accounts) == {"x", "threads", "instagram", "facebook", "youtube", "tiktok"}
    account = accounts["x"]
    assert (account.platform, account.status) == ("x", "connected")
    assert account.platform_account_id == sandbox_user_id(account.handle)
    assert account.access_token == sandbox_token(account.handle)
    assert sandbox_token(account.handle) not in account.access_token_encrypted


def test_unknown_timezone_is_refused() -> None:
    with pytest.raises(CommandError, match="IANA"):
        create_store("Shop", "--timezone", "Mars/Olympus")
    assert Store.objects.count() == 0


def test_allowed_origins_are_stored_normalized_and_repeatable() -> None:
    data = create_store(
        "Shop",
        "--allowed-origin",
        "https://Shop.Example:443",
        "--allowed-origin",
        "http://127.0.0.1:3000/",
    )
    origins = Store.objects.get(pk=data["store_id"]).allowed_origins.values_list(
        "origin", flat=True
    )
    assert sorted(origins) == ["http://127.0.0.1:3000", "https://shop.example"]


@pytest.mark.parametrize(
    "origin",
    ["https://shop.example/admin", "ftp://shop.example", "shop.example", "https://u@shop.example"],
)
def test_an_allowed_origin_that_is_not_an_origin_is_refused(origin: str) -> None:
    with pytest.raises(CommandError, match=r"origin|URL|user"):
        create_store("Shop", "--allowed-origin", origin)
    assert not Store.objects.exists()
