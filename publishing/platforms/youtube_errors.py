"""Google's error envelope (PLATFORMS.md 6.4) mapped onto the shared error types."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from publishing.platforms.base import AuthError, OutcomeUnknownError, PermanentError, RetryableError

_PACIFIC = ZoneInfo("America/Los_Angeles")
_AUTH_REASONS = frozenset({"authError", "invalidCredentials", "unauthorized"})
_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


def seconds_until_quota_reset(now: datetime | None = None) -> float:
    """Seconds until the next midnight Pacific Time, when YouTube's daily quota resets.

    Computed in UTC on both ends: subtracting two datetimes in the same zone is wall-clock
    arithmetic in Python, an hour off on the days daylight saving time changes. A minute of
    margin, so the retry does not land on the last second of the old day.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    local = moment.astimezone(_PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=_PACIFIC)
    return (midnight.astimezone(UTC) - moment).total_seconds() + 60.0


def google_error(response: requests.Response) -> tuple[str, str]:
    """``(reason, message)`` from Google's envelope (PLATFORMS.md 6.4); empty when absent."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return "", response.text[:200]
    if not isinstance(error, dict):
        return "", str(error)[:200]
    details = error.get("errors") or [{}]
    reason = str(details[0].get("reason", "")) if isinstance(details[0], dict) else ""
    return reason, str(error.get("message", ""))


def raise_for_response(response: requests.Response, *, creates: bool = False) -> None:
    """Map Google's error reasons onto the shared error types."""
    status = response.status_code
    if status < 400:
        return
    reason, said = google_error(response)
    kwargs: dict[str, Any] = {"status_code": status, "platform_message": f"{reason}: {said}"}
    if status == 401 or reason in _AUTH_REASONS:
        raise AuthError(
            "YouTube refused the connection's token; reconnect YouTube.", code="auth", **kwargs
        )
    if reason == "quotaExceeded":
        raise RetryableError(
            "The YouTube API quota for today is used up; the video goes out after it resets "
            "at midnight Pacific Time.",
            code="quota_exceeded",
            retry_after=seconds_until_quota_reset(),
            **kwargs,
        )
    if reason == "uploadLimitExceeded":  # the channel's own daily upload cap
        raise RetryableError(
            "This YouTube channel reached its daily upload limit; retrying in a day.",
            code="quota_exceeded",
            retry_after=24 * 3600.0,
            **kwargs,
        )
    if reason in _RATE_REASONS or status == 429:
        # No Retry-After contract (PLATFORMS.md 6.4): the pipeline's backoff decides.
        raise RetryableError(
            "YouTube asked to slow down; will try again.", code="rate_limited", **kwargs
        )
    if status >= 500:
        if creates:
            raise OutcomeUnknownError(
                "YouTube failed while finishing the upload; checking whether the video was made.",
                code="outcome_unknown",
                **kwargs,
            )
        raise RetryableError(
            "YouTube is having trouble; will try again.", code="platform_down", **kwargs
        )
    raise PermanentError(
        f"YouTube refused the video: {said or reason} ({reason or status}).",
        code="rejected",
        **kwargs,
    )
