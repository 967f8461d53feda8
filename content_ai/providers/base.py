"""The one interface every content provider implements, and the errors they raise.

Like ``publishing.platforms``: providers are pure (dataclasses in and out, no model
imports), and the service decides what to do with a failure from its error type alone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

from content_ai.platform_rules import PlatformRules

TONES = ("casual", "professional", "playful", "luxury", "urgent")
LANGUAGES = ("ar", "en")
DIALECTS = ("msa", "gulf", "egyptian", "levantine")


@dataclass(frozen=True)
class ProductFacts:
    """Everything the writer may state about the product, and nothing else."""

    title: str
    description: str = ""
    price: str = ""
    sale_price: str = ""
    currency: str = ""
    url: str = ""
    category: str = ""
    tags: tuple[str, ...] = ()
    in_stock: bool = True
    language: str = ""


@dataclass(frozen=True)
class GenerationRequest:
    product: ProductFacts
    rules: PlatformRules
    tone: str
    language: str
    dialect: str = ""  # Arabic only; "" is Modern Standard Arabic
    count: int = 1
    # Set on a regeneration: what was wrong with the previous answer.
    feedback: str = ""


@dataclass(frozen=True)
class Draft:
    text: str
    hashtags: list[str] = field(default_factory=list)


class ProviderError(Exception):
    """The provider could not write the post. ``message`` is fit to show a merchant."""

    code: ClassVar[str] = "ai_error"
    http_status: ClassVar[int] = 502

    def __init__(self, message: str, *, retry_after: float | None = None, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        # The provider's own words, for logs and the Generation row.
        self.detail = detail or message


class ProviderTimeout(ProviderError):
    code = "ai_timeout"
    http_status = 504


class ProviderRateLimited(ProviderError):
    code = "ai_rate_limited"
    http_status = 503


class ProviderUnavailable(ProviderError):
    code = "ai_unavailable"
    http_status = 503


class ProviderBadAnswer(ProviderError):
    """The answer was not the JSON the schema asked for (or was cut off)."""

    code = "ai_bad_answer"


class Provider(ABC):
    slug: ClassVar[str]

    @property
    def model(self) -> str:
        return ""

    @abstractmethod
    def generate(self, request: GenerationRequest) -> list[Draft]:
        """Write ``request.count`` drafts. Raises ProviderError subclasses only."""
