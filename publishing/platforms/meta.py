"""Meta's Graph API conventions shared by the clients on Meta's hosts (Threads, Instagram,
Facebook): the error envelope, media containers and paged listings.

Every Meta API answers errors as ``{"error": {"message", "type", "code", "error_subcode",
"is_transient", "error_user_msg", "fbtrace_id"}}`` with HTTP 400 or 403 for most of them, so
the decision is made on ``error.code`` (PLATFORMS.md 1.5); the status only decides for bodies
that are not Meta's envelope. What differs per platform (its name in messages, its daily-limit
wording, its media advice and its own codes) comes in a :class:`MetaPlatform`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests

from publishing.platforms.base import (
    AuthError,
    Checkpoint,
    LookupIncompleteError,
    OutcomeUnknownError,
    PermanentError,
    PlatformError,
    PublishResult,
    RetryableError,
)
from publishing.platforms.search import Page

# When Meta rate-limits without estimating when access returns, wait this long: calling
# again while throttled only extends the block.
DEFAULT_RATE_LIMIT_WAIT_S = 60.0
# A container still processing after the in-task wait is polled again on a later attempt.
PROCESSING_RETRY_AFTER_S = 30.0

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001, 80002})
TOKEN_CODES = frozenset({102, 190})
TRANSIENT_CODES = frozenset({1, 2})
NOT_READY_CODE = 9007  # "media not ready for publishing": keep waiting, nothing was made
PUBLISH_LIMIT_CODE = 9  # the daily publishing limit, enforced by the publish call
# Meta's media errors (PLATFORMS.md 1.5, generic to the Graph API): the merchant must change
# the file or its URL.
MEDIA_CODES = frozenset({352, 9004, 36000, 36001, 36003})
GONE = (100, 33)  # "Object with ID ... does not exist": a delete of a post already gone


@dataclass(frozen=True)
class MetaError:
    """One error answer, parsed."""

    status: int
    code: int | None
    subcode: int | None
    said: str  # Meta's words for the merchant when it gave some, else its message
    transient: bool
    body: dict[str, Any]

    @property
    def kwargs(self) -> dict[str, Any]:
        return {"status_code": self.status, "platform_message": self.said}


@dataclass(frozen=True)
class MetaPlatform:
    """What a Meta platform says in its own words."""

    name: str  # "Threads", "Instagram"
    daily_limit: str  # the message for code 9, the daily publishing limit
    media_advice: str  # follows "<name> could not use the media: <Meta's words>."
    # The platform's own codes, consulted before the generic mapping: an error to raise, or
    # None to fall through.
    specific: Callable[[MetaError, bool], PlatformError | None] = lambda error, creates: None


def meta_error(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"message": response.text[:300]}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {"message": response.text[:300]}


def to_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def advised_wait(response: requests.Response) -> float:
    """Seconds until Meta lets the account call again, from its usage headers.

    Meta sends no Retry-After; ``X-Business-Use-Case-Usage`` carries, per business id, a list
    of usages with ``estimated_time_to_regain_access`` in minutes.
    """
    minutes = 0
    raw = response.headers.get("x-business-use-case-usage", "")
    try:
        usage = json.loads(raw) if raw else {}
    except ValueError:
        usage = {}
    if isinstance(usage, dict):
        for entries in usage.values():
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict):
                    regain = to_int(entry.get("estimated_time_to_regain_access")) or 0
                    minutes = max(minutes, regain)
    if minutes:
        return minutes * 60.0
    after = response.headers.get("retry-after", "")
    return float(after) if after.isdigit() else DEFAULT_RATE_LIMIT_WAIT_S


def parse(response: requests.Response) -> MetaError:
    error = meta_error(response)
    status = response.status_code
    return MetaError(
        status=status,
        code=to_int(error.get("code")),
        subcode=to_int(error.get("error_subcode")),
        said=str(error.get("error_user_msg") or error.get("message") or f"HTTP {status}"),
        transient=error.get("is_transient") is True,
        body=error,
    )


def raise_for_response(
    response: requests.Response, platform: MetaPlatform, *, creates: bool = False
) -> None:
    """Map Meta's error envelope onto the shared error types; return quietly on success.

    ``creates`` marks the publish call: a transient failure there may have made the post.
    """
    if response.status_code < 400:
        return
    error = parse(response)
    name, kwargs = platform.name, error.kwargs
    if (found := platform.specific(error, creates)) is not None:
        raise found
    if error.code in TOKEN_CODES or error.status == 401:
        raise AuthError(
            f"{name} no longer accepts this account's token; reconnect the {name} account.",
            code="auth_revoked",
            **kwargs,
        )
    if error.code in RATE_LIMIT_CODES:
        # Checked before is_transient: Meta marks rate limits transient, but an early retry
        # only extends the block.
        raise RetryableError(
            f"{name}'s rate limit was reached; the post will be sent when it lifts.",
            code="rate_limited",
            retry_after=advised_wait(response),
            **kwargs,
        )
    if error.code == PUBLISH_LIMIT_CODE:
        raise PermanentError(platform.daily_limit, code="quota_exceeded", **kwargs)
    if error.code == NOT_READY_CODE:
        raise RetryableError(
            f"{name} is still processing the media; will try again.",
            code="media_processing",
            retry_after=PROCESSING_RETRY_AFTER_S,
            **kwargs,
        )
    if error.transient or error.code in TRANSIENT_CODES or error.status >= 500:
        if creates:
            # The publish call may have made the post before failing: check, don't repost.
            raise OutcomeUnknownError(
                f"{name} failed while publishing; checking whether the post was made.",
                code="outcome_unknown",
                **kwargs,
            )
        raise RetryableError(
            f"{name} is having trouble; will try again.", code="platform_down", **kwargs
        )
    if error.code == 10 or (error.code is not None and 200 <= error.code <= 299):
        raise PermanentError(
            f"The {name} connection lacks the permission this needs; reconnect the {name} "
            f"account and allow publishing. ({error.said})",
            code="permission_missing",
            **kwargs,
        )
    subcode = error.subcode
    if error.code in MEDIA_CODES or (subcode is not None and 2207000 <= subcode <= 2207099):
        raise PermanentError(
            f"{name} could not use the media: {error.said}. {platform.media_advice}",
            code="media_rejected",
            **kwargs,
        )
    if error.code == 368:
        raise PermanentError(
            f"{name} has temporarily blocked this account from posting: {error.said}",
            code="blocked",
            **kwargs,
        )
    raise PermanentError(f"{name} rejected the post: {error.said}", code="rejected", **kwargs)


def is_gone(response: requests.Response) -> bool:
    """A delete's answer that says the object no longer exists (what the merchant wanted)."""
    if response.status_code == 404:
        return True
    if response.status_code < 400:
        return False
    error = meta_error(response)
    return (to_int(error.get("code")), to_int(error.get("error_subcode"))) == GONE


def published_result(
    media_id: str,
    lookup: Callable[[], requests.Response],
    check: Callable[[requests.Response], None],
) -> PublishResult:
    """The published post and its permalink (read by ``lookup``, vetted by ``check``). The
    post exists by now whatever happens here, so a failed lookup leaves the link empty
    rather than failing a live post."""
    try:
        response = lookup()
        check(response)
        url = str(response.json().get("permalink") or "")
    except (PlatformError, ValueError):
        url = ""
    return PublishResult(platform_post_id=media_id, url=url)


def wait_for_container(
    *,
    read: Callable[[], tuple[str, str]],
    failure: Callable[[str, str], PlatformError],
    checkpoint: Checkpoint,
    resumed: bool,
    sleep: Callable[[float], None],
    first_delay: float,
    max_delay: float,
    max_wait: float,
    platform: str,
    container: str,
) -> str:
    """Poll a media container (``read`` gives its status and the platform's words) until it
    is FINISHED or PUBLISHED; that status.

    ERROR and EXPIRED clear the container from the checkpoint, so a retry the merchant asks for
    starts afresh; EXPIRED on a resumed container is returned (the caller makes a new one),
    anything else fails with ``failure(status, said)``. Past ``max_wait`` the try ends
    retryable and the next one polls the same container again.
    """
    delay, waited = first_delay, 0.0
    while True:
        status, said = read()
        if status in ("FINISHED", "PUBLISHED"):
            return status
        if status in ("ERROR", "EXPIRED"):
            checkpoint.set("container", None)
            checkpoint.set("children", [])
            if status == "EXPIRED" and resumed:
                return status
            raise failure(status, said)
        if waited >= max_wait:
            raise RetryableError(
                f"{platform} is still processing the media; will check again.",
                code="media_processing",
                retry_after=PROCESSING_RETRY_AFTER_S,
                platform_message=f"container {container}: {status or 'no status'}",
            )
        sleep(delay)
        waited += delay
        delay = min(delay * 2, max_delay)


def graph_pages(
    request: Callable[[dict[str, str]], requests.Response],
    check: Callable[[requests.Response], None],
    params: dict[str, str],
) -> Callable[[str | None], Page]:
    """A Graph edge's pages for :func:`~publishing.platforms.search.search_listing`: each
    request ``params`` plus the ``after`` cursor; the last page is the one without
    ``paging.next`` (Meta's cursor-based pagination)."""

    def page(cursor: str | None) -> Page:
        response = request({**params, "after": cursor} if cursor else params)
        check(response)
        body = response.json()
        paging = body.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
        return list(body.get("data") or []), (str(after) if after else None)

    return page


def find_container_post(
    *,
    saved: Mapping[str, Any] | None,
    container_status: Callable[[str], str],
    published: Callable[[str], PublishResult],
    search: Callable[[], PublishResult | None],
    platform: str,
) -> PublishResult | None:
    """Reconciliation for the container flows (Threads, Instagram): the target's own ids
    first, the account's listing only where they cannot answer.

    A saved media id is the post. A container is published once and says PUBLISHED from
    then on, so any other status (FINISHED, IN_PROGRESS, ERROR, EXPIRED) proves the lost
    publish call made nothing: a complete answer without reading the listing. A PUBLISHED
    container whose post the listing does not show is never a miss (the post exists).
    """
    saved = saved or {}
    if media_id := saved.get("media_id"):
        return published(str(media_id))
    container = saved.get("container")
    if container and container_status(str(container)) != "PUBLISHED":
        return None
    found = search()
    if found is None and container:
        raise LookupIncompleteError(
            f"{platform} says the post was published, but it is not among the account's "
            "posts yet; checking again later.",
            code="lookup_incomplete",
            platform_message=f"container {container} status PUBLISHED, no matching post listed",
        )
    return found


def epoch(value: Any) -> float:
    """Meta's timestamp (``2026-01-02T03:04:05+0000``) as seconds; 0 when unreadable."""
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except ValueError:
        return 0.0
