from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from content_ai.models import CreditAccount, CreditEntry, Generation, Product
from content_ai.services.credits import credit_account_ensure, credits_grant


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    list_display = ["title", "store", "product_id", "price", "sale_price", "currency", "in_stock"]
    list_filter = ["in_stock", "currency"]
    search_fields = ["title", "product_id", "store__name"]
    readonly_fields = ["created_at", "updated_at"]


class CreditEntryInline(admin.TabularInline[CreditEntry, CreditAccount]):
    model = CreditEntry
    fk_name = "store"
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "amount", "balance_after", "reason", "actor_label")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CreditAccountForm(forms.ModelForm[CreditAccount]):
    """The balance is never typed in: staff grant credits, and the grant is a ledger entry."""

    grant = forms.IntegerField(
        min_value=1, required=False, help_text="Credits to add to the balance."
    )
    reason = forms.CharField(max_length=400, required=False, help_text="Why (kept in the ledger).")

    class Meta:
        model = CreditAccount
        fields = ["store"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("grant") and not data.get("reason"):
            self.add_error("reason", "Say why the credits are granted.")
        return data


@admin.register(CreditAccount)
class CreditAccountAdmin(admin.ModelAdmin[CreditAccount]):
    form = CreditAccountForm
    list_display = ["store", "balance", "updated_at"]
    search_fields = ["store__name", "store__id"]
    readonly_fields = ["balance", "updated_at"]
    autocomplete_fields = ["store"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.readonly_fields, "store"] if obj else list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: CreditAccount, form: Any, change: bool) -> None:
        # Through the credits service, never a plain save: every change leaves a ledger entry.
        account = credit_account_ensure(store=obj.store)
        amount = form.cleaned_data.get("grant")
        if amount:
            credits_grant(
                store=obj.store,
                amount=amount,
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        account.refresh_from_db()
        obj.pk, obj.balance = account.pk, account.balance


@admin.register(CreditEntry)
class CreditEntryAdmin(admin.ModelAdmin[CreditEntry]):
    list_display = ["created_at", "store", "kind", "amount", "balance_after", "actor_label"]
    list_filter = ["kind"]
    search_fields = ["store__name", "reason", "actor_label"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin[Generation]):
    list_display = ["created_at", "store", "platform", "language", "provider", "status", "calls"]
    list_filter = ["status", "provider", "platform", "language"]
    search_fields = ["store__name", "id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
