"""Shaping generated text: hashtags, bidi-safe layout, and trimming on a word boundary."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

_URL_RE = re.compile(r"https?://\S+", re.IGNORECASE)
_HANDLE_RE = re.compile(r"(?<![\w\u2066])@\w{1,50}")
_TRAILING_TAGS_RE = re.compile(r"(?:\s*#[^\s#]+)+\s*$")
_NOT_TAG_CHAR = re.compile(r"[^\w]")
_ARABIC_RE = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF]")

LRI, PDI = "\u2066", "\u2069"
ELLIPSIS = "…"


def money(value: Decimal) -> str:
    """``Decimal("349.000")`` → ``"349.00"``; three decimals only where they are used (KWD)."""
    cents = value.quantize(Decimal("0.01"))
    return str(cents if cents == value else value.normalize())


def is_rtl(text: str) -> bool:
    return bool(_ARABIC_RE.search(text))


def normalize_hashtag(raw: str) -> str | None:
    """``"عروض الصيف"`` → ``"#عروض_الصيف"``.

    Platforms end a hashtag at the first space or punctuation mark, so words are joined
    with underscores; Arabic diacritics and tatweel-free letters stay, marks that would cut
    the tag (tashkeel, ZWNJ, punctuation) go. A tag of digits only is not a hashtag.
    """
    words = re.split(r"[\s_\-\u2010-\u2015]+", raw.strip().lstrip("#\uff03").strip())
    cleaned = [_NOT_TAG_CHAR.sub("", word) for word in words]
    tag = "_".join(word for word in cleaned if word)
    if not tag or tag.isdigit():
        return None
    return f"#{tag[:60]}"


def normalize_hashtags(raw: list[str], *, limit: int) -> list[str]:
    seen: set[str] = set()
    tags: list[str] = []
    for item in raw:
        tag = normalize_hashtag(item)
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags[:limit]


def clean_body(body: str) -> tuple[str, list[str]]:
    """The body without URLs (we add the one real link ourselves) and without a trailing run
    of hashtags (returned, to merge into the list)."""
    body = _URL_RE.sub("", body)
    trailing: list[str] = []
    match = _TRAILING_TAGS_RE.search(body)
    if match:
        trailing = match.group(0).split()
        body = body[: match.start()]
    body = re.sub(r"[ \t]+\n", "\n", re.sub(r"[ \t]{2,}", " ", body))
    return body.strip(), trailing


def isolate_handles(body: str) -> str:
    """In right-to-left text, wrap each @handle in a left-to-right isolate (LRI…PDI, UAX #9)
    so neighbouring Arabic words and punctuation are not reordered around it."""
    if not is_rtl(body):
        return body
    return _HANDLE_RE.sub(lambda m: f"{LRI}{m.group(0)}{PDI}", body)


def compose(body: str, *, link: str, hashtags: list[str]) -> str:
    """The post as it will be published: body, then the link alone on its line, then the
    hashtags. A line is its own bidi paragraph, so an LTR URL after Arabic text is never
    mixed with the Arabic's punctuation (the usual "broken" look of links in Arabic posts)."""
    tail = "\n".join(part for part in (link, " ".join(hashtags)) if part)
    if body and tail:
        return f"{body}\n\n{tail}"
    return body or tail


def trim_to_fit(
    body: str, *, link: str, hashtags: list[str], fits: Callable[[str], bool]
) -> tuple[str, list[str]]:
    """The longest prefix of ``body`` ending on a word boundary (plus "…") whose composed
    post fits; if even no body is too long, hashtags go from the end. Returns the new body
    and hashtags."""
    tokens = re.split(r"(\s+)", body)
    words = [i for i, token in enumerate(tokens) if token and not token.isspace()]

    def candidate(count: int) -> str:
        if count >= len(words):
            return body
        if count == 0:
            return ""
        kept = "".join(tokens[: words[count - 1] + 1]).rstrip(" ،,.;:!؟?-\u2013\u2014")
        return kept + ELLIPSIS

    low, high = 0, len(words)
    if fits(compose(candidate(high), link=link, hashtags=hashtags)):
        return body, hashtags
    # Invariant: candidate(high) does not fit; find the largest count that does.
    while low < high - 1:
        middle = (low + high) // 2
        if fits(compose(candidate(middle), link=link, hashtags=hashtags)):
            low = middle
        else:
            high = middle
    trimmed = candidate(low)
    tags = list(hashtags)
    while tags and not fits(compose(trimmed, link=link, hashtags=tags)):
        tags.pop()
    return trimmed, tags
