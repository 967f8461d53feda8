"""TikTok's error envelope (PLATFORMS.md 4.5) mapped onto the shared error types.

Every TikTok answer carries ``{"data": …, "error": {"code", "message", "log_id"}}``; success is
``error.code == "ok"``, so a 200 with another code is an error too.
"""

from __future__ import annotations

from typing import Any

import requests

from publishing.platforms.base import (
    AuthError,
    OutcomeUnknownError,
    PermanentError,
    PlatformError,
    RetryableError,
)

_AUTH = frozenset({"access_token_invalid"})
_SCOPE = frozenset({"scope_not_authorized", "scope_permission_missed"})
# Codes that mean "this creator cannot post now": PLATFORMS.md 4.5 says not retryable today,
# and retrying a spam flag only deepens it. The advice says what the merchant can do.
_ADVICE: dict[str, str] = {
    "spam_risk_too_many_posts": "TikTok says this account has posted too much today; "
    "publish again tomorrow.",
    "spam_risk_user_banned_from_posting": "TikTok has banned this account from posting; "
    "check the account in the TikTok app.",
    "reached_active_user_cap": "Our TikTok app reached its daily limit of posting users "
    "(it is not audited yet); try again tomorrow.",
    "unaudited_client_can_only_post_to_private_accounts": "TikTok only lets our app post "
    "to private accounts until it is audited: make the TikTok account private, or wait for the "
    "audit.",
    "privacy_level_option_mismatch": "The privacy level is not one this TikTok account "
    "offers; choose another options.tiktok.privacy_level.",
    "url_ownership_unverified": "TikTok refused to fetch the media from a URL prefix that is "
    "not verified in our TikTok developer portal: verify it there and list it in "
    "TIKTOK_VERIFIED_URL_PREFIXES.",
}


def tiktok_error(response: requests.Response) -> tuple[str, str, str]:
    """``(code, message, log_id)`` from TikTok's envelope; ``("ok", …)`` on success."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return ("ok" if response.status_code < 400 else ""), response.text[:200], ""
    if not isinstance(error, dict):
        return "", str(error)[:200], ""
    return str(error.get("code", "")), str(error.get("message", "")), str(error.get("log_id", ""))


def raise_for_response(response: requests.Response, *, creates: bool = False) -> None:
    """Raise the shared error for a TikTok answer that is not ``error.code == "ok"``."""
    code, said, log_id = tiktok_error(response)
    status = response.status_code
    if status < 400 and code == "ok":
        return
    kwargs: dict[str, Any] = {
        "status_code": status,
        "platform_message": f"{code}: {said}" + (f" (log_id {log_id})" if log_id else ""),
    }
    raise _error_for(code, status, creates, kwargs)


def _error_for(code: str, status: int, creates: bool, kwargs: dict[str, Any]) -> PlatformError:
    if code in _AUTH or (status == 401 and code not in _SCOPE):
        return AuthError(
            "TikTok refused the connection's token; reconnect TikTok.", code="auth", **kwargs
        )
    if code in _SCOPE:
        return AuthError(
            "The TikTok connection lacks the video.publish permission; reconnect TikTok and "
            "allow posting.",
            code="auth",
            **kwargs,
        )
    if code == "rate_limit_exceeded" or status == 429:
        # No reset header is documented (PLATFORMS.md 4.5): the pipeline's backoff decides.
        return RetryableError(
            "TikTok asked to slow down; will try again.", code="rate_limited", **kwargs
        )
    if code in _ADVICE:
        return PermanentError(_ADVICE[code], code="rejected", **kwargs)
    if status >= 500 or code == "internal_error":
        if creates:
            return OutcomeUnknownError(
                "TikTok failed while receiving the video; checking whether it was posted.",
                code="outcome_unknown",
                **kwargs,
            )
        return RetryableError(
            "TikTok is having trouble; will try again.", code="platform_down", **kwargs
        )
    return PermanentError(
        f"TikTok refused the video ({code or status}).", code="rejected", **kwargs
    )


# fail_reason of a FAILED publish (PLATFORMS.md 4.5) → what the merchant can do about it.
FAIL_ADVICE: dict[str, str] = {
    "file_format_check_failed": "TikTok could not read the video: use MP4 (H.264), WebM or MOV.",
    "duration_check_failed": "The video is longer than this TikTok account may post.",
    "frame_rate_check_failed": "TikTok takes videos of 23 to 60 frames per second.",
    "picture_size_check_failed": "TikTok takes videos 360 to 4096 pixels on each side.",
    "internal": "TikTok failed to process the video; publish it again.",
}


# The same reasons for a photo post (PLATFORMS.md 4.4: JPEG or WebP, at most 1080p, 20 MB).
PHOTO_FAIL_ADVICE: dict[str, str] = {
    "file_format_check_failed": "TikTok could not read a photo: use JPEG or WebP images.",
    "picture_size_check_failed": "TikTok takes photos of at most 1080p and 20 MB.",
    "internal": "TikTok failed to process the photos; publish them again.",
}


def failed_publish(fail_reason: str, *, photo: bool = False) -> PermanentError:
    known = {**FAIL_ADVICE, **PHOTO_FAIL_ADVICE} if photo else FAIL_ADVICE
    fallback = (
        "TikTok could not publish the photos." if photo else "TikTok could not publish the video."
    )
    advice = known.get(fail_reason, fallback)
    return PermanentError(
        f"{advice} (TikTok: {fail_reason or 'no reason given'})",
        code="rejected",
        platform_message=f"FAILED: {fail_reason}",
    )
