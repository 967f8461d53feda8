from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from publishing.models import IdempotencyKey, Post, PostTarget, PublishAttempt, ServiceHeartbeat

TARGET_FIELDS: tuple[str, ...] = (
    "platform",
    "status",
    "attempt_count",
    "due_at",
    "platform_post_id",
    "url",
    "error_code",
    "error_message",
    "platform_error",
    "published_at",
)
ATTEMPT_FIELDS: tuple[str, ...] = (
    "created_at",
    "method",
    "url",
    "status_code",
    "error",
    "duration_ms",
)


class ReadOnlyInline:
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class PostTargetInline(ReadOnlyInline, admin.TabularInline[PostTarget, Post]):
    model = PostTarget
    fields = TARGET_FIELDS
    readonly_fields = TARGET_FIELDS
    show_change_link = True


class PublishAttemptInline(ReadOnlyInline, admin.TabularInline[PublishAttempt, PostTarget]):
    model = PublishAttempt
    fields = ATTEMPT_FIELDS
    readonly_fields = ATTEMPT_FIELDS


@admin.register(Post)
class PostAdmin(admin.ModelAdmin[Post]):
    list_display = ["id", "store", "status", "schedule_at", "created_at"]
    list_filter = ["status", "targets__platform", "created_at"]
    search_fields = ["id", "store__name", "store__id", "text"]
    list_select_related = ["store"]
    readonly_fields = [
        "id",
        "store",
        "text",
        "media",
        "link",
        "schedule_at",
        "status",
        "created_at",
        "updated_at",
    ]
    inlines = [PostTargetInline]


@admin.register(PostTarget)
class PostTargetAdmin(admin.ModelAdmin[PostTarget]):
    list_display = ["post", "platform", "status", "attempt_count", "due_at", "updated_at"]
    list_filter = ["platform", "status"]
    search_fields = ["post__id", "post__store__name", "platform_post_id"]
    readonly_fields = [f.name for f in PostTarget._meta.fields]
    inlines = [PublishAttemptInline]


@admin.register(PublishAttempt)
class PublishAttemptAdmin(admin.ModelAdmin[PublishAttempt]):
    list_display = ["created_at", "target", "method", "url", "status_code", "duration_ms"]
    list_filter = ["status_code", "method"]
    readonly_fields = [f.name for f in PublishAttempt._meta.fields]


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin[IdempotencyKey]):
    list_display = ["key", "store", "post", "response_status", "created_at"]
    search_fields = ["key", "store__name"]
    readonly_fields = [f.name for f in IdempotencyKey._meta.fields]


@admin.register(ServiceHeartbeat)
class ServiceHeartbeatAdmin(admin.ModelAdmin[ServiceHeartbeat]):
    list_display = ["name", "last_seen"]
