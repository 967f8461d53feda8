from __future__ import annotations

from django.contrib import admin

from accounts.models import (
    ApiKey,
    DataDeletionRequest,
    Membership,
    SocialAccount,
    Store,
    StoreAllowedOrigin,
)


class MembershipInline(admin.TabularInline[Membership, Store]):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class AllowedOriginInline(admin.TabularInline[StoreAllowedOrigin, Store]):
    """Where the store's connect flows may send the merchant back (redirect_url's origin)."""

    model = StoreAllowedOrigin
    extra = 0
    fields = ["origin", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin[Store]):
    list_display = ["name", "id", "timezone", "created_at"]
    search_fields = ["name", "id"]
    inlines = [MembershipInline, AllowedOriginInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "store", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "store__name"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[ApiKey]):
    # The key itself is never stored; only its first characters are shown.
    list_display = ["prefix", "name", "store", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "store__name"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    fields = ["store", "name", "prefix", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request: object) -> bool:
        # A key is created where it can be shown once (create_store, the dashboard).
        return False


@admin.register(SocialAccount)
class SocialAccountAdmin(admin.ModelAdmin[SocialAccount]):
    list_display = ["store", "platform", "handle", "status", "token_expires_at", "updated_at"]
    list_filter = ["platform", "status"]
    search_fields = ["store__name", "handle", "platform_account_id"]
    # Tokens are excluded from every form and list: support never sees them.
    fields = [
        "store",
        "platform",
        "platform_account_id",
        "handle",
        "status",
        "status_reason",
        "token_expires_at",
        "connected_at",
        "updated_at",
    ]
    readonly_fields = ["connected_at", "updated_at"]


@admin.register(DataDeletionRequest)
class DataDeletionRequestAdmin(admin.ModelAdmin[DataDeletionRequest]):
    """What Meta's data-deletion callback did, for support to answer a user's question."""

    list_display = ["confirmation_code", "app", "status", "accounts_deleted", "requested_at"]
    list_filter = ["app", "status"]
    search_fields = ["confirmation_code"]
    readonly_fields = [
        "confirmation_code", "app", "platform_user_id", "status", "accounts_deleted",
        "requested_at", "completed_at",
    ]  # fmt: skip

    def has_add_permission(self, request: object) -> bool:
        return False
