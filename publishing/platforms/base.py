"""The one interface every platform client implements, and the errors they raise.

Clients are pure: plain dataclasses in and out, no model imports, all HTTP through
:mod:`publishing.platforms.http`. The pipeline decides what to do with an error from
its type alone, so every client maps its platform's error bodies onto these classes.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

# --- Errors ---------------------------------------------------------------------------


class PlatformError(Exception):
    """A platform refused or failed a call. ``message`` is fit to show a merchant."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "platform_error",
        status_code: int | None = None,
        platform_message: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status_code = status_code
        # The platform's own words, kept for support staff and the attempt log.
        self.platform_message = platform_message or message


class RetryableError(PlatformError):
    """Nothing was created; the same call may succeed later (5xx, 429, refused connection)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class PermanentError(PlatformError):
    """The platform rejected the content or the request; retrying will not help."""


class AuthError(PlatformError):
    """The token was refused: the account must be refreshed or reconnected."""


class OutcomeUnknownError(PlatformError):
    """A create call may or may not have taken effect (timeout, dropped connection)."""


class DuplicateContentError(PermanentError):
    """The platform refused the post as a copy of one the account already has. After a
    create call whose answer was lost, that copy may be this very post: the pipeline looks
    for it before calling the refusal a failure."""


class LookupIncompleteError(PlatformError):
    """A search for a published post could not cover its whole window (too many pages, out
    of time, or the platform says the post exists but its listing does not show it yet).
    Not a miss: sending again is never safe on this answer; the search is repeated later."""


class NotSupportedError(PlatformError):
    """The platform (or this connection to it) does not offer the operation at all."""


# --- Data in and out ------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    access_token: str
    account_id: str = ""
    handle: str = ""
    # How the account was connected, where a platform has several ways (Instagram:
    # "facebook" or "instagram"); it decides the API host.
    login: str = ""


@dataclass(frozen=True)
class MediaItem:
    type: str  # "image" | "video"
    url: str


@dataclass(frozen=True)
class Content:
    """What one platform is asked to publish: the post's content with that platform's own
    text (when the request gave one), format ("" = the client infers it) and options."""

    text: str = ""
    media: tuple[MediaItem, ...] = ()
    link: str = ""
    format: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleViolation:
    code: str
    message: str
    field: str = "content"


@dataclass(frozen=True)
class PublishResult:
    platform_post_id: str
    url: str


@dataclass
class Checkpoint:
    """Intermediate ids a multi-step publish has already obtained (saved on the target).

    ``save`` is called by the client after each step so a retry resumes instead of
    repeating a step that created something on the platform.
    """

    data: dict[str, Any] = field(default_factory=dict)
    save: Callable[[dict[str, Any]], None] = lambda data: None

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        # A copy, so a caller that keeps mutating its list cannot change what was saved.
        self.data[key] = copy.deepcopy(value)
        self.save(copy.deepcopy(self.data))


@dataclass(frozen=True)
class SearchBudget:
    """How far one reconciliation search may go before it gives up for now (and is tried
    again later): pages of the account's listing, and seconds."""

    max_pages: int = 50
    seconds: float = 60.0


# --- The interface --------------------------------------------------------------------


class PlatformClient(ABC):
    """One social platform. Subclasses set ``slug`` and implement the methods."""

    slug: ClassVar[str]
    display_name: ClassVar[str]
    # Set from settings by the registry; a search past it raises LookupIncompleteError.
    search: SearchBudget = SearchBudget()

    @abstractmethod
    def validate(self, content: Content) -> list[RuleViolation]:
        """The platform's rules for this content, checked before anything is written."""

    @abstractmethod
    def publish(
        self,
        credentials: Credentials,
        content: Content,
        checkpoint: Checkpoint,
        *,
        before_create: Callable[[], None],
    ) -> PublishResult:
        """Publish, resuming from ``checkpoint``.

        ``before_create`` is called right before the one call that creates the public
        post, so the caller can record that the outcome is unknown from then on.
        """

    @abstractmethod
    def find_published(
        self,
        credentials: Credentials,
        content: Content,
        *,
        since_epoch: float,
        exclude: frozenset[str] = frozenset(),
        saved: Mapping[str, Any] | None = None,
    ) -> PublishResult | None:
        """Look for a post this content created since ``since_epoch`` (reconciliation).

        ``None`` is a promise: the whole window, from ``since_epoch`` to now, was searched
        (every page of the account's listing, or an id the target saved that answers for
        itself) and the post is not there, so sending it again cannot make a second one.
        A search that could not finish raises: :class:`LookupIncompleteError` when pages or
        time ran out, or the platform's own error when a call failed.

        ``exclude``: ids of posts already accounted for, never to be returned (two posts
        with the same text, minutes apart, must not both claim the first).
        ``saved``: the target's checkpoint (container, upload or publish ids), asked first.
        """

    @abstractmethod
    def delete(self, credentials: Credentials, platform_post_id: str) -> None:
        """Delete a published post; one already gone counts as deleted.

        Raises NotSupportedError, with the platform's reason, where it cannot delete.
        """
