"""Count a post's length the way X (Twitter) counts it.

X does not count characters: it counts a *weighted length* defined by twitter-text's v3
configuration (``/shared/specs/x/twitter-text-config-v3.json``): the text is NFC-normalised,
code points in a few ranges (Latin, Arabic, Hebrew, Cyrillic, ... up to U+10FF and some
general punctuation) weigh 1, every other code point weighs 2, every URL weighs 23 whatever
its length, and an emoji sequence (ZWJ families, skin tones, flags, keycaps) weighs 2 as a
whole. A post is valid when that total is between 1 and 280 and it has no invalid
characters (e.g. U+FFFE).

Why a thin wrapper around the maintained ``twitter-text-parser`` package rather than our
own implementation: URL detection (TLD lists, punycode host limits, protocol-less domains)
and the emoji sequence regex are most of the work and most of the risk, and the package
ports twitter-text's reference implementation of both. Its ``version3`` options are
identical to the shared v3 config JSON (a test checks this) and it passes every official
conformance case under the configuration upstream runs that case with (the
``WeightedTweetsCounterTest`` section is upstream's *v2* suite, where emoji code points are
counted one by one; X uses v3). So no correction is needed. We pass ``version3`` explicitly
rather than relying on the package's default, so a change of default cannot change our
counts silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from twitter_text import parse_tweet
from twitter_text.config import config as _twitter_text_configs

X_MAX_WEIGHTED_LENGTH = 280

_V3_OPTIONS: dict[str, Any] = _twitter_text_configs["version3"]


@dataclass(frozen=True)
class XTextLength:
    """A post's length as X counts it."""

    weighted_length: int
    valid: bool  # 1..280 weighted and no invalid characters (twitter-text semantics)


def x_weighted_length(text: str) -> XTextLength:
    """Return ``text``'s weighted length under twitter-text v3 and whether X accepts it."""
    result = parse_tweet(text, _V3_OPTIONS)
    return XTextLength(weighted_length=int(result.weightedLength), valid=bool(result.valid))
