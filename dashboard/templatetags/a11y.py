"""What assistive technology needs beyond what the page shows: which nav link is the page
being shown, and what the composer's counters count."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from dashboard.preview import Counter

register = template.Library()


@register.simple_tag(takes_context=True)
def aria_current(context: dict[str, Any], page: str, *within: str) -> SafeString:
    """` aria-current="page"` on the nav link to the page shown (named as in dashboard.urls),
    ` aria-current="true"` on the link of the section a page within it belongs to (a post's
    own page, under Posts); nothing on the other links."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    here = match.url_name if match else None
    if here == page:
        return mark_safe(' aria-current="page"')
    if here in within:
        return mark_safe(' aria-current="true"')
    return SafeString("")


@register.filter
def counter_label(counter: Counter) -> str:
    """The counter as a sentence ("Text: 348 of 280 characters, over the limit"), for screen
    readers, which would otherwise read "348 slash 280" with nothing to say what is counted."""
    what = {
        "text": _("Text"),
        "title": _("Title"),
        "description": _("Description"),
    }.get(counter.name, counter.name)
    numbers = {"what": what, "used": counter.used, "limit": counter.limit}
    if counter.name == "description":  # YouTube limits the description in bytes
        label = _("%(what)s: %(used)s of %(limit)s bytes") % numbers
    else:
        label = _("%(what)s: %(used)s of %(limit)s characters") % numbers
    if counter.over:
        label = _("%(counter)s, over the limit") % {"counter": label}
    return label
