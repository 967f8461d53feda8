"""What the YouTube sandbox checks in a videos.insert request (PLATFORMS.md 6.2, 6.3).

The same limits the client's rules enforce, checked again on the wire, so a client bug shows up
as the error YouTube would send (``invalidTitle`` and friends), not as a video that looks fine.
"""

from __future__ import annotations

from typing import Any

# The Video parts and their writable fields the sandbox knows (the discovery doc's schemas).
SNIPPET_FIELDS = frozenset(
    {"title", "description", "tags", "categoryId", "defaultLanguage", "defaultAudioLanguage"}
)
STATUS_FIELDS = frozenset(
    {"privacyStatus", "publishAt", "selfDeclaredMadeForKids", "embeddable", "license",
     "publicStatsViewable", "containsSyntheticMedia"}
)  # fmt: skip
PRIVACY = ("public", "unlisted", "private")


def _tags_length(tags: list[str]) -> int:
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + max(len(tags) - 1, 0)


def metadata_problem(body: Any, parts: set[str]) -> tuple[str, str] | None:
    """``(reason, message)`` for the first problem in the video resource, or None."""
    if not isinstance(body, dict):
        return "invalidVideoMetadata", "The request metadata is not a video resource."
    if unknown := sorted(set(body) - {"snippet", "status"}):
        return "invalidVideoMetadata", f"Unexpected parts: {', '.join(unknown)}."
    if missing := sorted(set(body) - parts):
        return "invalidVideoMetadata", f"Parts not named in the part parameter: {missing}."
    snippet, status = body.get("snippet") or {}, body.get("status") or {}
    if set(snippet) - SNIPPET_FIELDS or set(status) - STATUS_FIELDS:
        return "invalidVideoMetadata", "The request metadata names unknown fields."
    title, description = snippet.get("title"), snippet.get("description", "")
    if (
        not isinstance(title, str)
        or not title.strip()
        or len(title) > 100
        or "<" in title
        or ">" in title
    ):
        return "invalidTitle", "The request metadata specifies an invalid video title."
    if (
        not isinstance(description, str)
        or len(description.encode()) > 5000
        or "<" in description
        or ">" in description
    ):
        return "invalidDescription", "The request metadata specifies an invalid video description."
    tags = snippet.get("tags", [])
    if (
        not isinstance(tags, list)
        or not all(isinstance(t, str) for t in tags)
        or _tags_length(tags) > 500
    ):
        return "invalidTags", "The request metadata specifies invalid video keywords."
    if status.get("privacyStatus", "public") not in PRIVACY:
        return "invalidVideoMetadata", "The privacy status is not valid."
    if "publishAt" in status and status.get("privacyStatus") != "private":
        return "invalidPublishAt", "publishAt needs privacyStatus private."
    if not isinstance(status.get("selfDeclaredMadeForKids", False), bool):
        return "invalidVideoMetadata", "selfDeclaredMadeForKids must be a boolean."
    return None


def chunk_problem(first: int, last: int, total: int, length: int) -> str:
    """Why a ``Content-Range: bytes first-last/total`` chunk is refused ("" when it is fine)."""
    if last < first or last >= total or length != last - first + 1:
        return "The Content-Range does not match the body."
    if last + 1 < total and length % (256 * 1024):
        return "Chunks other than the last must be a multiple of 256 KiB."
    return ""
