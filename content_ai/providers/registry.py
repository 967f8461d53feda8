"""Which provider writes: Claude when ANTHROPIC_API_KEY is set, else the offline templates."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from content_ai.providers.base import Provider
from content_ai.providers.claude import ClaudeProvider
from content_ai.providers.offline import OfflineProvider


@lru_cache(maxsize=4)
def _claude(
    api_key: str, model: str, max_tokens: int, timeout: float, retries: int, base_url: str
) -> ClaudeProvider:
    # One client per configuration, shared by every thread: the SDK's client is thread-safe
    # and keeps its connection pool warm between requests.
    return ClaudeProvider(
        api_key=api_key,
        model=model,
        max_tokens=max_tokens,
        timeout=timeout,
        max_retries=retries,
        base_url=base_url,
    )


def get_provider() -> Provider:
    if not settings.ANTHROPIC_API_KEY:
        return OfflineProvider()
    return _claude(
        settings.ANTHROPIC_API_KEY,
        settings.ANTHROPIC_MODEL,
        settings.ANTHROPIC_MAX_TOKENS,
        settings.ANTHROPIC_TIMEOUT_SECONDS,
        settings.ANTHROPIC_MAX_RETRIES,
        settings.ANTHROPIC_BASE_URL,
    )
