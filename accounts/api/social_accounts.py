"""The store's connected accounts: list them, disconnect one. Thin views over the services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.social_accounts_serializers import (
    AccountDeleteOutputSerializer,
    AccountDeleteQuerySerializer,
    AccountListOutputSerializer,
    AccountListQuerySerializer,
)
from accounts.models import Store
from accounts.selectors import account_detail, social_account_get, social_accounts_list
from accounts.services import social_account_remove
from mollkom_social.api.auth import request_api_key
from mollkom_social.api.errors import ApiError
from mollkom_social.api.schema import error_response, errors

TAGS = ["accounts"]


def _store(request: Request, store_id: Any) -> Store:
    """The API key's store; a store_id naming another store is a 403."""
    store = request_api_key(request).store
    if store_id is not None and str(store_id) != str(store.pk):
        raise ApiError("forbidden", "store_id is not the API key's store.", http_status=403)
    return store


class SocialAccountsApi(APIView):
    @extend_schema(
        parameters=[AccountListQuerySerializer],
        responses={200: AccountListOutputSerializer, **errors(400, 403)},
        summary="The store's connected accounts (never their tokens)",
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        query = AccountListQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        store = _store(request, params.get("store_id"))
        accounts = social_accounts_list(
            store=store, include_disconnected=params["include_disconnected"]
        )
        return Response({"success": True, "accounts": [account_detail(a) for a in accounts]})


class SocialAccountDetailApi(APIView):
    @extend_schema(
        parameters=[
            AccountDeleteQuerySerializer,
            OpenApiParameter("account_id", int, OpenApiParameter.PATH),
        ],
        responses={
            200: AccountDeleteOutputSerializer,
            **errors(400, 403, 404),
            409: error_response(409, "`already_disconnected`: the account is disconnected."),
        },
        summary="Disconnect an account, revoke its tokens, cancel its scheduled posts",
        tags=TAGS,
    )
    def delete(self, request: Request, account_id: str) -> Response:
        query = AccountDeleteQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        store = _store(request, query.validated_data.get("store_id"))
        account = None
        # Ids are positive 64-bit integers: anything else names no account.
        if account_id.isascii() and account_id.isdigit() and len(account_id) <= 18:
            account = social_account_get(store=store, account_id=int(account_id))
        if account is None:
            raise ApiError("not_found", "No such account.", http_status=404)
        removal = social_account_remove(account=account)
        if removal is None:
            raise ApiError(
                "already_disconnected", "The account is already disconnected.", http_status=409
            )
        return Response(
            {
                "success": True,
                "message": "Account disconnected",
                "account": account_detail(removal.account),
                "revocation": removal.revocation.as_json(),
                "cancelled_targets": removal.cancelled_targets,
            }
        )
