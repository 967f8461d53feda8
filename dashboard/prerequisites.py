"""What each platform asks of the merchant's account before we can publish to it, in a sentence
or two, shown where they connect it. The facts are PLATFORMS.md's; some depend on how this
deployment is set up (which Instagram login, whether TikTok and Google have audited our apps)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _


def _instagram() -> list[str]:
    if settings.INSTAGRAM_LOGIN == "facebook":
        account = _(
            "A professional Instagram account (Business or Creator) linked to a Facebook Page "
            "you manage."
        )
    else:
        account = _("A professional Instagram account (Business or Creator).")
    return [account, _("Every post needs an image or a video.")]


def _facebook() -> list[str]:
    return [_("A Facebook Page you can post on; personal profiles cannot be published to.")]


def _x() -> list[str]:
    return [_("Any X account.")]


def _tiktok() -> list[str]:
    if settings.TIKTOK_APP_AUDITED:
        audience = _("Posts go out visible only to you unless another audience is chosen.")
    else:
        audience = _(
            "Until TikTok audits our app, the account must be private and posts are visible "
            "only to you."
        )
    return [audience, _("Every post needs a video or photos.")]


def _threads() -> list[str]:
    return [_("A Threads profile.")]


def _youtube() -> list[str]:
    needs = [_("A YouTube channel. Every post is a video.")]
    if not settings.YOUTUBE_APP_AUDITED:
        needs.append(_("Until Google audits our app, uploads are private: only you see them."))
    return needs


PREREQUISITES = {
    "instagram": _instagram,
    "facebook": _facebook,
    "x": _x,
    "tiktok": _tiktok,
    "threads": _threads,
    "youtube": _youtube,
}


def platform_prerequisites(platform: str) -> list[str]:
    """The platform's requirements, in the page's language."""
    found = PREREQUISITES.get(platform)
    return found() if found else []
