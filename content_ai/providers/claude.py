"""Claude, through Anthropic's Messages API and the official ``anthropic`` SDK.

Structured output: ``output_config.format`` carries a JSON schema for the posts (text and
hashtags), so the model answers with JSON that we still parse and validate ourselves (a
cut-off or refused answer is not schema-valid). The system prompt is fixed, so it is marked
for prompt caching; everything that varies (the product, the platform, tone, language) is in
the user turn. The SDK retries 408/409/429/5xx and connection errors ``max_retries`` times
with backoff (honouring ``retry-after``); what still fails maps onto our error types.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anthropic
import httpx2

from content_ai.providers.base import (
    Draft,
    GenerationRequest,
    Provider,
    ProviderBadAnswer,
    ProviderError,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)

logger = logging.getLogger(__name__)

POSTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "posts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "hashtags": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["text", "hashtags"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["posts"],
    "additionalProperties": False,
}

SYSTEM_PROMPT = """\
You write social media posts for online stores on Mollkom, a storefront platform whose \
merchants are mostly Arabic-speaking. Each request gives you one product record, one \
platform with its rules, a tone, a language and, for Arabic, a dialect. You answer only \
with JSON matching the schema: {"posts": [{"text": "...", "hashtags": ["..."]}]}, with \
exactly as many posts as requested, each a different angle on the same product.

Facts. Use only the facts in the product record. Never invent a price, a discount, a \
percentage, a sale end date, stock levels, sizes, colours, materials, shipping terms, \
reviews or awards. Mention a price only if the record has one, in its currency, exactly as \
given. Present a discount only when the record has both a price and a lower sale price. If \
the record says the product is out of stock, do not urge people to buy now: invite them to \
follow the store or to check back. When the record is thin, write about what the product \
is and who it suits rather than filling gaps.

Text. "text" is the post body only: no URLs (the service adds the product link itself, on \
its own line, where the platform makes links clickable), no hashtags (they go in \
"hashtags"), no @mentions you were not given. Keep within the body length you are given, \
counted the way the platform counts. A strong first line, one clear call to action, short \
paragraphs, and at most two or three emoji that fit the tone.

Hashtags. Give the number the platform asks for, without the # sign or with it, relevant \
to the product and the market. Write multi-word hashtags with underscores between the \
words (عروض_الصيف, summer_sale), never spaces or hyphens; no diacritics (tashkeel) in \
Arabic hashtags. Arabic posts get mostly Arabic hashtags; English posts English ones.

Tones.
- casual: friendly and relaxed, like a message from a shop owner the reader knows.
- professional: clear, confident, informative; no slang, few or no emoji.
- playful: light, witty, energetic; wordplay welcome, emoji welcome.
- luxury: refined, calm and sparing; quality and craft over hype; no exclamation marks, \
no discount language unless the record has a sale price.
- urgent: a reason to act now that is true to the record (a sale price, a limited \
collection only if the record says so); never fake scarcity or deadlines.

Languages and dialects.
- ar: Arabic written right to left. Default to Modern Standard Arabic (msa) that reads \
naturally in a shop's voice. gulf: Gulf Arabic (Saudi, Emirati, Kuwaiti) expressions such \
as "وش رايكم" and "مره حلو"; egyptian: Egyptian Arabic such as "إيه رأيكم" and "جامد \
جدًا"; levantine: Levantine Arabic such as "شو رأيكن" and "كتير حلو". Keep product names, \
brand names and model numbers as the record spells them, in Latin letters if so written, \
with a space on each side so they do not run into the Arabic. Use Arabic punctuation \
(، ؛ ؟). Prices: Western digits as in the record, currency after the number.
- en: clear international English; product names as given.

Platforms. Follow the platform's rules in the request: its length limit and how it counts, \
how many hashtags, and what it does with links.
- X: very short; the body must leave room for the link (counted as 23) and the hashtags.
- Instagram: captions can be longer; the first line must hook, since the rest is folded; \
links are not clickable, so point to the link in bio.
- Facebook Page: conversational, a few short paragraphs; links are clickable.
- TikTok: a short caption that matches a video; links are not clickable.
- Threads: short and conversational, one topic tag.
- YouTube: a video description; the first two lines matter most; no '<' or '>'.

If a request says that a previous answer was too long, write a clearly shorter post that \
fits with room to spare.
"""


def _format_facts(request: GenerationRequest) -> str:
    product = request.product
    lines = [f"- title: {product.title}"]
    optional = [
        ("description", product.description),
        ("price", f"{product.price} {product.currency}".strip() if product.price else ""),
        (
            "sale price",
            f"{product.sale_price} {product.currency}".strip() if product.sale_price else "",
        ),
        ("category", product.category),
        ("tags", ", ".join(product.tags)),
        ("record language", product.language),
    ]
    lines += [f"- {name}: {value}" for name, value in optional if value]
    lines.append(f"- in stock: {'yes' if product.in_stock else 'no (out of stock)'}")
    return "\n".join(lines)


def user_prompt(request: GenerationRequest) -> str:
    rules = request.rules
    low, high = rules.hashtags
    hashtags = f"{low}" if low == high else f"{low} to {high}"
    if rules.links_clickable and request.product.url:
        link = f"{rules.link_note}: {request.product.url}"
    elif rules.links_clickable:
        link = "the product has no link: do not mention one"
    else:
        link = rules.link_note
    language = {"ar": "Arabic", "en": "English"}[request.language]
    if request.language == "ar":
        language += f", dialect: {request.dialect or 'msa'}"
    parts = [
        f"Write {request.count} post(s) for {rules.name}.",
        f"Tone: {request.tone}. Language: {language}.",
        "",
        "Platform rules:",
        f"- length: {rules.counting}; keep the body under {rules.body_length}",
        f"- hashtags: {hashtags} ({rules.hashtag_note})",
        f"- links: {link}",
        "",
        "Product record (the only facts you may use):",
        _format_facts(request),
    ]
    if request.feedback:
        parts += ["", f"Your previous answer did not fit: {request.feedback}"]
    return "\n".join(parts)


def parse_posts(message: Any, *, count: int) -> list[Draft]:
    """The drafts in a Messages API answer; ProviderBadAnswer if it is not what we asked."""
    if getattr(message, "stop_reason", None) in ("max_tokens", "refusal"):
        raise ProviderBadAnswer(
            "The writer's answer was incomplete.", detail=f"stop_reason={message.stop_reason}"
        )
    text = "".join(block.text for block in message.content if block.type == "text")
    try:
        data = json.loads(text)
    except ValueError:
        raise ProviderBadAnswer(
            "The writer's answer was not in the expected format.", detail=text[:500]
        ) from None
    posts = data.get("posts") if isinstance(data, dict) else None
    drafts: list[Draft] = []
    for post in posts if isinstance(posts, list) else []:
        if not isinstance(post, dict):
            continue
        body, tags = post.get("text"), post.get("hashtags")
        if (
            isinstance(body, str)
            and body.strip()
            and isinstance(tags, list)
            and all(isinstance(t, str) for t in tags)
        ):
            drafts.append(Draft(text=body, hashtags=tags))
    if len(drafts) < count:
        raise ProviderBadAnswer(
            "The writer's answer was not in the expected format.", detail=text[:500]
        )
    return drafts[:count]


class ClaudeProvider(Provider):
    slug = "anthropic"

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        max_tokens: int,
        timeout: float,
        max_retries: int,
        base_url: str = "",
        http_client: httpx2.Client | None = None,
    ) -> None:
        self._model = model
        self._max_tokens = max_tokens
        self._client = anthropic.Anthropic(
            api_key=api_key,
            base_url=base_url or None,
            timeout=httpx2.Timeout(timeout, connect=min(timeout, 5.0)),
            max_retries=max_retries,
            http_client=http_client,
        )

    @property
    def model(self) -> str:
        return self._model

    def generate(self, request: GenerationRequest) -> list[Draft]:
        try:
            message = self._client.messages.create(
                model=self._model,
                max_tokens=self._max_tokens * request.count,
                system=[
                    {
                        "type": "text",
                        "text": SYSTEM_PROMPT,
                        "cache_control": {"type": "ephemeral"},
                    }
                ],
                messages=[{"role": "user", "content": user_prompt(request)}],
                output_config={"format": {"type": "json_schema", "schema": POSTS_SCHEMA}},
            )
        except anthropic.APITimeoutError as exc:
            raise ProviderTimeout("The writer took too long to answer.", detail=str(exc)) from exc
        except anthropic.RateLimitError as exc:
            raise ProviderRateLimited(
                "The writer is busy; try again shortly.",
                retry_after=_retry_after(exc.response),
                detail=str(exc),
            ) from exc
        except anthropic.APIConnectionError as exc:
            raise ProviderUnavailable("The writer could not be reached.", detail=str(exc)) from exc
        except anthropic.APIStatusError as exc:
            if exc.status_code >= 500:
                raise ProviderUnavailable(
                    "The writer is unavailable right now.", detail=str(exc)
                ) from exc
            # A 4xx other than 429 is our request or our key: not the merchant's to fix.
            logger.error("anthropic refused the request", extra={"status": exc.status_code})
            raise ProviderError("The writer refused the request.", detail=str(exc)) from exc
        usage = getattr(message, "usage", None)
        logger.info(
            "anthropic answered",
            extra={
                "model": self._model,
                "input_tokens": getattr(usage, "input_tokens", None),
                "cache_read_input_tokens": getattr(usage, "cache_read_input_tokens", None),
            },
        )
        return parse_posts(message, count=request.count)


def _retry_after(response: httpx2.Response) -> float | None:
    raw = response.headers.get("retry-after")
    try:
        return max(1.0, float(raw)) if raw else None
    except ValueError:
        return None
