"""Meta's Graph API conventions, for the sandbox's Meta platforms (Instagram).

Parameters come from the query string or a form body; errors use the Graph envelope; node
reads take a ``fields`` list; times are ``2026-01-02T03:04:05+0000``.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from publishing.sandbox.core import Request, Response


def params(request: Request) -> dict[str, str]:
    """Graph API parameters: the query string and a form body, merged (the body wins)."""
    merged = {name: values[0] for name, values in request.query.items() if values}
    merged.update(request.form)
    return merged


def error(
    status: int,
    message: str,
    code: int,
    *,
    subcode: int | None = None,
    transient: bool = False,
    kind: str = "OAuthException",
    user_msg: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    """Meta's Graph error envelope."""
    body: dict[str, Any] = {"message": message, "type": kind, "code": code}
    if subcode is not None:
        body["error_subcode"] = subcode
    body["is_transient"] = transient
    if user_msg:
        body["error_user_msg"] = user_msg
    body["fbtrace_id"] = secrets.token_urlsafe(8)
    return Response.json(status, {"error": body}, headers)


def invalid(message: str, *, subcode: int | None = None, code: int = 100) -> Response:
    return error(400, message, code, subcode=subcode, kind="OAuthException")


def no_object(object_id: str, method: str = "get") -> Response:
    return error(
        400,
        f"Unsupported {method} request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        100,
        subcode=33,
        kind="GraphMethodException",
    )


def unsupported(request: Request) -> Response:
    """Meta's answer to a path or method the node does not have."""
    return error(
        400,
        f"Unsupported {request.method.lower()} request. Please read the Graph API documentation",
        100,
        kind="GraphMethodException",
    )


def fields(given: dict[str, str], known: set[str]) -> tuple[list[str], Response | None]:
    names = [f for f in given.get("fields", "").split(",") if f]
    if unknown := [f for f in names if f not in known]:
        return [], invalid(f"(#100) Tried accessing nonexisting field ({unknown[0]})")
    return names, None


def meta_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def moment(value: str | None) -> float | None:
    """``since``/``until``: a Unix timestamp or an ISO 8601 date, as Meta accepts."""
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None
