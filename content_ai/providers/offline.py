"""A deterministic template writer, used when no ANTHROPIC_API_KEY is set.

It lets `make run` (and the storefront's development setups) generate on a fresh machine
with no network: the same product, platform, tone and language always give the same
post, written only from the product record, in Arabic (with a dialect's call to action) or
English. Plain, but a post a merchant could publish.
"""

from __future__ import annotations

import re

from content_ai.providers.base import Draft, GenerationRequest, ProductFacts, Provider

_OPENERS: dict[str, dict[str, tuple[str, ...]]] = {
    "ar": {
        "casual": ("✨ {title}", "شفتوا {title}؟", "جديدنا: {title}"),
        "professional": ("{title}", "نقدّم لكم {title}", "تعرّفوا على {title}"),
        "playful": ("🎉 {title} وصل!", "خمّنوا وش وصل؟ {title} 😍", "{title} 🤩"),
        "luxury": ("{title}", "فخامة تليق بكم: {title}", "{title}، تفاصيل تستحق"),
        "urgent": ("⏳ {title}", "لا يفوتكم: {title}", "الحقوا على {title}"),
    },
    "en": {
        "casual": ("✨ {title}", "Say hi to {title}", "Just in: {title}"),
        "professional": ("{title}", "Introducing {title}", "Meet {title}"),
        "playful": ("🎉 {title} is here!", "Guess what's here? {title} 😍", "{title} 🤩"),
        "luxury": ("{title}", "Crafted to impress: {title}", "{title}, made to last"),
        "urgent": ("⏳ {title}", "Don't miss {title}", "Grab {title}"),
    },
}

# The call to action, by dialect for Arabic: the one line where a dialect shows most.
_CALLS: dict[str, str] = {
    "msa": "اطلبه الآن من متجرنا",
    "gulf": "اطلبه الحين من متجرنا",
    "egyptian": "اطلبه دلوقتي من متجرنا",
    "levantine": "اطلبه هلّق من متجرنا",
    "en": "Order now from our store",
}
_OUT_OF_STOCK = {
    "ar": "نفد حاليًا، تابعونا ليصلكم خبر توفره",
    "en": "Sold out for now: follow us to hear when it's back",
}
_LINK_IN_BIO = {"ar": "الرابط في البايو", "en": "Link in bio"}
_GENERIC_TAGS = {"ar": ("تسوق", "تسوق اونلاين", "متجر"), "en": ("shopping", "shop online", "store")}


def _first_sentence(text: str, limit: int) -> str:
    sentence = re.split(r"(?<=[.!؟?])\s", text.strip(), maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0] + "…"


def _price_line(product: ProductFacts, language: str) -> str:
    currency = f" {product.currency}" if product.currency else ""
    if product.price and product.sale_price:
        if language == "ar":
            return f"بدلًا من {product.price}{currency}، الآن {product.sale_price}{currency}"
        return f"Was {product.price}{currency}, now {product.sale_price}{currency}"
    if product.price:
        return (
            f"السعر: {product.price}{currency}"
            if language == "ar"
            else f"{product.price}{currency}"
        )
    return ""


class OfflineProvider(Provider):
    slug = "offline"

    def generate(self, request: GenerationRequest) -> list[Draft]:
        return [self._draft(request, index) for index in range(request.count)]

    def _draft(self, request: GenerationRequest, index: int) -> Draft:
        product, language = request.product, request.language
        openers = _OPENERS[language][request.tone]
        lines = [openers[index % len(openers)].format(title=product.title)]
        if product.description:
            lines.append(_first_sentence(product.description, request.rules.body_length // 2))
        price = _price_line(product, language)
        if price:
            lines.append(price)
        if not product.in_stock:
            lines.append(_OUT_OF_STOCK[language])
        else:
            call = _CALLS[request.dialect or "msa"] if language == "ar" else _CALLS["en"]
            if not request.rules.links_clickable:
                call = f"{call} · {_LINK_IN_BIO[language]}"
            lines.append(call)
        low, high = request.rules.hashtags
        candidates = [*product.tags, product.category, *_GENERIC_TAGS[language]]
        hashtags = [tag for tag in candidates if tag][: max(low, min(high, 3))]
        return Draft(text="\n".join(lines), hashtags=hashtags)
