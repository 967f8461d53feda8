"""What support staff do to a post from the admin, each action recorded on the post.

Retry and cancel go through the same services as the API (same locks, same rules), so
staff can do nothing a merchant's own request could not; settling is staff's alone: an
`unconfirmed` platform whose truth someone checked by hand is marked published (with the
platform's id and URL) or failed.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from mollkom_social.api.errors import ApiError
from publishing.events import targets_settled
from publishing.models import Post, PostTarget, SupportAction, TargetStatus
from publishing.services.lifecycle import post_retry
from publishing.services.posts import post_cancel, post_sync_status


def _record(
    *, post: Post, kind: str, actor: Any, platforms: list[str] | None = None, note: str = ""
) -> SupportAction:
    return SupportAction.objects.create(
        post=post,
        kind=kind,
        platforms=platforms or [],
        note=note,
        actor=actor,
        actor_label=getattr(actor, "username", "") or str(actor),
    )


def support_retry(*, post: Post, actor: Any) -> Post:
    """Send the post's failed platforms again, as the merchant's retry does."""
    with transaction.atomic():
        failed = list(
            post.targets.filter(status=TargetStatus.FAILED).values_list("platform", flat=True)
        )
        post = post_retry(store=post.store, post_id=post.pk, platforms=None)
        _record(post=post, kind=SupportAction.Kind.RETRY, actor=actor, platforms=sorted(failed))
    return post


def support_cancel(*, post: Post, actor: Any) -> Post:
    """Cancel a post whose every platform is still scheduled."""
    with transaction.atomic():
        post = post_cancel(store=post.store, post_id=post.pk)
        _record(post=post, kind=SupportAction.Kind.CANCEL, actor=actor)
    return post


def support_mark_reviewed(*, post: Post, actor: Any, note: str = "") -> Post:
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(reviewed_at=timezone.now())
        _record(post=post, kind=SupportAction.Kind.REVIEW, actor=actor, note=note)
    post.refresh_from_db()
    return post


def target_settle(
    *,
    target_id: int,
    published: bool,
    actor: Any,
    platform_post_id: str = "",
    url: str = "",
    note: str = "",
) -> PostTarget:
    """Settle an `unconfirmed` platform by hand: published (its id and URL, as found on the
    platform) or failed. Under the target's lock, so reconciliation running at the same
    moment either settled it first (and this refuses) or finds it settled."""
    with transaction.atomic():
        target = PostTarget.objects.select_for_update().select_related("post").get(pk=target_id)
        if target.status != TargetStatus.UNCONFIRMED:
            raise ApiError(
                "not_unconfirmed",
                f"Only an unconfirmed platform can be settled; {target.platform} is "
                f"{target.status}.",
                http_status=409,
            )
        now = timezone.now()
        fields: dict[str, Any] = {"due_at": None, "lease_expires_at": None, "updated_at": now}
        if published:
            if not platform_post_id:
                raise ApiError(
                    "validation_error", "A published platform needs the platform's post id."
                )
            fields.update(
                status=TargetStatus.PUBLISHED,
                platform_post_id=platform_post_id,
                url=url,
                published_at=now,
                error_code="",
                error_message="",
            )
        else:
            fields.update(
                status=TargetStatus.FAILED,
                error_code="settled_failed",
                error_message=note or "Support checked the platform: the post was not made.",
            )
        PostTarget.objects.filter(pk=target.pk).update(**fields)
        targets_settled(target_ids=[target.pk])
        post_sync_status(post_id=target.post_id)
        _record(
            post=target.post,
            kind=SupportAction.Kind.SETTLE_PUBLISHED
            if published
            else SupportAction.Kind.SETTLE_FAILED,
            actor=actor,
            platforms=[target.platform],
            note=note or (url or platform_post_id),
        )
    target.refresh_from_db()
    return target
