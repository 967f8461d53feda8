"""The webhooks API's routes, spliced into mollkom_social.urls' api_v1 list."""

from __future__ import annotations

from django.urls import path

from webhooks.api.views import WebhookDetailApi, WebhooksApi, WebhookTestApi

urlpatterns = [
    path("webhooks", WebhooksApi.as_view(), name="webhooks"),
    path("webhooks/<str:webhook_id>", WebhookDetailApi.as_view(), name="webhook-detail"),
    path("webhooks/<str:webhook_id>/test", WebhookTestApi.as_view(), name="webhook-test"),
]
