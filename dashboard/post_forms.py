"""The composer's starting values for an existing post (to edit or duplicate it) or a day."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import Http404, QueryDict

from accounts.models import Store
from dashboard.compose_forms import VIDEO_SUFFIXES
from dashboard.services.posts import day_start
from publishing.models import Post


def _media_line(item: dict[str, str]) -> str:
    """One line of the media field, read back as the same item (compose_forms.media_items)."""
    url = item["url"]
    guessed = "video" if url.split("?", 1)[0].lower().endswith(VIDEO_SUFFIXES) else "image"
    return url if guessed == item["type"] else f"{item['type']}:{url}"


def post_initial(post: Post, *, keep_schedule: bool) -> dict[str, Any]:
    """The composer filled with the post's content, platforms and per-platform options.

    ``keep_schedule``: editing keeps the post's time; a duplicate starts as "publish now",
    the merchant choosing a time for the new post.
    """
    # Platforms no longer connected are not among the composer's choices: they drop out.
    platforms = [t.platform for t in post.targets.order_by("platform")]
    initial: dict[str, Any] = {
        "text": post.text,
        "media_urls": "\n".join(_media_line(m) for m in post.media),
        "link": post.link,
        "platforms": platforms,
    }
    for platform, own in (post.options or {}).items():
        if own.get("text"):
            initial[f"text_{platform}"] = own["text"]
        if own.get("format"):
            initial[f"format_{platform}"] = own["format"]
    if keep_schedule and post.schedule_at:
        initial.update(when="schedule", schedule_at=post.schedule_at)
    return initial


@dataclass(frozen=True)
class ComposeStart:
    initial: dict[str, Any]
    copying: bool = False


def compose_start(*, store: Store, query: QueryDict) -> ComposeStart:
    """The composer's starting values from its query: ``from`` (a post of the store to
    duplicate; another store's is a 404) or ``date`` (a day to schedule on)."""
    copied = query.get("from")
    if copied:
        try:
            post = Post.objects.filter(store=store, pk=uuid.UUID(str(copied))).first()
        except ValueError:
            post = None
        if post is None:
            raise Http404("No such post.")
        return ComposeStart(post_initial(post, keep_schedule=False), copying=True)
    try:
        day = date.fromisoformat(query.get("date", ""))
    except ValueError:
        return ComposeStart({})
    start = day_start(day)
    return ComposeStart({"when": "schedule", "schedule_at": start} if start else {})
