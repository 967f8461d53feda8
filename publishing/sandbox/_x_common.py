"""What every X route of the sandbox needs: the slug, who is calling (bearer token
``sbx.x.<username>``, or one the OAuth endpoints issued), and X's error bodies. Split from
``x.py`` with ``_x_media.py``."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from publishing.sandbox.core import Request, Response, SandboxState

SLUG = "x"
TOKEN_PREFIX = "sbx.x."
_TOKEN_RE = re.compile(r"sbx\.x\.([A-Za-z0-9_]{1,15})")


# --- Users ----------------------------------------------------------------------------


@dataclass(frozen=True)
class XUser:
    id: str
    username: str

    @property
    def name(self) -> str:
        return f"{self.username} (sandbox)"


def sandbox_user_id(username: str) -> str:
    """Stable numeric id for a username: the same on every run and every machine."""
    digest = hashlib.sha256(f"sandbox-x:{username.lower()}".encode()).digest()
    return str(10**17 + int.from_bytes(digest[:8], "big") % (9 * 10**17))  # 18 digits


def sandbox_token(username: str) -> str:
    """The bearer token the sandbox accepts as ``username`` (``sbx.x.<username>``)."""
    return TOKEN_PREFIX + username


def user_of(state: SandboxState, request: Request) -> XUser | None:
    token = request.bearer_token or ""
    if found := _TOKEN_RE.fullmatch(token):
        return XUser(sandbox_user_id(found.group(1)), found.group(1))
    # A token issued by the OAuth endpoints in x.py (short-lived, revocable).
    grant = state.oauth.grant_for(SLUG, token)
    return XUser(sandbox_user_id(grant.username), grant.username) if grant else None


UserHandler = Callable[[SandboxState, Request, re.Match[str], XUser], Response]


def authed(handler: UserHandler) -> Callable[[SandboxState, Request, re.Match[str]], Response]:
    def wrapper(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
        user = user_of(state, request)
        if user is None:
            return problem(401, "Unauthorized")
        return handler(state, request, match, user)

    wrapper.__name__ = handler.__name__
    return wrapper


# --- Error bodies ---------------------------------------------------------------------


def problem(status: int, title: str, detail: str | None = None) -> Response:
    """X's generic problem (``type: about:blank``), as sent for 401, 403, 429, 5xx."""
    body = {"title": title, "type": "about:blank", "status": status, "detail": detail or title}
    return Response.json(status, body)


def invalid(*messages: str, parameters: dict[str, list[str]] | None = None) -> Response:
    # X's 400: a generic detail, the specifics in ``errors[].message``.
    return _invalid_request([{"parameters": parameters or {}, "message": m} for m in messages])


def undeclared(query: dict[str, list[str]], declared: tuple[str, ...]) -> Response | None:
    """X's 400 for query parameters the endpoint does not declare (it ignores none), one
    error each; None when every parameter is declared."""
    unknown = [name for name in query if name not in declared]
    if not unknown:
        return None
    allowed = ",".join(declared)
    return _invalid_request(
        [
            {
                "parameters": {name: query[name]},
                "message": f"The query parameter [{name}] is not one of [{allowed}]",
            }
            for name in unknown
        ]
    )


def _invalid_request(errors: list[dict[str, object]]) -> Response:
    return Response.json(
        400,
        {
            "errors": errors,
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.x.com/2/problems/invalid-request",
        },
    )
