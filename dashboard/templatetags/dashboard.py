"""Labels the merchant reads for statuses and platforms, in the page's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from publishing.platforms.video_rules import VIDEO_CODES

register = template.Library()

STATUS_LABELS = {
    "scheduled": _("Scheduled"),
    "queued": _("Queued"),
    "processing": _("Publishing"),
    "published": _("Published"),
    "partially_published": _("Partly published"),
    "failed": _("Failed"),
    "unconfirmed": _("Being checked"),
    "cancelled": _("Cancelled"),
    "deleted": _("Deleted"),
    "connected": _("Connected"),
    "needs_reconnect": _("Needs reconnecting"),
    "disconnected": _("Disconnected"),
}
ROLE_LABELS = {
    "owner": _("Owner"),
    "editor": _("Editor"),
    "viewer": _("Viewer"),
}
PLATFORM_LABELS = {
    "instagram": _("Instagram"),
    "facebook": _("Facebook"),
    "x": _("X"),
    "tiktok": _("TikTok"),
    "threads": _("Threads"),
    "youtube": _("YouTube"),
}


@register.filter
def status_label(value: str) -> str:
    return str(STATUS_LABELS.get(value, value))


@register.filter
def role_label(value: str) -> str:
    return str(ROLE_LABELS.get(value, value))


@register.filter
def platform_label(value: str) -> str:
    return str(PLATFORM_LABELS.get(value, value))


# A platform's failure in the merchant's words, by our error code; the platform's own message
# stays beside it (in English, as the platform wrote it) for support and the curious.
_RECONNECT = _("The account's connection has expired: reconnect it, then retry.")
_SLOW_DOWN = _("The platform asks us to slow down; the post goes out as soon as it allows.")
_NO_ANSWER = _("The platform did not answer; we will try again.")
_MEDIA_REFUSED = _("The platform refused the media file; check its format, size and length.")
_MEDIA_FETCH = _("We could not download the media from its URL.")
PLAIN_ERRORS = {
    "outcome_unknown": _(
        "We could not confirm whether the post went out; we are checking with the platform "
        "before trying again."
    ),
    "platform_down": _NO_ANSWER,
    "network_error": _NO_ANSWER,
    "rate_limited": _SLOW_DOWN,
    "quota_exceeded": _SLOW_DOWN,
    "auth": _RECONNECT,
    "auth_revoked": _RECONNECT,
    "account_needs_reconnect": _RECONNECT,
    "permission_missing": _(
        "The account did not allow us to publish this: reconnect it and allow publishing."
    ),
    "forbidden": _("The platform refused the post for this account."),
    "duplicate_content": _(
        "The platform refused the post because the same text was already posted."
    ),
    "media_rejected": _MEDIA_REFUSED,
    "media_processing_failed": _MEDIA_REFUSED,
    "media_fetch_failed": _MEDIA_FETCH,
    "media_unavailable": _MEDIA_FETCH,
    "usage_capped": _("The platform's usage limit for this app is reached until it resets."),
    "no_api_credits": _("The platform's usage limit for this app is reached until it resets."),
    "account_restricted": _("The platform has restricted this account."),
    "blocked": _("The platform has restricted this account."),
    "privacy_not_allowed": _("The account does not allow this privacy setting."),
    "interaction_not_allowed": _("The account does not allow these comment or duet settings."),
    "worker_lost": _("Publishing was interrupted; retry it."),
    "settled_failed": _("Support checked the platform: the post was not made."),
    "reconcile_failed": _(
        "We could not confirm the post with the platform; support will check it."
    ),
    "media_processing": _MEDIA_REFUSED,
    "media_size_unknown": _(
        "The media's host does not say how large the file is, which the platform needs: "
        "host it elsewhere or upload it."
    ),
    "rejected": _("The platform refused the post."),
    "platform_error": _("The platform refused the post."),
    "not_supported": _("The platform does not offer this for this account."),
    "not_found_on_platform": _(
        "The platform has no such post: it was not published. Retry to send it."
    ),
    "processing": _("The platform is still processing the post; we will check again."),
    "upload_restarted": _("The upload was interrupted; it starts over on the next try."),
    "lookup_incomplete": _("We are still checking with the platform whether the post went out."),
    "internal": _("An error on our side interrupted publishing; we will try again."),
    # Broken rules found before any call (a video probed by the worker, content checked
    # again at publish time): the composer words each one; here, what to do about it.
    **dict.fromkeys(
        VIDEO_CODES,
        _("The video does not meet the platform's rules for length, size or format."),
    ),
    **dict.fromkeys(
        ("media_count", "text_required", "empty", "text_too_long", "title_too_long"),
        _("The post does not meet the platform's rules: correct it and publish it again."),
    ),
}


@register.filter
def plain_error(code: str) -> str:
    """The merchant's sentence for an error code; empty when there is none for it."""
    return str(PLAIN_ERRORS.get(code, ""))


@register.filter
def post_time(post: Any) -> Any:
    """The time a post's row shows: when it went live (its first platform), else the time
    it is scheduled for, else when it was made (a "publish now" still on its way)."""
    published = [t.published_at for t in post.targets.all() if t.published_at]
    return min(published) if published else post.schedule_at or post.created_at
