from __future__ import annotations

from django.urls import path

from dashboard.views import calendar, compose, home, posts

app_name = "dashboard"

urlpatterns = [
    path("stores/<uuid:store_id>/", home.overview, name="overview"),
    path("stores/<uuid:store_id>/compose/", compose.compose, name="compose"),
    path("stores/<uuid:store_id>/compose/preview", compose.compose_preview, name="compose-preview"),
    path(
        "stores/<uuid:store_id>/compose/generate",
        compose.compose_generate,
        name="compose-generate",
    ),
    path("stores/<uuid:store_id>/calendar/", calendar.calendar_view, name="calendar"),
    path("stores/<uuid:store_id>/posts/", posts.post_list, name="posts"),
    path("stores/<uuid:store_id>/posts/<uuid:post_id>/", posts.post_detail, name="post"),
    path(
        "stores/<uuid:store_id>/posts/<uuid:post_id>/status",
        posts.post_status,
        name="post-status",
    ),
    path(
        "stores/<uuid:store_id>/posts/<uuid:post_id>/retry",
        posts.post_retry_view,
        name="post-retry",
    ),
    path(
        "stores/<uuid:store_id>/posts/<uuid:post_id>/cancel",
        posts.post_cancel_view,
        name="post-cancel",
    ),
]
