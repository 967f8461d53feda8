"""What drf-spectacular cannot work out by itself about the API, for the schema at
/functions/v1/openapi.json and the docs page (and so for `check --deploy`, which builds it)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "mollkom_social.api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The store's API key: `Authorization: Bearer <key>`.",
        }
