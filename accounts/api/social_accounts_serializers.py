"""Input and output shapes of the accounts API: they validate and shape, nothing more."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import Platform, SocialAccount
from accounts.revoke import NO_TOKEN, NOT_OFFERED, REVOKED, SKIPPED, UNCONFIRMED
from mollkom_social.api.fields import NoUnknownFieldsMixin


class _StrictQuery(NoUnknownFieldsMixin, serializers.Serializer[Any]):
    """Query parameters; unknown ones are refused like unknown fields, so a typo is a 400."""

    def to_internal_value(self, data: Any) -> Any:
        self.validate_unknown(data)
        return super().to_internal_value(data)


class AccountListQuerySerializer(_StrictQuery):
    store_id = serializers.UUIDField(required=False)
    # Exactly "true" or "false": a query string has no booleans, and "1"/"yes" would be guesses.
    include_disconnected = serializers.ChoiceField(
        choices=["true", "false"], required=False, default="false"
    )

    def validate_include_disconnected(self, value: str) -> bool:
        return value == "true"


class AccountDeleteQuerySerializer(_StrictQuery):
    store_id = serializers.UUIDField(required=False)


class AccountOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=Platform.values)
    account_id = serializers.CharField(help_text="The account's id at the platform.")
    handle = serializers.CharField()
    status = serializers.ChoiceField(choices=SocialAccount.Status.choices)
    status_reason = serializers.CharField(allow_null=True)
    token_expires_at = serializers.DateTimeField(allow_null=True)
    login_kind = serializers.ChoiceField(
        choices=["facebook", "instagram"],
        allow_null=True,
        help_text="Instagram only: connected through Facebook Login or Instagram Login.",
    )
    connected_at = serializers.DateTimeField()


class AccountListOutputSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    accounts = AccountOutputSerializer(many=True)


class RevocationOutputSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=[REVOKED, NOT_OFFERED, SKIPPED, UNCONFIRMED, NO_TOKEN])
    message = serializers.CharField()


class AccountDeleteOutputSerializer(serializers.Serializer[Any]):
    success = serializers.BooleanField()
    message = serializers.CharField()
    account = AccountOutputSerializer()
    revocation = RevocationOutputSerializer()
    cancelled_targets = serializers.IntegerField(
        help_text="Scheduled platforms of posts cancelled because they were to use this account."
    )
