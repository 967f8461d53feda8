"""Slug → client. A plain dict: six first-party platforms need no plugin system."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.conf import settings

from publishing.media import fetch_media, open_media
from publishing.media.relay import relay_image, relay_prefix
from publishing.platforms.base import PlatformClient, SearchBudget
from publishing.platforms.facebook import FacebookClient
from publishing.platforms.http import Http, Recorder
from publishing.platforms.instagram import InstagramClient
from publishing.platforms.threads import ThreadsClient
from publishing.platforms.tiktok import TikTokClient
from publishing.platforms.x import XClient
from publishing.platforms.youtube import YouTubeClient


def _x(http: Http) -> PlatformClient:
    return XClient(
        api_base=settings.X_API_BASE_URL,
        web_base=settings.X_WEB_BASE_URL,
        http=http,
        fetch_media=fetch_media,
        # Videos and GIFs stream into a long upload: not the short deadline images get.
        open_media=partial(open_media, deadline_seconds=settings.X_MEDIA_DEADLINE_SECONDS),
        max_processing_wait=settings.X_MEDIA_PROCESSING_WAIT_SECONDS,
    )


def _threads(http: Http) -> PlatformClient:
    return ThreadsClient(
        api_base=settings.THREADS_API_BASE_URL,
        http=http,
        poll_interval=settings.THREADS_CONTAINER_POLL_SECONDS,
        max_wait=settings.THREADS_CONTAINER_WAIT_SECONDS,
    )


def _instagram(http: Http) -> PlatformClient:
    return InstagramClient(
        graph_base=settings.INSTAGRAM_GRAPH_BASE_URL,
        ig_base=settings.INSTAGRAM_IG_BASE_URL,
        http=http,
        poll_interval=settings.INSTAGRAM_CONTAINER_POLL_SECONDS,
        max_wait=settings.INSTAGRAM_CONTAINER_WAIT_SECONDS,
        relay=relay_image,
    )


def _facebook(http: Http) -> PlatformClient:
    return FacebookClient(
        graph_base=settings.FACEBOOK_GRAPH_BASE_URL,
        video_base=settings.FACEBOOK_VIDEO_BASE_URL,
        rupload_base=settings.FACEBOOK_RUPLOAD_BASE_URL,
        http=http,
        poll_interval=settings.FACEBOOK_VIDEO_POLL_SECONDS,
        max_wait=settings.FACEBOOK_VIDEO_WAIT_SECONDS,
    )


def _youtube(http: Http) -> PlatformClient:
    return YouTubeClient(
        api_base=settings.YOUTUBE_API_BASE_URL,
        web_base=settings.YOUTUBE_WEB_BASE_URL,
        http=http,
        open_media=open_media,
        chunk_size=settings.YOUTUBE_UPLOAD_CHUNK_BYTES,
        media_deadline=settings.YOUTUBE_MEDIA_DEADLINE_SECONDS,
    )


def _tiktok(http: Http) -> PlatformClient:
    return TikTokClient(
        api_base=settings.TIKTOK_API_BASE_URL,
        web_base=settings.TIKTOK_WEB_BASE_URL,
        http=http,
        open_media=open_media,
        chunk_size=settings.TIKTOK_UPLOAD_CHUNK_BYTES,
        poll_interval=settings.TIKTOK_STATUS_POLL_SECONDS,
        max_wait=settings.TIKTOK_STATUS_WAIT_SECONDS,
        media_deadline=settings.TIKTOK_MEDIA_DEADLINE_SECONDS,
        verified_prefixes=(*settings.TIKTOK_VERIFIED_URL_PREFIXES, relay_prefix()),
        relay=relay_image,
    )


CLIENTS: dict[str, Callable[[Http], PlatformClient]] = {
    "x": _x,
    "threads": _threads,
    "instagram": _instagram,
    "facebook": _facebook,
    "youtube": _youtube,
    "tiktok": _tiktok,
}


def available_platforms() -> list[str]:
    return list(CLIENTS)


def get_client(slug: str, *, recorder: Recorder | None = None) -> PlatformClient:
    http = Http(timeout=settings.PLATFORM_HTTP_TIMEOUT, recorder=recorder)
    client = CLIENTS[slug](http)
    client.search = SearchBudget(
        max_pages=settings.RECONCILE_SEARCH_MAX_PAGES, seconds=settings.RECONCILE_SEARCH_SECONDS
    )
    return client
