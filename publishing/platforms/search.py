"""Searching an account's listing for a post, page by page, back to a fixed moment.

Reconciliation may only send a post again after a search that saw every post the account
made since the first create call; one page of "recent posts" is not that (a store that
posts 25 times in a minute pushes its own post off the first page). So a search follows
the platform's cursors until the listing is older than the window or has no more pages,
and an unfinished search is never reported as a miss: it raises, and is tried again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from publishing.platforms.base import LookupIncompleteError, SearchBudget

# Platforms' clocks and ours differ a little; a post stamped this much before the window's
# start may still be the one we are looking for.
CLOCK_SLACK_SECONDS = 60.0

Item = dict[str, Any]
# One page of a listing, newest first, and the cursor of the next page (None: last page).
Page = tuple[list[Item], str | None]


def search_listing(
    fetch: Callable[[str | None], Page],
    *,
    matches: Callable[[Item], bool],
    created_at: Callable[[Item], float],
    since_epoch: float,
    budget: SearchBudget,
    platform: str,
    clock: Callable[[], float] = time.monotonic,
) -> Item | None:
    """The first item that ``matches`` in a newest-first listing, or None once the listing
    has been read back past ``since_epoch`` (less the clock slack) or to its end.

    ``fetch(cursor)`` reads one page (``None``: the first). Raises LookupIncompleteError
    when the budget runs out first, so a caller never takes "not found on the pages I had
    time for" for "not there".
    """
    start = since_epoch - CLOCK_SLACK_SECONDS
    deadline = clock() + budget.seconds
    cursor: str | None = None
    pages = 0
    while pages < budget.max_pages:
        items, cursor = fetch(cursor)
        pages += 1
        for item in items:
            # An item without a readable time is judged on its match alone: the listing's
            # own bounds (``since``, ``start_time``) already placed it in the window.
            if not 0 < created_at(item) < start and matches(item):
                return item
        if cursor is None or _reached(items, start, created_at):
            return None
        if clock() > deadline:
            break
    raise LookupIncompleteError(
        f"Could not finish searching {platform} for the post ({pages} pages read); "
        "searching again later.",
        code="lookup_incomplete",
        platform_message=f"listing not read back to the window's start after {pages} pages",
    )


def _reached(items: Iterable[Item], start: float, created_at: Callable[[Item], float]) -> bool:
    """Whether this page already holds posts older than the window: the rest are older."""
    return any(0 < created_at(item) < start for item in items)
