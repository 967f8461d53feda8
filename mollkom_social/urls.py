from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiJsonRenderer2
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from accounts.api.social_accounts import SocialAccountDetailApi, SocialAccountsApi
from accounts.api.views import SocialConnectApi
from accounts.views import connect_callback, connect_choose
from content_ai.api.urls import urlpatterns as content_ai_urls
from dashboard.login import LimitedAuthenticationForm
from dashboard.views.home import root
from dashboard.views.team import invitation
from mollkom_social.api import schema as _schema  # noqa: F401 (registers the API key scheme)
from mollkom_social.api.errors import error_response
from mollkom_social.health import healthz
from publishing.api.media_uploads import (
    MediaUploadCompleteApi,
    MediaUploadDetailApi,
    MediaUploadsApi,
)
from publishing.api.views import (
    SocialPublishApi,
    SocialPublishDetailApi,
    SocialPublishRetryApi,
    SocialPublishUnpublishApi,
)
from publishing.library.views import library_media
from publishing.media.views import relayed_media
from webhooks.api.urls import urlpatterns as webhook_urls


@csrf_exempt
def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return error_response("not_found", f"No endpoint at {request.path}.", 404)


api_v1 = [
    path("social-connect", SocialConnectApi.as_view(), name="social-connect"),
    path("social-publish", SocialPublishApi.as_view(), name="social-publish"),
    path(
        "social-publish/<str:post_id>/retry",
        SocialPublishRetryApi.as_view(),
        name="social-publish-retry",
    ),
    path(
        "social-publish/<str:post_id>/unpublish",
        SocialPublishUnpublishApi.as_view(),
        name="social-publish-unpublish",
    ),
    path(
        "social-publish/<str:post_id>",
        SocialPublishDetailApi.as_view(),
        name="social-publish-detail",
    ),
    path("media-uploads", MediaUploadsApi.as_view(), name="media-uploads"),
    path(
        "media-uploads/<str:upload_id>/complete",
        MediaUploadCompleteApi.as_view(),
        name="media-upload-complete",
    ),
    path("media-uploads/<str:upload_id>", MediaUploadDetailApi.as_view(), name="media-upload"),
    path("social-accounts", SocialAccountsApi.as_view(), name="social-accounts"),
    path(
        "social-accounts/<str:account_id>",
        SocialAccountDetailApi.as_view(),
        name="social-account-detail",
    ),
    path(
        "openapi.json",
        # JSON, as the path says (the default view answers YAML unless asked), and as
        # application/json unless the client asks for OpenAPI's own JSON media type.
        SpectacularAPIView.as_view(
            renderer_classes=[OpenApiJsonRenderer2, OpenApiJsonRenderer],
            authentication_classes=[],
            permission_classes=[],
            throttle_classes=[],
        ),
        name="schema",
    ),
    *webhook_urls,
    *content_ai_urls,
    # Everything else under the API answers in the API's error shape, never HTML.
    re_path(r"^(?P<rest>.*)$", api_not_found),
]

urlpatterns = [
    path("", root, name="root"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LimitedAuthenticationForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("invites/<str:token>/", invitation, name="invitation"),
    path("", include("dashboard.urls")),
    path("functions/v1/", include(api_v1)),
    path(
        "docs/",
        SpectacularRedocView.as_view(url_name="schema", template_name="dashboard/api_docs.html"),
        name="api-docs",
    ),
    path("healthz", healthz, name="healthz"),
    # Converted images that Instagram and TikTok pull (publishing/media/relay.py).
    path("media/relay/<str:name>", relayed_media, name="media-relay"),
    # Photos and videos merchants uploaded to their media library (publishing/library/).
    path("media/library/<str:name>", library_media, name="media-library"),
    path("connect/<str:platform>/callback", connect_callback, name="connect-callback"),
    path("connect/<str:platform>/choose", connect_choose, name="connect-choose"),
    path("connect/meta/", include("accounts.meta_urls")),
    path("admin/", admin.site.urls),
]
