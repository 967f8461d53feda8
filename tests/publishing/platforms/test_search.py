"""Searching a paged listing back to the window's start."""

from __future__ import annotations

from typing import Any

import pytest

from publishing.platforms.base import LookupIncompleteError, SearchBudget
from publishing.platforms.search import CLOCK_SLACK_SECONDS, Page, search_listing

WINDOW = 10_000.0


def listing(times: list[float], per_page: int) -> tuple[Any, list[str | None]]:
    """A newest-first listing of posts made at ``times``; the cursors asked for, in order."""
    items = [{"id": str(n), "at": at} for n, at in enumerate(sorted(times, reverse=True))]
    asked: list[str | None] = []

    def fetch(cursor: str | None) -> Page:
        asked.append(cursor)
        start = int(cursor or 0)
        end = start + per_page
        return items[start:end], (str(end) if end < len(items) else None)

    return fetch, asked


DEFAULT = SearchBudget()


def search(fetch: Any, wanted: str, budget: SearchBudget = DEFAULT, **kw: Any) -> Any:
    return search_listing(
        fetch,
        matches=lambda item: item["id"] == wanted,
        created_at=lambda item: item["at"],
        since_epoch=WINDOW,
        budget=budget,
        platform="Test",
        **kw,
    )


def test_reads_every_page_until_it_finds_the_post() -> None:
    fetch, asked = listing([WINDOW + n for n in range(250)], per_page=100)
    assert search(fetch, "230") == {"id": "230", "at": WINDOW + 19}
    assert asked == [None, "100", "200"]


def test_a_miss_is_reported_only_once_the_listing_is_older_than_the_window() -> None:
    times = [WINDOW + n for n in range(150)] + [WINDOW - CLOCK_SLACK_SECONDS - 1]
    fetch, asked = listing(times, per_page=100)
    assert search(fetch, "nope") is None
    assert asked == [None, "100"]


def test_a_miss_at_the_listings_end() -> None:
    fetch, asked = listing([WINDOW + 1, WINDOW + 2], per_page=100)
    assert search(fetch, "nope") is None
    assert asked == [None]


def test_a_post_older_than_the_window_is_not_taken() -> None:
    fetch, _ = listing([WINDOW + 5, WINDOW - CLOCK_SLACK_SECONDS - 5], per_page=100)
    assert search(fetch, "1") is None


def test_running_out_of_pages_is_not_a_miss() -> None:
    fetch, asked = listing([WINDOW + n for n in range(300)], per_page=100)
    with pytest.raises(LookupIncompleteError) as raised:
        search(fetch, "nope", SearchBudget(max_pages=2))
    assert raised.value.code == "lookup_incomplete"
    assert asked == [None, "100"]


def test_running_out_of_time_is_not_a_miss() -> None:
    fetch, asked = listing([WINDOW + n for n in range(300)], per_page=100)
    ticks = iter([0.0, 1.0, 100.0])
    with pytest.raises(LookupIncompleteError):
        search(fetch, "nope", SearchBudget(seconds=30.0), clock=lambda: next(ticks))
    assert asked == [None, "100"]
