from __future__ import annotations

from django.urls import path

from accounts import meta_views

urlpatterns = [
    path("deauthorize", meta_views.deauthorize, name="meta-deauthorize"),
    path("data-deletion", meta_views.data_deletion, name="meta-data-deletion"),
    path(
        "data-deletion/<str:code>",
        meta_views.data_deletion_status,
        name="meta-data-deletion-status",
    ),
]
