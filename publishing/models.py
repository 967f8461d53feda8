from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from accounts.models import Platform, SocialAccount, Store


class TargetStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    CANCELLED = "cancelled", "Cancelled"
    # Published, then taken down again through unpublish; the row keeps its history.
    DELETED = "deleted", "Deleted"


class PostStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    PROCESSING = "processing", "Processing"
    PUBLISHED = "published", "Published"
    PARTIALLY_PUBLISHED = "partially_published", "Partially published"
    FAILED = "failed", "Failed"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    CANCELLED = "cancelled", "Cancelled"
    DELETED = "deleted", "Deleted"


class Post(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="posts")
    text = models.TextField(blank=True)
    media = models.JSONField(default=list, blank=True)
    link = models.CharField(max_length=2048, blank=True)
    # Per platform: {"format": …, "text": …, …} as the request gave them.
    options = models.JSONField(default=dict, blank=True)
    schedule_at = models.DateTimeField(null=True, blank=True)
    # Derived from the targets (publishing.status.post_status) in the same transaction
    # as every target change; stored so staff and the API can filter on it.
    status = models.CharField(max_length=24, choices=PostStatus.choices)
    # Set when support staff have looked into the post (a SupportAction says who and why).
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["store", "-created_at"])]
        # What support staff may do to a post beyond viewing it (granted to the support
        # group by a migration); every such action leaves a SupportAction row.
        permissions = [
            ("retry_post", "Can retry a post's failed platforms"),
            ("cancel_post", "Can cancel a scheduled post"),
            ("settle_post", "Can settle a post's unconfirmed platforms"),
            ("review_post", "Can mark a post reviewed"),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"


class PostTarget(models.Model):
    """One platform of a post: its own status, checkpoints and outcome."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="targets")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    account = models.ForeignKey(SocialAccount, on_delete=models.PROTECT, related_name="targets")
    status = models.CharField(max_length=16, choices=TargetStatus.choices)
    # When the dispatcher may hand it to a worker: the schedule time, or a retry's time.
    due_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempt_count = models.PositiveIntegerField(default=0)
    # attempt_count when the last manual retry began: automatic retries count from here,
    # while attempt_count itself only grows (it fences stale workers).
    retry_base = models.PositiveIntegerField(default=0)
    # Intermediate ids (uploaded media, containers) so a retry resumes, never restarts.
    checkpoint = models.JSONField(default=dict, blank=True)
    # Set right before the call that creates the public post: from then on a lost
    # answer means "unconfirmed", never a blind retry.
    create_started_at = models.DateTimeField(null=True, blank=True)
    # The first create call ever started for this target, never cleared: reconciliation
    # searches from here, so the window it must cover never moves forward, whatever the
    # resends in between.
    first_create_at = models.DateTimeField(null=True, blank=True)
    # Reconciliation's bounds (RECONCILE_MAX_LOOKUPS, RECONCILE_MAX_MISSES): every lookup
    # made, and the complete searches that found nothing (each one sends the post again).
    reconcile_lookups = models.PositiveIntegerField(default=0)
    reconcile_misses = models.PositiveIntegerField(default=0)
    platform_post_id = models.CharField(max_length=128, blank=True)
    url = models.CharField(max_length=2048, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    # The platform's own words for the last error, beside our plain-language message.
    platform_error = models.TextField(blank=True)
    # What was changed to fit the platform, in plain words ("The PNG image was converted to
    # JPEG, which Instagram requires."); shown with the target's result.
    notices = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "platform"], name="one_target_per_platform")
        ]
        indexes = [
            # The dispatcher's scans: due scheduled/queued targets and expired leases.
            models.Index(
                fields=["due_at"],
                name="target_due_idx",
                condition=models.Q(status__in=["scheduled", "queued", "unconfirmed"]),
            ),
            models.Index(
                fields=["lease_expires_at"],
                name="target_lease_idx",
                condition=models.Q(status="processing"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} → {self.platform} ({self.status})"


class PublishAttempt(models.Model):
    """One external call made for a target: what, how it went, how long it took."""

    target = models.ForeignKey(PostTarget, on_delete=models.CASCADE, related_name="attempts")
    method = models.CharField(max_length=8)
    url = models.CharField(max_length=2048)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.method} {self.url} → {self.status_code}"


class SupportAction(models.Model):
    """Something support staff did to a post: who, when, what, and on which platform."""

    class Kind(models.TextChoices):
        RETRY = "retry", "Retried failed platforms"
        CANCEL = "cancel", "Cancelled the scheduled post"
        SETTLE_PUBLISHED = "settle_published", "Settled as published"
        SETTLE_FAILED = "settle_failed", "Settled as failed"
        REVIEW = "review", "Marked reviewed"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="support_actions")
    # The platforms acted on; empty for an action on the whole post.
    platforms = models.JSONField(default=list, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Kept when the user is deleted, so the record still says who it was.
    actor_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor_label}"


class IdempotencyKey(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, related_name="+")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "key"], name="one_idempotency_key_per_store")
        ]

    def __str__(self) -> str:
        return self.key


class ServiceHeartbeat(models.Model):
    """When a worker or beat was last seen alive (shown by /healthz and the dashboard)."""

    name = models.CharField(max_length=64, primary_key=True)
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class MediaKind(models.TextChoices):
    IMAGE = "image", "Image"
    VIDEO = "video", "Video"


class MediaAsset(models.Model):
    """A photo or video in a store's media library, stored with the default storage under
    ``library/`` and served at MEDIA_PUBLIC_BASE_URL/media/library/<name> (publishing/library/)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="media_assets")
    kind = models.CharField(max_length=8, choices=MediaKind.choices)
    # The storage name, "library/<random>.<ext>": the random part is what keeps it private.
    storage_name = models.CharField(max_length=255, unique=True)
    thumbnail_name = models.CharField(max_length=255, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    size_bytes = models.BigIntegerField()
    content_type = models.CharField(max_length=64)
    # What the probe measured (publishing.media.info.MediaInfo as a dict).
    info = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["store", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.storage_name}"


class MediaUpload(models.Model):
    """A chunked upload on its way into the library: its bytes so far sit in a file under
    MEDIA_UPLOAD_DIR named after its id, ``received_bytes`` long."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETED = "completed", "Completed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="media_uploads")
    kind = models.CharField(max_length=8, choices=MediaKind.choices)
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=64)
    size_bytes = models.BigIntegerField()
    received_bytes = models.BigIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    asset = models.ForeignKey(
        MediaAsset, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"upload {self.id} ({self.received_bytes}/{self.size_bytes})"
