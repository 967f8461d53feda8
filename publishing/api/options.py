"""The publish request's per-platform `options`: `{"<platform>": {"format": …, "text": …}}`.

`text` replaces `content.text` for that platform; `format` picks one of the platform's
formats (absent: the platform's client infers it from the media). Each platform accepts
only its own keys, so a typo is a 400, not an option silently ignored.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mollkom_social.api.fields import StrictBooleanField, StrictCharField


def _text() -> StrictCharField:
    return StrictCharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=10000,
        help_text="This platform's text, instead of content.text.",
    )  # fmt: skip


class StrictIntegerField(serializers.IntegerField):
    """An integer as JSON writes one: "3", 3.0 and true are refused, not coerced."""

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, int) or isinstance(data, bool):
            raise serializers.ValidationError("Must be an integer.")
        return int(super().to_internal_value(data))


class PlatformOptionsSerializer(serializers.Serializer[Any]):
    text = _text()

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Must be a JSON object."]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({key: ["Unknown option."] for key in unknown})
        return super().to_internal_value(data)


class InstagramOptionsSerializer(PlatformOptionsSerializer):
    format = serializers.ChoiceField(
        choices=["feed", "reel", "story"], required=False,
        help_text="Absent: one video is a Reel; images (with videos mixed in) a Feed post.",
    )  # fmt: skip
    share_to_feed = StrictBooleanField(required=False, help_text="Reels: also show in Feed.")
    cover_url = StrictCharField(required=False, max_length=2048, help_text="Reels: cover image.")


class FacebookOptionsSerializer(PlatformOptionsSerializer):
    format = serializers.ChoiceField(
        choices=["post", "reel"], required=False,
        help_text="Absent: a post (a single video is a video post).",
    )  # fmt: skip


class YouTubeOptionsSerializer(PlatformOptionsSerializer):
    format = serializers.ChoiceField(
        choices=["video", "short"], required=False,
        help_text="Absent: a video. YouTube itself makes a vertical or square video of up to "
        "3 minutes a Short; `short` adds the #Shorts hint and answers a /shorts/ URL.",
    )  # fmt: skip
    title = StrictCharField(
        required=False, max_length=100,
        help_text="Absent: the text's first line, cut to 100 characters.",
    )  # fmt: skip
    tags = serializers.ListField(
        child=StrictCharField(max_length=500), required=False, max_length=500,
        help_text="Keywords; together at most 500 characters as YouTube counts them.",
    )  # fmt: skip
    privacy = serializers.ChoiceField(
        choices=["public", "unlisted", "private"], required=False, help_text="Absent: public."
    )
    made_for_kids = StrictBooleanField(required=False, help_text="Absent: false.")


class TikTokOptionsSerializer(PlatformOptionsSerializer):
    privacy_level = serializers.ChoiceField(
        choices=["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"],
        required=False,
        help_text="TikTok's privacy_level; must be one the account offers. Absent: SELF_ONLY "
        "(TikTok forbids defaulting to public).",
    )
    disable_comment = StrictBooleanField(required=False, help_text="Absent: false.")
    disable_duet = StrictBooleanField(required=False, help_text="Videos only. Absent: false.")
    disable_stitch = StrictBooleanField(required=False, help_text="Videos only. Absent: false.")
    photo_cover_index = StrictIntegerField(
        required=False, min_value=0, max_value=34,
        help_text="Photo posts: which photo (from 0) is the cover. Absent: 0.",
    )  # fmt: skip


PLATFORM_OPTIONS: dict[str, type[PlatformOptionsSerializer]] = {
    "instagram": InstagramOptionsSerializer,
    "facebook": FacebookOptionsSerializer,
    "x": PlatformOptionsSerializer,
    "threads": PlatformOptionsSerializer,
    "tiktok": TikTokOptionsSerializer,
    "youtube": YouTubeOptionsSerializer,
}


@extend_schema_field(OpenApiTypes.OBJECT)
class OptionsField(serializers.Field[dict[str, dict[str, Any]], Any, Any, Any]):
    """A JSON object from platform slug to that platform's options."""

    def to_internal_value(self, data: Any) -> dict[str, dict[str, Any]]:
        if not isinstance(data, dict):
            raise serializers.ValidationError("Must be a JSON object keyed by platform.")
        cleaned: dict[str, dict[str, Any]] = {}
        errors: dict[str, Any] = {}
        for platform, options in data.items():
            serializer_class = PLATFORM_OPTIONS.get(platform)
            if serializer_class is None:
                errors[platform] = ["Not a platform."]
                continue
            serializer = serializer_class(data=options)
            if serializer.is_valid():
                cleaned[platform] = dict(serializer.validated_data)
            else:
                errors[platform] = serializer.errors
        if errors:
            raise serializers.ValidationError(errors)
        return cleaned

    def to_representation(self, value: dict[str, dict[str, Any]]) -> Any:
        return value
