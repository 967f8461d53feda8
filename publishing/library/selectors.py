"""Reads of the media library, always scoped by store: its files, which posts still need one,
and the small pictures that stand for a post's media wherever a post is shown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast

from accounts.models import Store
from publishing.library import storage
from publishing.models import MediaAsset, MediaKind, Post, PostStatus

# Posts that will still fetch their media: deleting a file they name would make them fail.
PENDING = (PostStatus.SCHEDULED, PostStatus.PROCESSING)


def library_assets(*, store: Store) -> QuerySet[MediaAsset]:
    return MediaAsset.objects.filter(store=store).order_by("-created_at")


def asset_get(*, store: Store, asset_id: UUID | str) -> MediaAsset | None:
    try:
        return MediaAsset.objects.filter(store=store, pk=asset_id).first()
    except (ValueError, TypeError):  # not a UUID: no such asset
        return None


def _names(post: Post) -> list[str]:
    return [item.get("url", "") for item in post.media if isinstance(item, dict)]


def posts_using(
    *, store: Store, asset: MediaAsset, statuses: Iterable[str] = PENDING
) -> list[Post]:
    """The store's posts in ``statuses`` that name the asset's URL. The media JSON is searched
    as text, since JSON containment is not a lookup every database has (SQLite, the embedded
    default, lacks it); each match is then confirmed on its items."""
    url = storage.asset_url(asset)
    posts = (
        Post.objects.filter(store=store, status__in=list(statuses))
        # The file's random name narrows the search in the database; the URL decides.
        .annotate(media_text=Cast("media", TextField()))
        .filter(media_text__contains=asset.storage_name.removeprefix(f"{storage.LIBRARY_DIR}/"))
        .only("id", "text", "media", "schedule_at", "status")
        .order_by("schedule_at", "created_at")
    )
    return [post for post in posts if url in _names(post)]


@dataclass(frozen=True)
class MediaThumb:
    """What stands for one media item of a post: a small picture (the library's thumbnail,
    or the image's own URL), or none for a video from elsewhere."""

    kind: str
    src: str
    url: str
    duration_seconds: float | None = None


def post_thumbnails(*, store_id: Any, media: list[Any]) -> list[MediaThumb]:
    """The thumbnails of a post's media, with one query for the items from the library."""
    items = [m for m in media if isinstance(m, dict) and m.get("url")]
    prefix = storage.library_prefix()
    names = {
        f"{storage.LIBRARY_DIR}/{m['url'].removeprefix(prefix)}"
        for m in items
        if m["url"].startswith(prefix)
    }
    assets = (
        {
            storage.asset_url(a): a
            for a in MediaAsset.objects.filter(store_id=store_id, storage_name__in=names)
        }
        if names
        else {}
    )
    thumbs = []
    for item in items:
        url, kind = item["url"], item.get("type", MediaKind.IMAGE)
        asset = assets.get(url)
        if asset is not None:
            thumbs.append(
                MediaThumb(
                    asset.kind,
                    storage.thumbnail_url(asset),
                    url,
                    asset.info.get("duration_seconds"),
                )
            )
        elif url.startswith(prefix):
            thumbs.append(MediaThumb(kind, "", url))  # deleted from the library since
        else:
            thumbs.append(MediaThumb(kind, url if kind == MediaKind.IMAGE else "", url))
    return thumbs
