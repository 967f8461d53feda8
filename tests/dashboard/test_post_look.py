"""The post look's rules on their own: where Instagram folds, how full X's ring is, whose name
shows, and which media address may be shown."""

from __future__ import annotations

import pytest

from dashboard.post_look import Ring, fold, identity, link_card, media_frame
from publishing.platforms.base import Content, MediaItem


def test_the_fold_never_cuts_a_word_and_loses_nothing() -> None:
    text = "word " * 40
    folded = fold(text)
    assert len(folded.head) <= 125 and folded.head.endswith("word")
    assert folded.head + folded.rest == text
    # One word longer than the head is cut where it must be.
    long = "a" * 300
    assert fold(long).head == "a" * 125 and fold(long).rest == "a" * 175
    # Short text, or text that only has trailing spaces past the limit, is not folded.
    assert fold("Short").rest == "" and fold("two\nlines").rest == ""


@pytest.mark.parametrize(
    ("used", "state", "offset"),
    [(0, "ok", 56.55), (260, "near", 4.04), (280, "near", 0.0), (281, "over", 0.0)],
)
def test_the_ring_fills_in_proportion_and_changes_state(
    used: int, state: str, offset: float
) -> None:
    ring = Ring(used=used, limit=280)
    assert (ring.state, ring.dash_offset) == (state, offset)


def test_an_account_without_a_handle_goes_by_the_stores_name() -> None:
    shown = identity("x", "", "متجر هدى")
    assert (shown.name, shown.initial) == ("متجر هدى", "م")
    assert identity("x", "@huda", "Store").name == "@huda"
    assert identity("youtube", "Huda Channel", "Store").name == "Huda Channel"
    assert identity("x", "huda", "Store").tone == identity("x", "huda", "Other").tone


def test_only_web_addresses_are_shown() -> None:
    assert link_card("javascript:alert(1)", "") is None
    assert link_card("https://www.shop.example/p", "Dress") is not None
    frame = media_frame("x", Content(media=(MediaItem("image", "data:image/png;base64,AA"),)))
    assert frame is not None and frame.url == ""
    local = media_frame("x", Content(media=(MediaItem("image", "/media/library/a.jpg"),)))
    assert local is not None and local.url == "/media/library/a.jpg"
    assert media_frame("x", Content(media=(MediaItem("image", "//evil.example/a"),))).url == ""  # type: ignore[union-attr]
