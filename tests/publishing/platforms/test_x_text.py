"""X weighted length: twitter-text's official conformance cases plus our merchants' cases.

Pure unit tests: no database, no Django.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from twitter_text import parse_tweet
from twitter_text.config import config as twitter_text_configs

from publishing.platforms.x_text import X_MAX_WEIGHTED_LENGTH, XTextLength, x_weighted_length

PROJECT_ROOT = Path(__file__).resolve().parents[3]
SPECS_DIR = PROJECT_ROOT.parent / "shared" / "specs" / "x"
CONFORMANCE_FILE = SPECS_DIR / "twitter-text-conformance-validate.yml"
CONFIG_FILE = SPECS_DIR / "twitter-text-config-v3.json"

# The config twitter-text's own runners (Java, Objective-C, Rust, ...) use for each section.
# WeightedTweetsCounterTest is the v2 suite: emoji sequences are counted code point by code
# point there. X counts with v3, which is what x_weighted_length implements.
SECTION_CONFIG = {
    "WeightedTweetsCounterTest": "version2",
    "WeightedTweetsWithDiscountedEmojiCounterTest": "version3",
    "UnicodeDirectionalMarkerCounterTest": "version3",
}
# The library's own "version2" options omit "emoji_parsing_enabled" (parse_tweet then raises
# KeyError), so spell out what v2 means: the v3 options without emoji parsing.
V2_OPTIONS = {**twitter_text_configs["version2"], "emoji_parsing_enabled": False}
V3_OPTIONS = twitter_text_configs["version3"]


def _weighted_sections() -> dict[str, list[dict[str, Any]]]:
    tests = yaml.safe_load(CONFORMANCE_FILE.read_text(encoding="utf-8"))["tests"]
    return {
        name: cases
        for name, cases in tests.items()
        if any(
            isinstance(c.get("expected"), dict) and "weightedLength" in c["expected"] for c in cases
        )
    }


WEIGHTED_SECTIONS = _weighted_sections()


def _params(config_name: str) -> list[Any]:
    return [
        pytest.param(case["text"], case["expected"], id=case["description"])
        for section, cases in WEIGHTED_SECTIONS.items()
        if SECTION_CONFIG.get(section) == config_name
        for case in cases
    ]


def _expected(expected: dict[str, Any]) -> XTextLength:
    return XTextLength(weighted_length=expected["weightedLength"], valid=expected["valid"])


def test_every_weighted_section_is_mapped_to_a_config() -> None:
    # A new section in the conformance file must be looked at, not silently skipped.
    assert set(WEIGHTED_SECTIONS) == set(SECTION_CONFIG)


def test_library_v3_options_match_the_shared_v3_config() -> None:
    shared = json.loads(CONFIG_FILE.read_text(encoding="utf-8"))
    lib = V3_OPTIONS
    assert shared["version"] == lib["version"] == 3
    assert shared["maxWeightedTweetLength"] == lib["max_weighted_tweet_length"]
    assert shared["maxWeightedTweetLength"] == X_MAX_WEIGHTED_LENGTH
    assert shared["scale"] == lib["scale"]
    assert shared["defaultWeight"] == lib["default_weight"]
    assert shared["emojiParsingEnabled"] is lib["emoji_parsing_enabled"] is True
    assert shared["transformedURLLength"] == lib["transformed_url_length"]
    assert shared["ranges"] == lib["ranges"]


@pytest.mark.parametrize(("text", "expected"), _params("version3"))
def test_conformance_v3(text: str, expected: dict[str, Any]) -> None:
    assert x_weighted_length(text) == _expected(expected)


@pytest.mark.parametrize(("text", "expected"), _params("version2"))
def test_conformance_v2_section(text: str, expected: dict[str, Any]) -> None:
    # Under the config upstream runs this section with, the library must agree exactly.
    v2 = parse_tweet(text, V2_OPTIONS)
    assert XTextLength(v2.weightedLength, v2.valid) == _expected(expected)
    # v2 and v3 differ only in emoji parsing. Where that makes no difference to this text,
    # our (v3) count must match too; where it does ("H🐱☺👨‍👩‍👧‍👦", "🙋🏽👨‍🎤"), the same
    # texts are in the v3 section with their v3 expectations, checked above.
    if parse_tweet(text, V3_OPTIONS) == v2:
        assert x_weighted_length(text) == _expected(expected)


# Our merchants' cases. Per the v3 config: code points U+0000-U+10FF weigh 1, which covers
# the whole Arabic block (U+0600-U+06FF: letters, harakat, Arabic-Indic digits); Arabic
# presentation forms (U+FB50-U+FEFF) fall outside every range and weigh 2.
ARABIC_280 = "ع" * 280
OWN_CASES = [
    pytest.param("مرحبا بكم", 9, True, id="arabic letters weigh 1"),
    pytest.param("مَرْحَبًا", 9, True, id="arabic harakat are separate code points of weight 1"),
    pytest.param("٣٠٪ خصم", 7, True, id="arabic-indic digits and percent weigh 1"),
    pytest.param("ﻻ", 2, True, id="arabic presentation form weighs 2"),
    pytest.param(
        "تخفيضات 50% على كل شيء https://shop.example.com/sale", 23 + 23, True, id="arabic with url"
    ),
    pytest.param(ARABIC_280, 280, True, id="280 arabic letters"),
    pytest.param(ARABIC_280 + "ع", 281, False, id="281 arabic letters"),
    pytest.param("👩🏽‍💻", 2, True, id="zwj sequence with skin tone"),
    pytest.param("👨‍👩‍👧‍👦", 2, True, id="zwj family"),
    pytest.param("🏳️‍🌈", 2, True, id="zwj flag with variation selector"),
    pytest.param("🧑🏾‍🤝‍🧑🏻", 2, True, id="zwj people holding hands with two skin tones"),
    pytest.param("🇸🇦", 2, True, id="regional indicator flag"),
    pytest.param("عيد مبارك 🌙✨", 14, True, id="arabic with emoji"),
    pytest.param("a" * 280, 280, True, id="exactly 280"),
    pytest.param("a" * 281, 281, False, id="281"),
    pytest.param("a" * 256 + " https://example.com", 280, True, id="exactly 280 with url"),
    pytest.param("a" * 257 + " https://example.com", 281, False, id="281 with url"),
    pytest.param("中" * 140, 280, True, id="140 cjk is exactly 280"),
    pytest.param("👩🏽‍💻" * 140, 280, True, id="140 zwj emoji is exactly 280"),
    pytest.param("👩🏽‍💻" * 140 + "a", 281, False, id="140 zwj emoji plus one letter is 281"),
    pytest.param("", 0, False, id="empty is invalid"),
]


@pytest.mark.parametrize(("text", "weighted_length", "valid"), OWN_CASES)
def test_own_cases(text: str, weighted_length: int, valid: bool) -> None:
    assert x_weighted_length(text) == XTextLength(weighted_length=weighted_length, valid=valid)
