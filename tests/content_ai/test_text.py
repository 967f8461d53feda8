from __future__ import annotations

from decimal import Decimal

from content_ai.text import compose, money, normalize_hashtag, normalize_hashtags, trim_to_fit


def test_hashtags_join_words_with_underscores_and_drop_what_cuts_them() -> None:
    assert normalize_hashtag("عروض الصيف") == "#عروض_الصيف"
    assert normalize_hashtag("#فساتين-صيفية") == "#فساتين_صيفية"
    assert normalize_hashtag("فُستانٌ!") == "#فستان"
    assert normalize_hashtag("Summer Sale 2026") == "#Summer_Sale_2026"
    assert normalize_hashtag("2026") is None
    assert normalize_hashtags(["a", "#A", "b", "c"], limit=2) == ["#a", "#b"]


def test_trim_keeps_whole_words_the_link_and_the_hashtags() -> None:
    body = "one two three four five"
    trimmed, tags = trim_to_fit(
        body, link="https://x.co", hashtags=["#a"], fits=lambda text: len(text) <= 30
    )
    assert (trimmed, tags) == ("one two…", ["#a"])
    assert compose(trimmed, link="https://x.co", hashtags=tags) == "one two…\n\nhttps://x.co\n#a"


def test_money_keeps_cents_and_only_meaningful_third_decimals() -> None:
    assert money(Decimal("349.000")) == "349.00"
    assert money(Decimal("12.125")) == "12.125"
