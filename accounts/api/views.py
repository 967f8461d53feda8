"""POST /functions/v1/social-connect: begin connecting a social account to the store."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Platform
from accounts.oauth.backends import ConnectError
from accounts.oauth.flow import connect_start
from mollkom_social.api.auth import request_api_key
from mollkom_social.api.errors import ApiError
from mollkom_social.api.fields import NoUnknownFieldsMixin, StrictCharField, StrictUUIDField


class ConnectInputSerializer(NoUnknownFieldsMixin, serializers.Serializer[Any]):
    platform = serializers.ChoiceField(choices=Platform.values)
    store_id = StrictUUIDField()
    redirect_url = StrictCharField(max_length=2000)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Must be a JSON object."]})
        self.validate_unknown(data)
        return super().to_internal_value(data)


class ConnectOutputSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    auth_url = serializers.CharField()
    state = serializers.CharField()


class SocialConnectApi(APIView):
    @extend_schema(
        request=ConnectInputSerializer,
        responses={200: ConnectOutputSerializer},
        summary="Start connecting a social account: the URL to send the merchant's browser to",
    )
    def post(self, request: Request) -> Response:
        serializer = ConnectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        store = request_api_key(request).store
        if str(data["store_id"]) != str(store.pk):
            raise ApiError("forbidden", "store_id is not the API key's store.", http_status=403)
        try:
            started = connect_start(
                store=store, platform=data["platform"], redirect_url=data["redirect_url"]
            )
        except ConnectError as exc:
            field = "platform" if exc.code.startswith("platform") else "redirect_url"
            raise ApiError(exc.code, exc.message, details={field: [exc.message]}) from None
        return Response({"success": True, "auth_url": started.auth_url, "state": started.state})
