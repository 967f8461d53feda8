"""Labels the merchant reads for statuses and platforms, in the page's language."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

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
def platform_label(value: str) -> str:
    return str(PLATFORM_LABELS.get(value, value))
