from __future__ import annotations

from django.urls import path

from content_ai.api.views import ProductBulkApi, ProductDetailApi, SocialGenerateContentApi

urlpatterns = [
    path(
        "social-generate-content",
        SocialGenerateContentApi.as_view(),
        name="social-generate-content",
    ),
    # Before the detail route, which would otherwise take "bulk" as a product id.
    path("products/bulk", ProductBulkApi.as_view(), name="products-bulk"),
    path("products/<str:product_id>", ProductDetailApi.as_view(), name="product-detail"),
]
