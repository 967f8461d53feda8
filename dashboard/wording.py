"""The dashboard's own sentences for the platforms' rule violations, in the page's language.

The platform rule modules answer a code and an English message (the API's words). The
dashboard translates by the code, never by the English text: each known code has a sentence
here, with its numbers worked out from the content and the platform's limits. A code not
listed keeps the platform module's English message, shown as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from dashboard.templatetags.dashboard import PLATFORM_LABELS
from publishing.platforms import facebook_rules, instagram_rules, tiktok_rules
from publishing.platforms import x as x_platform
from publishing.platforms.base import Content
from publishing.platforms.threads import MAX_CAROUSEL_ITEMS as THREADS_MAX_MEDIA
from publishing.platforms.threads import MAX_LINKS as THREADS_MAX_LINKS
from publishing.platforms.video_rules import VIDEO_CODES


@dataclass(frozen=True)
class Problem:
    """A rule violation as the merchant reads it: ``text`` in the page's language, and
    ``original`` (the platform module's English, quoted beside it) for a code the dashboard
    does not know or whose details only the English has."""

    code: str
    text: str = ""
    original: str = ""


def _media_count(platform: str) -> str:
    if platform == "instagram":
        return _(
            "Instagram takes one to %(carousel)s images or videos in a feed post, one video in "
            "a Reel, and one image or video in a Story."
        ) % {"carousel": instagram_rules.MAX_CAROUSEL_ITEMS}
    if platform == "facebook":
        return _(
            "A Facebook post takes up to %(photos)s images, or one video alone; a Reel is one "
            "video."
        ) % {"photos": facebook_rules.MAX_PHOTOS}
    if platform == "tiktok":
        return _("TikTok takes one video, or %(low)s to %(high)s photos, not both.") % {
            "low": tiktok_rules.MIN_PHOTOS,
            "high": tiktok_rules.MAX_PHOTOS,
        }
    if platform == "youtube":
        return _("YouTube takes exactly one video.")
    return _("%(platform)s does not take this number or mix of images and videos.") % {
        "platform": PLATFORM_LABELS.get(platform, platform)
    }


def _sentence(platform: str, code: str, content: Content, counters: dict[str, Any]) -> str:
    name = PLATFORM_LABELS.get(platform, platform)
    images = sum(1 for m in content.media if m.type == "image")
    text = counters.get("text")
    if code in ("text_required", "empty"):
        if platform == "youtube":
            return _("YouTube needs a title: write a text.")
        return _("%(platform)s needs a text, a link, or an image or video.") % {"platform": name}
    if code == "missing_title":
        return _("YouTube needs a title: write a text.")
    if code == "text_too_long" and platform == "youtube" and "description" in counters:
        used, limit = counters["description"]
        return _(
            "The description is %(used)s bytes as YouTube counts them; the limit is %(limit)s."
        ) % {"used": used, "limit": limit}
    if code == "text_too_long" and text:
        used, limit = text
        return _(
            "%(platform)s counts this text as %(used)s characters; the limit is %(limit)s."
        ) % {"platform": name, "used": used, "limit": limit}
    if code == "title_too_long" and "title" in counters:
        used, limit = counters["title"]
        return _("The title is %(used)s characters; YouTube takes at most %(limit)s.") % {
            "used": used,
            "limit": limit,
        }
    if code == "media_count":
        return _media_count(platform)
    if code == "too_many_images":
        return _("X takes at most %(limit)s images in a post; this post has %(count)s.") % {
            "limit": x_platform.MAX_IMAGES,
            "count": images,
        }
    if code == "too_many_media":
        return _(
            "%(platform)s takes at most %(limit)s images and videos in a post; this post has "
            "%(count)s."
        ) % {"platform": name, "limit": THREADS_MAX_MEDIA, "count": len(content.media)}
    if code == "video_alone":
        return _("X takes one video per post, without images.")
    if code == "gif_alone":
        return _("An animated GIF must be the only image in an X post.")
    if code == "too_many_links":
        return _("Threads takes at most %(limit)s different links in a post.") % {
            "limit": THREADS_MAX_LINKS
        }
    if code == "too_many_hashtags":
        return _("Instagram takes at most %(limit)s hashtags in a caption.") % {
            "limit": instagram_rules.MAX_HASHTAGS
        }
    if code == "too_many_mentions":
        return _("Instagram takes at most %(limit)s @-mentions in a caption.") % {
            "limit": instagram_rules.MAX_MENTIONS
        }
    if code == "invalid_characters":
        return _("YouTube titles and descriptions may not contain < or >.")
    if code == "unsupported_media":
        return _("%(platform)s takes images and videos only.") % {"platform": name}
    if code in VIDEO_CODES:
        return _(
            "The video does not meet %(platform)s's rules for its length, size, dimensions or "
            "format."
        ) % {"platform": name}
    if code in ("unknown_format", "unknown_option", "invalid_option", "option_not_for_format"):
        return _("This format or option is not one %(platform)s takes.") % {"platform": name}
    return ""


def rule_problem(
    platform: str, code: str, message: str, content: Content, counters: dict[str, Any]
) -> Problem:
    """The merchant's sentence for one violation; ``counters`` maps a counted thing ("text",
    "title", "description") to (used, limit) as the preview counted it."""
    text = _sentence(platform, code, content, counters)
    # A video's measurements (its length, its size) are only in the probe's English words:
    # they stay beside our sentence, quoted.
    keep = not text or code in VIDEO_CODES
    return Problem(code=code, text=text, original=message if keep else "")


def api_error_sentence(code: str) -> str:
    """The merchant's sentence for a publish API error code; empty for an unknown code."""
    sentences = {
        "platform_rules": _("The post does not meet the rules of these platforms:"),
        "validation_error": _("Some of the post's details need correcting:"),
        "account_needs_reconnect": _(
            "An account's connection has expired: reconnect it on the accounts page."
        ),
        "forbidden": _("This store cannot publish this post."),
        "idempotency_in_progress": _("This post is already being sent; wait a moment."),
        "idempotency_key_reused": _("This form was already sent with other content: reload it."),
        "outcome_unknown": _(
            "We could not confirm the post was saved: look for it in the posts before sending "
            "it again."
        ),
        "not_found": _("Something the post refers to was not found."),
    }
    return sentences.get(code, "")


# The publish API's own field checks, by field and the check's code.
_FIELD_SENTENCES = {
    ("schedule_at", "in_the_past"): lambda: _(
        "The time to publish has passed: choose a later one."
    ),
    ("schedule_at", "too_far_ahead"): lambda: _("The time to publish is too far ahead."),
    ("link", "not_http_url"): lambda: _("The link must start with https:// or http://."),
}


def field_problem(field: str, code: str, message: str) -> Problem:
    sentence = _FIELD_SENTENCES.get((field, code))
    if sentence is not None:
        return Problem(code=code, text=sentence())
    return Problem(code=code, original=f"{field}: {message}")


def connect_error_sentence(code: str, platform: str) -> str:
    """Why connecting an account failed, by the connect flow's error code (the one it puts
    in the store's redirect, or a ConnectError's); a general sentence for any other code,
    such as an OAuth error the platform sent."""
    name = PLATFORM_LABELS.get(platform, platform)
    again = _("%(platform)s could not be connected: start connecting it again.")
    sentences = {
        "invalid_state": again,
        "state_used": again,
        "state_expired": _(
            "Connecting %(platform)s took too long and expired: start connecting it again."
        ),
        "choice_used": again,
        "choice_expired": _(
            "Connecting %(platform)s took too long and expired: start connecting it again."
        ),
        "invalid_choice": _("Choose one of the accounts offered to connect %(platform)s."),
        "browser_mismatch": _(
            "Connecting %(platform)s must be finished in the browser that started it."
        ),
        "no_publishable_account": _(
            "No %(platform)s account that can publish was shared: allow access to one and "
            "connect again."
        ),
        "no_channel": _("This Google account has no YouTube channel to publish to."),
        "identity_not_found": _("%(platform)s did not say which account was connected: try again."),
        "platform_not_configured": _(
            "Connecting %(platform)s is not set up on this service yet: contact support."
        ),
        "platform_not_supported": _(
            "Connecting %(platform)s is not set up on this service yet: contact support."
        ),
        "forbidden": _("Only the store's owners can connect accounts."),
    }
    sentence = sentences.get(
        code,
        _("%(platform)s could not be connected. Try again; if it keeps failing, contact support."),
    )
    return sentence % {"platform": name}
