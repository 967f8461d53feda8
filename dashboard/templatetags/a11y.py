"""What assistive technology needs beyond what the page shows: which nav link is the page
being shown."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

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

