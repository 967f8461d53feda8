"""X's request rules, checked the way X checks them (spec v2.167 + PLATFORMS.md section 3).

Kept apart from ``x.py`` so the routes read as a story and the rules as a table. Messages use
the JSON-path style of X's ``errors[].message`` (``$.media.media_ids: ...``).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from twitter_text import parse_tweet

MAX_WEIGHTED_LENGTH = 280
_NUMERIC_ID = re.compile(r"[0-9]{1,19}")
_REPLY_SETTINGS = ("following", "mentionedUsers", "subscribers", "verified")
MEDIA_CATEGORIES = (
    "tweet_image",
    "tweet_video",
    "tweet_gif",
    "dm_image",
    "dm_video",
    "dm_gif",
    "subtitles",
)
# One-shot upload size limits per media kind (PLATFORMS.md 3.3).
_MAX_BYTES = {"image": 5 * 1024 * 1024, "gif": 15 * 1024 * 1024, "video": 512 * 1024 * 1024}


def is_numeric_id(value: Any) -> bool:
    return isinstance(value, str) and _NUMERIC_ID.fullmatch(value) is not None


def media_kind(category: str) -> str:
    """``tweet_image`` → ``image``; ``subtitles`` stays ``subtitles``."""
    return category.rpartition("_")[2]


# --- A tiny schema checker for CreatePostsRequest --------------------------------------
# The server cannot load the OpenAPI file at run time (it lives outside the project), so the
# parts of the schema that matter are restated here; the tests check them against the spec.

Check = Callable[[Any, str], list[str]]


def _typed(kind: type, name: str) -> Check:
    def check(value: Any, path: str) -> list[str]:
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        return [] if ok else [f"{path}: {_kind_of(value)} found, {name} expected"]

    return check


def _kind_of(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}
    return names.get(type(value), "object" if isinstance(value, dict) else "null")


def _numeric_id(value: Any, path: str) -> list[str]:
    return (
        []
        if is_numeric_id(value)
        else [f"{path}: does not match the regex pattern ^[0-9]{{1,19}}$"]
    )


def _enum(*options: str) -> Check:
    def check(value: Any, path: str) -> list[str]:
        return (
            []
            if value in options
            else [f"{path}: does not have a value in the enumeration {list(options)}"]
        )

    return check


def _integer(low: int, high: int) -> Check:
    def check(value: Any, path: str) -> list[str]:
        if errors := _typed(int, "integer")(value, path):
            return errors
        return [] if low <= value <= high else [f"{path}: must be between {low} and {high}"]

    return check


def _string(min_length: int, max_length: int) -> Check:
    def check(value: Any, path: str) -> list[str]:
        if errors := _typed(str, "string")(value, path):
            return errors
        ok = min_length <= len(value) <= max_length
        return [] if ok else [f"{path}: length must be between {min_length} and {max_length}"]

    return check


def _array(item: Check, min_items: int = 0, max_items: int | None = None) -> Check:
    def check(value: Any, path: str) -> list[str]:
        if not isinstance(value, list):
            return [f"{path}: {_kind_of(value)} found, array expected"]
        if len(value) < min_items:
            return [f"{path}: expected at least {min_items} items but found {len(value)}"]
        if max_items is not None and len(value) > max_items:
            return [f"{path}: expected at most {max_items} items but found {len(value)}"]
        return [error for i, v in enumerate(value) for error in item(v, f"{path}[{i}]")]

    return check


def _object(properties: dict[str, Check], required: tuple[str, ...] = ()) -> Check:
    """An object with ``additionalProperties: false``, as every CreatePosts* schema is."""

    def check(value: Any, path: str) -> list[str]:
        if not isinstance(value, dict):
            return [f"{path}: {_kind_of(value)} found, object expected"]
        errors = [
            f"{path}.{key}: is not defined in the schema and the schema does not allow"
            " additional properties"
            for key in value
            if key not in properties
        ]
        errors += [
            f"{path}.{key}: is missing but it is required" for key in required if key not in value
        ]
        for key, item in value.items():
            if key in properties:
                errors += properties[key](item, f"{path}.{key}")
        return errors

    return check


_STRING, _BOOLEAN = _typed(str, "string"), _typed(bool, "boolean")
# One check per property of CreatePostsRequest; the tests compare the names with the spec.
CREATE_POST_PROPERTIES: dict[str, Check] = {
    "card_uri": _STRING,
    "community_id": _numeric_id,
    "direct_message_deep_link": _STRING,
    "edit_options": _object({"previous_post_id": _numeric_id}, ("previous_post_id",)),
    "for_super_followers_only": _BOOLEAN,
    "geo": _object({"place_id": _STRING}, ("place_id",)),
    "made_with_ai": _BOOLEAN,
    "media": _object(
        {
            "call_to_actions": _typed(dict, "object"),
            "description": _STRING,
            "embeddable": _BOOLEAN,
            "media_ids": _array(_numeric_id, 1, 4),
            "preview_media_id": _numeric_id,
            "tagged_user_ids": _array(_numeric_id, 0, 10),
            "title": _STRING,
        },
        ("media_ids",),
    ),
    "nullcast": _BOOLEAN,
    "paid_partnership": _BOOLEAN,
    "poll": _object(
        {
            "duration_minutes": _integer(5, 10080),
            "options": _array(_string(1, 25), 2, 4),
            "reply_settings": _enum(*_REPLY_SETTINGS),
        },
        ("options", "duration_minutes"),
    ),
    "quote_tweet_id": _numeric_id,
    "reply": _object(
        {
            "auto_populate_reply_metadata": _BOOLEAN,
            "exclude_reply_user_ids": _array(_STRING),
            "in_reply_to_tweet_id": _numeric_id,
        },
        ("in_reply_to_tweet_id",),
    ),
    "reply_settings": _enum(*_REPLY_SETTINGS),
    "share_with_followers": _BOOLEAN,
    "text": _STRING,
}
CREATE_POST = _object(CREATE_POST_PROPERTIES)
# At most one attachment kind per post (PLATFORMS.md 3.2).
_EXCLUSIVE = ("media", "poll", "quote_tweet_id", "card_uri")


def check_create_post(body: dict[str, Any]) -> list[str]:
    """Every reason X would answer 400 to this ``POST /2/tweets`` body (empty = acceptable)."""
    if errors := CREATE_POST(body, "$"):
        return errors
    text = body.get("text", "")
    if not text.strip() and "media" not in body:
        return ["$.text: text is required unless media is attached"]
    if (weight := parse_tweet(text).weightedLength) > MAX_WEIGHTED_LENGTH:
        return [f"$.text: weighted length {weight} exceeds {MAX_WEIGHTED_LENGTH}"]
    if len(attached := [key for key in _EXCLUSIVE if key in body]) > 1:
        return [f"$: {', '.join(attached)} are mutually exclusive"]
    return []


def check_media_mix(categories: list[str]) -> str | None:
    """Up to 4 photos, or 1 GIF, or 1 video; DM media and subtitles are not post media."""
    kinds = [media_kind(c) for c in categories]
    if any(not c.startswith("tweet_") for c in categories):
        return "Only tweet_image, tweet_gif and tweet_video media can be attached to a post."
    if len(kinds) > 1 and any(k != "image" for k in kinds):
        return "A post can carry up to 4 images, or 1 GIF, or 1 video."
    return None


# --- Media upload ---------------------------------------------------------------------

_UPLOAD_FIELDS = ("media", "media_category", "additional_owners")


def check_media_upload(fields: dict[str, Any], data: bytes) -> list[str]:
    """Reasons X would answer 400 to a one-shot ``POST /2/media/upload`` (MediaUploadRequest)."""
    errors = [
        f"$.{key}: is not defined in the schema and the schema does not allow additional properties"
        for key in fields
        if key not in _UPLOAD_FIELDS
    ]
    errors += [
        f"$.{key}: is missing but it is required" for key in _UPLOAD_FIELDS[:2] if key not in fields
    ]
    if errors:
        return errors
    category = fields["media_category"]
    if category not in MEDIA_CATEGORIES:
        return [
            f"$.media_category: does not have a value in the enumeration {list(MEDIA_CATEGORIES)}"
        ]
    if not data:
        return ["$.media: the media file is empty"]
    limit = _MAX_BYTES.get(media_kind(category))
    if limit is not None and len(data) > limit:
        return [f"$.media: {len(data)} bytes exceeds the {limit} byte limit for {category}"]
    return []


# --- Timeline query (GET /2/users/{id}/tweets) ----------------------------------------


@dataclass
class TimelineQuery:
    max_results: int = 10
    start_time: datetime | None = None
    end_time: datetime | None = None
    since_id: int | None = None
    until_id: int | None = None
    after_id: int | None = None  # from pagination_token: posts older than this one
    exclude_replies: bool = False
    fields: set[str] = field(default_factory=set)

    def accepts(self, post: dict[str, Any]) -> bool:
        post_id, created = int(post["id"]), datetime.fromisoformat(post["created_at"])
        return not (
            (self.start_time is not None and created < self.start_time)
            or (self.end_time is not None and created > self.end_time)
            or (self.since_id is not None and post_id <= self.since_id)
            or (self.until_id is not None and post_id >= self.until_id)
            or (self.after_id is not None and post_id >= self.after_id)
            or (self.exclude_replies and post.get("in_reply_to_tweet_id"))
        )


# What GET /2/users/{id}/tweets declares (spec v2.167), in its order, as X lists them when it
# refuses another (``tweet.fields`` among them: the spec names that field list post.fields).
TIMELINE_PARAMETERS = (
    "id", "max_results", "pagination_token", "start_time", "end_time", "since_id", "until_id",
    "exclude", "post.fields", "expansions", "user.fields", "media.fields", "poll.fields",
    "place.fields",
)  # fmt: skip


def parse_timeline_query(
    user_id: str, query: dict[str, list[str]]
) -> tuple[TimelineQuery, list[str]]:
    parsed, errors = TimelineQuery(), []
    arg = {name: values[0] for name, values in query.items() if values}
    if not is_numeric_id(user_id):
        errors.append(f"The `id` query parameter value [{user_id}] does not match ^[0-9]{{1,19}}$")
    if "max_results" in arg:
        value = arg["max_results"]
        if not value.isdigit() or not 5 <= int(value) <= 100:
            errors.append(
                f"The `max_results` query parameter value [{value}] is not between 5 and 100"
            )
        else:
            parsed.max_results = int(value)
    for name in ("start_time", "end_time"):
        if name in arg:
            moment = _rfc3339(arg[name])
            if moment is None:
                errors.append(
                    f"Invalid '{name}':'{arg[name]}'. '{name}' must be a RFC 3339 date-time"
                )
            setattr(parsed, name, moment)
    for name in ("since_id", "until_id"):
        if name in arg:
            if is_numeric_id(arg[name]):
                setattr(parsed, name, int(arg[name]))
            else:
                errors.append(f"The `{name}` query parameter value [{arg[name]}] is not valid")
    if (token := arg.get("pagination_token")) is not None:
        parsed.after_id = _from_token(token)
        if parsed.after_id is None:
            errors.append(f"The `pagination_token` query parameter value [{token}] is not valid")
    parsed.exclude_replies = "replies" in arg.get("exclude", "").split(",")
    parsed.fields.update(f for f in arg.get("post.fields", "").split(",") if f)
    return parsed, errors


def _rfc3339(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None  # RFC 3339 requires an offset


def pagination_token(last_id: str) -> str:
    """Opaque base32hex token, like X's, naming the last post of the page."""
    return base64.b32hexencode(int(last_id).to_bytes(8, "big")).decode().rstrip("=").lower()


def _from_token(token: str) -> int | None:
    padded = token.upper() + "=" * (-len(token) % 8)
    try:
        raw = base64.b32hexdecode(padded)
    except (binascii.Error, ValueError):
        return None
    return int.from_bytes(raw, "big") if len(raw) == 8 else None


# --- Chunked upload (initialize / append / finalize) ----------------------------------

_INIT_FIELDS = ("additional_owners", "media_category", "media_type", "shared", "total_bytes")
INIT_MEDIA_TYPES = (
    "video/mp4", "video/webm", "video/mp2t", "video/quicktime", "text/srt", "text/vtt",
    "image/jpeg", "image/gif", "image/bmp", "image/png", "image/webp", "image/pjpeg",
    "image/tiff", "model/gltf-binary", "model/vnd.usdz+zip",
)  # fmt: skip
_INIT_CATEGORIES = ("amplify_video", *MEDIA_CATEGORIES)
MAX_SEGMENT_INDEX = 999
# What each kind of post media must be: a GIF sent as a video (or the reverse) is a client bug.
_CATEGORY_TYPES = {"gif": "image/gif", "video": "video/", "image": "image/"}


def check_initialize(body: dict[str, Any]) -> list[str]:
    """Reasons X would answer 400 to ``POST /2/media/upload/initialize``."""
    errors = [
        f"$.{key}: is not defined in the schema and the schema does not allow additional properties"
        for key in body
        if key not in _INIT_FIELDS
    ]
    # The spec marks nothing required, but no upload can start without these three.
    errors += [
        f"$.{key}: is missing but it is required"
        for key in ("media_type", "total_bytes", "media_category")
        if key not in body
    ]
    if errors:
        return errors
    errors += _enum(*INIT_MEDIA_TYPES)(body["media_type"], "$.media_type")
    errors += _enum(*_INIT_CATEGORIES)(body["media_category"], "$.media_category")
    errors += _integer(1, 17179869184)(body["total_bytes"], "$.total_bytes")
    if errors:
        return errors
    limit = _MAX_BYTES.get(media_kind(body["media_category"]))
    if limit is not None and body["total_bytes"] > limit:
        return [f"$.total_bytes: {body['total_bytes']} exceeds the {limit} byte limit"]
    wanted = _CATEGORY_TYPES.get(media_kind(body["media_category"]))
    if wanted is not None and not body["media_type"].startswith(wanted):
        return [f"$.media_type: {body['media_category']} takes {wanted}, not {body['media_type']}"]
    return []


def check_append(fields: dict[str, Any], data: bytes) -> tuple[int, list[str]]:
    """The segment index of ``POST /2/media/upload/{id}/append``, or X's 400 reasons."""
    errors = [
        f"$.{key}: is not defined in the schema and the schema does not allow additional properties"
        for key in fields
        if key not in ("media", "segment_index")
    ]
    raw = str(fields.get("segment_index", ""))
    if not raw.isdigit() or int(raw) > MAX_SEGMENT_INDEX:
        errors.append(f"$.segment_index: must be an integer between 0 and {MAX_SEGMENT_INDEX}")
    if not data:
        errors.append("$.media: the media chunk is empty")
    return (int(raw) if raw.isdigit() else -1), errors
