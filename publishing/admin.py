from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from mollkom_social.api.errors import ApiError
from publishing.forms import SettleTargetForm
from publishing.models import (
    IdempotencyKey,
    Post,
    PostTarget,
    PublishAttempt,
    ServiceHeartbeat,
    SupportAction,
    TargetStatus,
)
from publishing.services.support import (
    support_cancel,
    support_mark_reviewed,
    support_retry,
    target_settle,
)

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


class SupportActionInline(ReadOnlyInline, admin.TabularInline[SupportAction, Post]):
    model = SupportAction
    fields = ("created_at", "actor_label", "kind", "platforms", "note")
    readonly_fields = fields
    verbose_name_plural = "Support actions"


class ReviewedFilter(admin.SimpleListFilter):
    title = "reviewed"
    parameter_name = "reviewed"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Reviewed"), ("no", "Not reviewed")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("yes", "no"):
            return queryset.filter(reviewed_at__isnull=self.value() == "no")
        return queryset


def _run_for_each(
    admin_: admin.ModelAdmin[Post],
    request: HttpRequest,
    posts: QuerySet[Post],
    action: Any,
    done: str,
) -> None:
    """Apply a support action post by post; one refused post does not stop the rest."""
    succeeded = 0
    for post in posts.select_related("store"):
        try:
            action(post=post, actor=request.user)
        except ApiError as exc:
            admin_.message_user(request, f"{post.pk}: {exc.message}", messages.WARNING)
        else:
            succeeded += 1
    if succeeded:
        admin_.message_user(request, f"{done}: {succeeded} post(s).", messages.SUCCESS)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin[Post]):
    list_display = ["id", "store", "status", "schedule_at", "created_at", "reviewed_at"]
    list_filter = ["status", "targets__platform", "created_at", "schedule_at", ReviewedFilter]
    # A store is found by its name or id; a post by its id or words of its text.
    search_fields = ["id", "store__name", "=store__id", "text"]
    list_select_related = ["store"]
    readonly_fields = [
        "id",
        "store",
        "text",
        "media",
        "link",
        "options",
        "schedule_at",
        "status",
        "reviewed_at",
        "created_at",
        "updated_at",
    ]
    inlines = [PostTargetInline, SupportActionInline]
    actions = ["retry_failed", "cancel_scheduled", "mark_reviewed"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        # Filtering on a platform joins the targets: one row per post all the same.
        return super().get_queryset(request).distinct()

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("publishing.retry_post")

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("publishing.cancel_post")

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("publishing.review_post")

    @admin.action(description="Retry failed platforms", permissions=["retry"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        _run_for_each(self, request, queryset, support_retry, "Retried")

    @admin.action(description="Cancel scheduled posts", permissions=["cancel"])
    def cancel_scheduled(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        _run_for_each(self, request, queryset, support_cancel, "Cancelled")

    @admin.action(description="Mark reviewed", permissions=["review"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        _run_for_each(self, request, queryset, support_mark_reviewed, "Marked reviewed")


@admin.register(PostTarget)
class PostTargetAdmin(admin.ModelAdmin[PostTarget]):
    list_display = ["post", "platform", "status", "attempt_count", "due_at", "updated_at"]
    list_filter = ["platform", "status"]
    search_fields = ["post__id", "post__store__name", "platform_post_id"]
    readonly_fields = ["settle", *(f.name for f in PostTarget._meta.fields)]
    inlines = [PublishAttemptInline]

    def _may_settle(self, request: HttpRequest) -> bool:
        return request.user.has_perm("publishing.settle_post")

    @admin.display(description="Settle")
    def settle(self, obj: PostTarget) -> str:
        if obj.status != TargetStatus.UNCONFIRMED:
            return "Only an unconfirmed platform is settled by hand."
        url = reverse("admin:publishing_posttarget_settle", args=[obj.pk])
        return format_html('<a class="button" href="{}">Settle this platform</a>', url)

    def get_urls(self) -> list[URLPattern]:
        settle = path(
            "<int:target_id>/settle/",
            self.admin_site.admin_view(self.settle_view),
            name="publishing_posttarget_settle",
        )
        return [settle, *super().get_urls()]

    def settle_view(self, request: HttpRequest, target_id: int) -> HttpResponse:
        if not self._may_settle(request):
            return HttpResponse("You may not settle platforms.", status=403)
        target = get_object_or_404(PostTarget.objects.select_related("post"), pk=target_id)
        form = SettleTargetForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                target_settle(
                    target_id=target.pk,
                    published=data["outcome"] == "published",
                    platform_post_id=data["platform_post_id"],
                    url=data["url"],
                    note=data["note"],
                    actor=request.user,
                )
            except ApiError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, f"{target.platform} settled.", messages.SUCCESS)
            return HttpResponseRedirect(
                reverse("admin:publishing_post_change", args=[target.post_id])
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Settle",
            "target": target,
            "form": form,
            "opts": self.opts,
        }
        return render(request, "admin/publishing/posttarget/settle.html", context)


@admin.register(PublishAttempt)
class PublishAttemptAdmin(admin.ModelAdmin[PublishAttempt]):
    list_display = ["created_at", "target", "method", "url", "status_code", "duration_ms"]
    list_filter = ["status_code", "method"]
    readonly_fields = [f.name for f in PublishAttempt._meta.fields]


@admin.register(SupportAction)
class SupportActionAdmin(admin.ModelAdmin[SupportAction]):
    list_display = ["created_at", "post", "kind", "platforms", "actor_label"]
    list_filter = ["kind", "created_at"]
    search_fields = ["post__id", "post__store__name", "actor_label", "note"]
    readonly_fields = [f.name for f in SupportAction._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin[IdempotencyKey]):
    list_display = ["key", "store", "post", "response_status", "created_at"]
    search_fields = ["key", "store__name"]
    readonly_fields = [f.name for f in IdempotencyKey._meta.fields]


@admin.register(ServiceHeartbeat)
class ServiceHeartbeatAdmin(admin.ModelAdmin[ServiceHeartbeat]):
    list_display = ["name", "last_seen"]
