"""AI credits: a balance per store and a ledger entry for every change.

Every change is one transaction that moves the balance with a conditional ``UPDATE`` and
writes the entry with the resulting balance, so the entries of a store always sum to its
balance, and two requests racing for the last credit cannot both get it: PostgreSQL
serializes the two UPDATEs on the row, and the second finds ``balance >= n`` false.

A new store's initial grant is made lazily, the first time its balance is read or spent,
rather than when the store is created: store creation lives in ``accounts`` and the house
style rules out signals driving business flow, and lazily the grant still happens exactly
once (the account row's unique store is the guard) and before any credit can be spent.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.models import Store
from content_ai.models import CreditAccount, CreditEntry, Generation

SYSTEM_ACTOR = "system"


class InsufficientCredits(Exception):
    def __init__(self, *, balance: int, required: int) -> None:
        super().__init__(f"{required} credit(s) needed, {balance} left")
        self.balance = balance
        self.required = required


def credit_account_ensure(*, store: Store) -> CreditAccount:
    """The store's credit account, created with its initial grant on first use."""
    account = CreditAccount.objects.filter(store=store).first()
    if account is not None:
        return account
    grant = settings.AI_INITIAL_CREDITS
    try:
        with transaction.atomic():
            account = CreditAccount.objects.create(store=store, balance=grant)
            CreditEntry.objects.create(
                store=store,
                kind=CreditEntry.Kind.GRANT,
                amount=grant,
                balance_after=grant,
                reason="Initial grant for a new store",
                actor_label=SYSTEM_ACTOR,
            )
    except IntegrityError:
        # Another request created it first (and made the grant): use theirs.
        account = CreditAccount.objects.get(store=store)
    return account


def credit_balance(*, store: Store) -> int:
    return credit_account_ensure(store=store).balance


def _change(
    *,
    store: Store,
    kind: str,
    amount: int,
    reason: str,
    actor_label: str,
    actor: Any = None,
    generation: Generation | None = None,
    require_funds: bool = False,
) -> CreditEntry:
    credit_account_ensure(store=store)
    with transaction.atomic():
        accounts = CreditAccount.objects.filter(store=store)
        if require_funds:
            accounts = accounts.filter(balance__gte=-amount)
        rows = accounts.update(balance=F("balance") + amount)
        if rows == 0:
            balance = CreditAccount.objects.get(store=store).balance
            raise InsufficientCredits(balance=balance, required=-amount)
        # Our UPDATE holds the row lock until commit, so this reads the balance it made.
        balance = CreditAccount.objects.values_list("balance", flat=True).get(store=store)
        return CreditEntry.objects.create(
            store=store,
            kind=kind,
            amount=amount,
            balance_after=balance,
            reason=reason,
            actor=actor,
            actor_label=actor_label,
            generation=generation,
        )


def credits_spend(
    *, store: Store, amount: int, reason: str, actor_label: str, generation: Generation | None
) -> CreditEntry:
    """Take ``amount`` credits or raise InsufficientCredits (nothing is taken then)."""
    return _change(
        store=store,
        kind=CreditEntry.Kind.SPEND,
        amount=-amount,
        reason=reason,
        actor_label=actor_label,
        generation=generation,
        require_funds=True,
    )


def credits_refund(
    *, store: Store, amount: int, reason: str, generation: Generation | None
) -> CreditEntry:
    return _change(
        store=store,
        kind=CreditEntry.Kind.REFUND,
        amount=amount,
        reason=reason,
        actor_label=SYSTEM_ACTOR,
        generation=generation,
    )


def credits_grant(*, store: Store, amount: int, reason: str, actor: Any) -> CreditEntry:
    """Staff add credits (the admin). ``actor`` is the staff user."""
    if amount <= 0:
        raise ValueError("A grant must be a positive number of credits.")
    return _change(
        store=store,
        kind=CreditEntry.Kind.GRANT,
        amount=amount,
        reason=reason,
        actor=actor,
        actor_label=f"staff:{getattr(actor, 'username', actor)}",
    )
