from __future__ import annotations

import threading
from typing import Any

import httpx2
import pytest
from django.db import connection
from django.db.models import Sum
from rest_framework.test import APIClient

from accounts.models import Store
from content_ai.models import CreditAccount, CreditEntry, Product
from content_ai.services.credits import (
    InsufficientCredits,
    credit_balance,
    credits_grant,
    credits_refund,
    credits_spend,
)
from tests.content_ai.conftest import AnthropicMock, message_response
from tests.factories import ApiKeyFactory, StoreFactory

URL = "/functions/v1/social-generate-content"


def _ledger_sum(store: Store) -> int:
    return CreditEntry.objects.filter(store=store).aggregate(total=Sum("amount"))["total"] or 0


def _body(product: Product) -> dict[str, Any]:
    return {
        "product_id": str(product.product_id),
        "platform": "x",
        "tone": "casual",
        "language": "en",
    }


def test_a_new_store_gets_its_initial_grant_once_on_first_use(store: Store, settings: Any) -> None:
    settings.AI_INITIAL_CREDITS = 7
    assert not CreditAccount.objects.filter(store=store).exists()
    assert credit_balance(store=store) == 7
    assert credit_balance(store=store) == 7
    [entry] = CreditEntry.objects.filter(store=store)
    assert (entry.kind, entry.amount, entry.actor_label) == ("grant", 7, "system")


def test_no_credits_is_a_402_and_nothing_is_called(
    api: APIClient, store: Store, product: Product, settings: Any
) -> None:
    settings.AI_INITIAL_CREDITS = 0
    response = api.post(URL, _body(product), format="json")

    assert response.status_code == 402
    assert response.json() == {
        "success": False,
        "error": {
            "code": "insufficient_credits",
            "message": "This needs 1 AI credit(s); the store has 0.",
            "details": {"balance": 0, "required": 1},
        },
    }


def test_more_variants_than_credits_is_a_402(
    api: APIClient, store: Store, product: Product, settings: Any
) -> None:
    settings.AI_INITIAL_CREDITS = 2
    response = api.post(URL, {**_body(product), "variants": 3}, format="json")
    assert response.status_code == 402
    assert credit_balance(store=store) == 2


def test_ledger_sums_to_the_balance_through_grants_spends_and_refunds(
    store: Store, django_user_model: Any
) -> None:
    staff = django_user_model.objects.create_user(username="support", is_staff=True)
    credits_spend(store=store, amount=3, reason="t", actor_label="api_key:mk_x", generation=None)
    credits_refund(store=store, amount=3, reason="t", generation=None)
    credits_spend(store=store, amount=5, reason="t", actor_label="api_key:mk_x", generation=None)
    credits_grant(store=store, amount=50, reason="Ramadan campaign", actor=staff)
    with pytest.raises(InsufficientCredits):
        credits_spend(store=store, amount=1000, reason="t", actor_label="x", generation=None)

    assert credit_balance(store=store) == 145
    assert _ledger_sum(store) == 145
    latest = CreditEntry.objects.filter(store=store).first()
    assert latest is not None
    assert (latest.kind, latest.balance_after, latest.actor, latest.actor_label) == (
        "grant", 145, staff, "staff:support",
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_concurrent_spends_never_overspend() -> None:
    store = StoreFactory.create()
    CreditAccount.objects.create(store=store, balance=3)
    CreditEntry.objects.create(
        store=store, kind="grant", amount=3, balance_after=3, reason="t", actor_label="system"
    )
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def spend() -> None:
        try:
            barrier.wait()
            credits_spend(store=store, amount=1, reason="t", actor_label="t", generation=None)
            outcomes.append("spent")
        except InsufficientCredits:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused"] * 5 + ["spent"] * 3
    assert credit_balance(store=store) == 0
    assert _ledger_sum(store) == 0


@pytest.mark.django_db(transaction=True)
def test_two_requests_for_the_last_credit_one_200_one_402(
    anthropic_http: AnthropicMock, settings: Any
) -> None:
    settings.AI_INITIAL_CREDITS = 1
    store = StoreFactory.create()
    product = Product.objects.create(
        store=store, product_id="0b9e1f3c-3c1a-4d7e-9a51-6f0d2c4b8a11", title="Linen shirt"
    )
    _, raw_key = ApiKeyFactory.create_with_raw(store=store)
    arrived, release = threading.Event(), threading.Event()
    answer = message_response([{"text": "A linen shirt for hot days.", "hashtags": ["linen"]}])

    def slow_answer(request: httpx2.Request) -> httpx2.Response:
        # The first request holds its spent credit while "the model writes".
        arrived.set()
        assert release.wait(10)
        return answer(request)

    anthropic_http.queue(slow_answer)
    statuses: dict[str, int] = {}

    def call(name: str) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        try:
            statuses[name] = client.post(URL, _body(product), format="json").status_code
        finally:
            connection.close()

    first = threading.Thread(target=call, args=("first",))
    first.start()
    assert arrived.wait(10)
    second = threading.Thread(target=call, args=("second",))
    second.start()
    second.join(10)
    release.set()
    first.join(10)

    assert statuses == {"first": 200, "second": 402}
    assert credit_balance(store=store) == 0
    assert _ledger_sum(store) == 0
    assert len(anthropic_http.requests) == 1


def test_staff_grant_credits_in_the_admin(admin_client: Any, store: Store, admin_user: Any) -> None:
    response = admin_client.post(
        "/admin/content_ai/creditaccount/add/",
        {"store": str(store.pk), "grant": "25", "reason": "Launch bonus"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert credit_balance(store=store) == 125
    account = CreditAccount.objects.get(store=store)
    response = admin_client.post(
        f"/admin/content_ai/creditaccount/{account.pk}/change/", {"grant": "5", "reason": "Support"}
    )
    assert response.status_code == 302
    assert credit_balance(store=store) == 130
    assert [(e.kind, e.amount, e.actor) for e in CreditEntry.objects.filter(store=store)] == [
        ("grant", 5, admin_user),
        ("grant", 25, admin_user),
        ("grant", 100, None),
    ]
    assert _ledger_sum(store) == 130
