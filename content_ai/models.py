"""The store's product catalog, its AI credits (a balance and the ledger behind it), and a
row per generation request."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from accounts.models import Platform, Store


class Product(models.Model):
    """A product as the storefront knows it. ``product_id`` is the storefront's own UUID:
    unique per store, not globally, so one store can never overwrite another's product by
    sending its id."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products")
    product_id = models.UUIDField()
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    sale_price = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    url = models.CharField(max_length=2048, blank=True)
    image_urls = models.JSONField(default=list, blank=True)
    category = models.CharField(max_length=200, blank=True)
    tags = models.JSONField(default=list, blank=True)
    in_stock = models.BooleanField(default=True)
    language = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "product_id"], name="one_product_per_store_id")
        ]

    def __str__(self) -> str:
        return self.title


class CreditAccount(models.Model):
    """A store's AI credit balance. Every change goes through ``content_ai.services.credits``
    together with a ``CreditEntry``, so the entries always sum to the balance."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="credit_account")
    balance = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # The last line of defence against overspending: the spend is a conditional
            # UPDATE, and the database refuses a negative balance whatever the code does.
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="credit_balance_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.store}: {self.balance} credits"


class CreditEntry(models.Model):
    class Kind(models.TextChoices):
        GRANT = "grant", "Grant"
        SPEND = "spend", "Spend"
        REFUND = "refund", "Refund"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="credit_entries")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # Signed: grants and refunds are positive, spends negative.
    amount = models.IntegerField()
    balance_after = models.IntegerField()
    reason = models.CharField(max_length=500)
    # Who: a staff user, or a label for the API key / the system that made the change.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    generation = models.ForeignKey(
        "Generation", on_delete=models.SET_NULL, null=True, blank=True, related_name="credits"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "credit entries"
        indexes = [models.Index(fields=["store", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+d} → {self.balance_after}"


class Generation(models.Model):
    """One generate request: what was asked, who wrote it, how it ended (for support)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="generations")
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="generations"
    )
    platform = models.CharField(max_length=16, choices=Platform.choices)
    tone = models.CharField(max_length=16)
    language = models.CharField(max_length=8)
    dialect = models.CharField(max_length=16, blank=True)
    variants = models.PositiveSmallIntegerField(default=1)
    provider = models.CharField(max_length=32)
    model = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # How many model calls it took (a regeneration for length counts) and what came of it.
    calls = models.PositiveSmallIntegerField(default=0)
    trimmed = models.BooleanField(default=False)
    output = models.JSONField(default=dict, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["store", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.platform}/{self.language} {self.status}"
