"""Where each platform's API lives when the sandbox at `base_url` stands in for it."""

from __future__ import annotations


def platform_urls(base_url: str) -> dict[str, str]:
    """Settings (and environment variables) pointing every platform at the sandbox."""
    return {
        "SANDBOX_URL": base_url,
        "X_API_BASE_URL": f"{base_url}/x",
        "X_WEB_BASE_URL": f"{base_url}/x-web",
        "X_AUTHORIZE_URL": f"{base_url}/x-web/i/oauth2/authorize",
        "YOUTUBE_AUTHORIZE_URL": f"{base_url}/youtube-web/o/oauth2/v2/auth",
        "YOUTUBE_TOKEN_URL": f"{base_url}/youtube/token",
        "TIKTOK_AUTHORIZE_URL": f"{base_url}/tiktok-web/v2/auth/authorize/",
        "THREADS_API_BASE_URL": f"{base_url}/threads/v1.0",
        "INSTAGRAM_GRAPH_BASE_URL": f"{base_url}/instagram/fb/v25.0",
        "INSTAGRAM_IG_BASE_URL": f"{base_url}/instagram/ig/v25.0",
        "FACEBOOK_GRAPH_BASE_URL": f"{base_url}/facebook/v25.0",
        "FACEBOOK_VIDEO_BASE_URL": f"{base_url}/facebook/video/v25.0",
        "FACEBOOK_RUPLOAD_BASE_URL": f"{base_url}/facebook/rupload/video-upload/v25.0",
        "YOUTUBE_API_BASE_URL": f"{base_url}/youtube",
        "YOUTUBE_WEB_BASE_URL": f"{base_url}/youtube-web",
        "YOUTUBE_OAUTH_BASE_URL": f"{base_url}/youtube/oauth2",
        "TIKTOK_API_BASE_URL": f"{base_url}/tiktok",
        "TIKTOK_WEB_BASE_URL": f"{base_url}/tiktok-web",
        "FACEBOOK_AUTHORIZE_URL": f"{base_url}/facebook-web/v25.0/dialog/oauth",
        "INSTAGRAM_AUTHORIZE_URL": f"{base_url}/instagram-web/oauth/authorize",
        "INSTAGRAM_TOKEN_URL": f"{base_url}/instagram/api/oauth/access_token",
        "INSTAGRAM_IG_TOKEN_BASE_URL": f"{base_url}/instagram/ig",
        "INSTAGRAM_FACEBOOK_AUTHORIZE_URL": f"{base_url}/instagram-web/fb/v25.0/dialog/oauth",
        "THREADS_AUTHORIZE_URL": f"{base_url}/threads-web/oauth/authorize",
        "THREADS_OAUTH_BASE_URL": f"{base_url}/threads",
    }
