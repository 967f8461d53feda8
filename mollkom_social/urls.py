from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from accounts.api.views import SocialConnectApi
from accounts.views import connect_callback, connect_choose
from content_ai.api.urls import urlpatterns as content_ai_urls
from mollkom_social.api.errors import error_response
from mollkom_social.health import healthz
from publishing.api.views import (
    SocialPublishApi,
    SocialPublishDetailApi,
    SocialPublishRetryApi,
    SocialPublishUnpublishApi,
)
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
    path(
        "openapi.json",
        SpectacularAPIView.as_view(
            authentication_classes=[], permission_classes=[], throttle_classes=[]
        ),
        name="schema",
    ),
    *webhook_urls,
    *content_ai_urls,
    # Everything else under the API answers in the API's error shape, never HTML.
    re_path(r"^(?P<rest>.*)$", api_not_found),
]

urlpatterns = [
    path("functions/v1/", include(api_v1)),
    path("docs/", SpectacularRedocView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
    path("connect/<str:platform>/callback", connect_callback, name="connect-callback"),
    path("connect/<str:platform>/choose", connect_choose, name="connect-choose"),
    path("connect/meta/", include("accounts.meta_urls")),
    path("admin/", admin.site.urls),
]
