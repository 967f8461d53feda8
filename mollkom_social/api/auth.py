"""API authentication: `Authorization: Bearer <api key>`, one key per store."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.models import ApiKey
from accounts.services import api_key_authenticate


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        header = get_authorization_header(request).decode("latin-1").split()
        if not header:
            return None
        if header[0] != self.keyword or len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Use the header 'Authorization: Bearer <api key>'."
            )
        api_key = api_key_authenticate(raw_key=header[1])
        if api_key is None:
            raise exceptions.AuthenticationFailed("The API key is unknown or was revoked.")
        # There is no Django user behind an API key; the key itself is the principal.
        return None, api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class HasApiKey(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, ApiKey):
            raise exceptions.NotAuthenticated(
                "An API key is required: 'Authorization: Bearer <api key>'."
            )
        return True


def request_api_key(request: Request) -> ApiKey:
    assert isinstance(request.auth, ApiKey)
    return request.auth
