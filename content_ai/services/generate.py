"""Generating a post from a product: spend, write, fit to the platform, suggest a time.

The order matters: the credits are spent (and committed) before the model is called, so
two concurrent requests cannot both use the last credit, and any failure after that
refunds them. No transaction or database connection is held while the model writes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Store
from content_ai import text as text_utils
from content_ai.models import Generation, Product
from content_ai.platform_rules import rules_for, text_checker
from content_ai.providers.base import (
    Draft,
    GenerationRequest,
    ProductFacts,
    Provider,
    ProviderError,
)
from content_ai.providers.registry import get_provider
from content_ai.selectors import store_publish_times, store_scheduled_times
from content_ai.services.credits import credits_refund, credits_spend
from content_ai.timing import DAYS_AHEAD, Suggestion, suggest_time
from mollkom_social.db import release_connection

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GeneratedPost:
    text: str
    hashtags: list[str]


@dataclass(frozen=True)
class GenerationOutcome:
    posts: list[GeneratedPost]
    suggestion: Suggestion
    provider: str
    credits_used: int


def _facts(product: Product) -> ProductFacts:
    return ProductFacts(
        title=product.title,
        description=product.description,
        price=text_utils.money(product.price) if product.price is not None else "",
        sale_price=text_utils.money(product.sale_price) if product.sale_price is not None else "",
        currency=product.currency,
        url=product.url,
        category=product.category,
        tags=tuple(product.tags),
        in_stock=product.in_stock,
        language=product.language,
    )


class _Fitter:
    """Turns a draft into the post as published and checks it against the platform."""

    def __init__(self, request: GenerationRequest) -> None:
        self.rules = request.rules
        self.link = request.product.url if self.rules.links_clickable else ""
        self.check = text_checker(self.rules.slug)

    def shape(self, draft: Draft) -> tuple[str, list[str]]:
        body, trailing = text_utils.clean_body(draft.text)
        tags = text_utils.normalize_hashtags(
            [*draft.hashtags, *trailing], limit=self.rules.hashtags[1]
        )
        return text_utils.isolate_handles(body), tags

    def problems(self, body: str, tags: list[str]) -> list[str]:
        composed = text_utils.compose(body, link=self.link, hashtags=tags)
        return [v.message for v in self.check(composed)]

    def trimmed(self, body: str, tags: list[str]) -> GeneratedPost:
        body, tags = text_utils.trim_to_fit(
            body, link=self.link, hashtags=tags, fits=lambda text: not self.check(text)
        )
        return self.post(body, tags)

    def post(self, body: str, tags: list[str]) -> GeneratedPost:
        return GeneratedPost(
            text=text_utils.compose(body, link=self.link, hashtags=tags), hashtags=tags
        )


def _write(
    provider: Provider, request: GenerationRequest, generation: Generation
) -> list[GeneratedPost]:
    """Drafts that fit: a draft over the platform's limit is rewritten once (all such drafts
    in one call), and what still does not fit is trimmed on a word boundary."""
    fitter = _Fitter(request)
    generation.calls = 1
    shaped = [fitter.shape(d) for d in provider.generate(request)]
    over = {i: problems for i, (b, t) in enumerate(shaped) if (problems := fitter.problems(b, t))}
    if over:
        feedback = "; ".join(sorted({p for problems in over.values() for p in problems}))
        try:
            generation.calls = 2
            again = provider.generate(replace(request, count=len(over), feedback=feedback))
            for index, draft in zip(over, again, strict=False):
                shaped[index] = fitter.shape(draft)
        except ProviderError as exc:
            # The first drafts are still usable once trimmed: don't fail (and refund) for it.
            logger.warning("regeneration failed, trimming", extra={"code": exc.code})
    posts: list[GeneratedPost] = []
    for body, tags in shaped:
        if fitter.problems(body, tags):
            generation.trimmed = True
            posts.append(fitter.trimmed(body, tags))
        else:
            posts.append(fitter.post(body, tags))
    return posts


def _suggest(*, store: Store, platform: str, language: str, now: datetime) -> Suggestion:
    return suggest_time(
        platform=platform,
        timezone_name=store.timezone,
        now=now,
        publish_times=store_publish_times(store=store, now=now),
        scheduled_times=store_scheduled_times(
            store=store, start=now, end=now + timedelta(days=DAYS_AHEAD + 2)
        ),
        language=language,
        platform_name=rules_for(platform).name,
    )


def content_generate(
    *,
    store: Store,
    product: Product,
    platform: str,
    tone: str,
    language: str,
    dialect: str = "",
    variants: int = 1,
    actor_label: str,
) -> GenerationOutcome:
    """Write ``variants`` posts (one credit each) for ``product`` on ``platform``.

    Raises InsufficientCredits before anything is called, and ProviderError (with the
    credits refunded) when the provider fails.
    """
    provider = get_provider()
    with transaction.atomic():
        generation = Generation.objects.create(
            store=store,
            product=product,
            platform=platform,
            tone=tone,
            language=language,
            dialect=dialect,
            variants=variants,
            provider=provider.slug,
            model=provider.model,
        )
        credits_spend(
            store=store,
            amount=variants,
            reason=f"Generate {variants} {platform} post(s) for “{product.title[:100]}”",
            actor_label=actor_label,
            generation=generation,
        )
    request = GenerationRequest(
        product=_facts(product),
        rules=rules_for(platform),
        tone=tone,
        language=language,
        dialect=dialect,
        count=variants,
    )
    started = time.monotonic()
    release_connection()  # the model may take seconds; don't hold a pooled connection
    try:
        posts = _write(provider, request, generation)
        # Still inside: a failure choosing the time refunds like a failed write.
        suggestion = _suggest(store=store, platform=platform, language=language, now=timezone.now())
    except Exception as exc:
        code = exc.code if isinstance(exc, ProviderError) else "internal_error"
        detail = exc.detail if isinstance(exc, ProviderError) else repr(exc)
        with transaction.atomic():
            credits_refund(
                store=store,
                amount=variants,
                reason=f"Generation failed ({code})",
                generation=generation,
            )
            _finish(generation, started, Generation.Status.FAILED, error=(code, detail[:2000]))
        raise
    generation.output = {
        "posts": [{"text": p.text, "hashtags": p.hashtags} for p in posts],
        "suggested_time": suggestion.when.isoformat(),
    }
    _finish(generation, started, Generation.Status.SUCCEEDED)
    return GenerationOutcome(
        posts=posts, suggestion=suggestion, provider=provider.slug, credits_used=variants
    )


def _finish(
    generation: Generation, started: float, status: str, *, error: tuple[str, str] = ("", "")
) -> None:
    generation.status = status
    generation.error_code, generation.error_message = error
    generation.duration_ms = int((time.monotonic() - started) * 1000)
    generation.save()
