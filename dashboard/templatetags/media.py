"""The media library in templates: a file's URLs, a video's length, a post's thumbnails."""

from __future__ import annotations

from typing import Any

from django import template

from publishing.library import storage
from publishing.library.selectors import MediaThumb, post_thumbnails
from publishing.models import MediaAsset

register = template.Library()


@register.filter
def asset_url(asset: MediaAsset) -> str:
    return storage.asset_url(asset)


@register.filter
def thumbnail_url(asset: MediaAsset) -> str:
    return storage.thumbnail_url(asset)


@register.filter
def duration(seconds: Any) -> str:
    """A video's length as m:ss (h:mm:ss past an hour), as players show it."""
    if seconds in (None, ""):
        return ""
    total = round(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


@register.filter
def post_thumbs(post: Any) -> list[MediaThumb]:
    return post_thumbnails(store_id=post.store_id, media=post.media)
