"""Meta's Graph API conventions, for the sandbox's Meta platforms (Instagram).

Parameters come from the query string or a form body; errors use the Graph envelope; node
reads take a ``fields`` list; times are ``2026-01-02T03:04:05+0000``.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from publishing.sandbox.core import Fault, Request, Response


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


# --- What every Meta host sends for the sandbox's injected faults ----------------------

EXPIRED_SESSION = (
    "Error validating access token: Session has expired on Monday, 01-Jun-26 12:00:00 PDT. "
    "The current time is Tuesday, 02-Jun-26 12:00:00 PDT."
)


@dataclass(frozen=True)
class MetaFaults:
    """A Meta host's answers to the sandbox's faults; what differs per host is its usage
    type and rate-limit error, and (Facebook) how an invalid session is worded."""

    usage_type: str
    rate_limit_message: str
    rate_limit_code: int
    rate_limit_subcode: int | None = None
    expired_message: str = EXPIRED_SESSION
    expired_subcode: int = 463

    def response(self, fault: Fault, request: Request) -> Response:
        if fault.kind == "rate_limit":
            # Meta sends no Retry-After: the wait is in the usage header, in whole minutes.
            regain = math.ceil(fault.retry_after / 60)
            usage = {
                "0": [
                    {
                        "type": self.usage_type,
                        "call_count": 100,
                        "total_cputime": 30,
                        "total_time": 45,
                        "estimated_time_to_regain_access": regain,
                    }
                ]
            }
            return error(
                400, self.rate_limit_message, self.rate_limit_code,
                subcode=self.rate_limit_subcode, transient=True,
                headers={"x-business-use-case-usage": json.dumps(usage)},
            )  # fmt: skip
        if fault.kind == "server_error":
            return error(
                500, "An unexpected error has occurred. Please retry your request later.", 2,
                transient=True,
            )  # fmt: skip
        if fault.kind == "expired_token":
            return error(400, self.expired_message, 190, subcode=self.expired_subcode)
        if fault.kind == "no_credits":
            # Meta has no API credits; the nearest thing is the app-wide call budget.
            app_usage = json.dumps({"call_count": 100, "total_cputime": 10, "total_time": 10})
            return error(
                400, "(#4) Application request limit reached", 4, transient=True,
                headers={"x-app-usage": app_usage},
            )  # fmt: skip
        raise ValueError(f"fault kind {fault.kind!r} has no error body")


def quota_body(request: Request) -> tuple[str, int] | Response:
    """The control API's ``{"username": "...", "used": N}`` (posts made elsewhere today)."""
    body = request.json_body
    username = body.get("username") if isinstance(body, dict) else None
    used = body.get("used") if isinstance(body, dict) else None
    if not isinstance(username, str) or not isinstance(used, int) or used < 0:
        return Response.json(
            400, {"ok": False, "error": 'body must be {"username": str, "used": int >= 0}'}
        )
    return username, used


# --- Cursor-based paging (the Graph API's "paging": {"cursors", "next"}) --------------


def paged(
    items: list[dict[str, Any]], params: dict[str, str], request: Request
) -> tuple[dict[str, Any], Response | None]:
    """One page of a newest-first listing as Meta sends it: ``limit`` (1 to 100, default 25)
    items after the ``after`` cursor, with ``paging.cursors`` and, unless this is the last
    page, ``paging.next``. The body's ``data`` is left to the caller (its fields)."""
    limit = params.get("limit", "25")
    if not limit.isdigit() or not 1 <= int(limit) <= 100:
        return {}, invalid("(#100) Param limit must be a number between 1 and 100")
    start = 0
    if after := params.get("after"):
        ids = [str(item["id"]) for item in items]
        last = _uncursor(after)
        # A cursor past an item since deleted reads as the end, as Meta's do.
        start = ids.index(last) + 1 if last in ids else len(items)
    page = items[start : start + int(limit)]
    body: dict[str, Any] = {"items": page}
    if page:
        paging: dict[str, Any] = {
            "cursors": {"before": _cursor(page[0]["id"]), "after": _cursor(page[-1]["id"])}
        }
        if start + len(page) < len(items):
            query = {**params, "after": paging["cursors"]["after"]}
            host = request.headers.get("host", "127.0.0.1")
            paging["next"] = f"http://{host}/{request.platform}{request.path}?{urlencode(query)}"
        body["paging"] = paging
    return body, None


def _cursor(item_id: Any) -> str:
    return base64.urlsafe_b64encode(str(item_id).encode()).decode().rstrip("=")


def _uncursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""
