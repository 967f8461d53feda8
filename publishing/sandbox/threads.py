"""Threads (Meta's Threads API) in the sandbox: API under ``/threads``, posts under
``/threads-web``.

Paths and parameters follow the official Postman collection
(``shared/specs/meta/threads/threads-api.postman_collection.json``), served both unversioned
(as the collection calls them) and under a version (``/v1.0/...``, as the docs do). Errors use
Meta's Graph envelope. Parameters are read from the query string or a form body, as Meta does.

Containers take time: a video container answers ``IN_PROGRESS`` to its first
``VIDEO_POLLS`` status reads (images: ``IMAGE_POLLS``), then ``FINISHED``. A media URL can
steer its container (a sandbox-only convention; Threads itself just downloads the URL):
``sandbox_polls=N`` in its query sets the number of ``IN_PROGRESS`` answers, and
``sandbox_error=CODE`` makes the container end in ``ERROR`` with ``error_message`` CODE.

Auth: ``access_token=sbx.threads.<username>`` (or the same as a bearer token) is that user.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from publishing.sandbox import _meta as meta
from publishing.sandbox import _threads_rules as rules
from publishing.sandbox.core import (
    CONTROL_ROUTES,
    Platform,
    Request,
    Response,
    Routes,
    SandboxState,
    register,
)

SLUG = "threads"
TOKEN_PREFIX = "sbx.threads."
# An optional "~scope,scope" suffix grants only those permissions, as a real token issued
# for fewer scopes does; without it every permission is granted.
# Tokens issued through the sandbox's OAuth also carry a "!nonce" (see _meta_oauth.py).
_TOKEN_RE = re.compile(
    r"sbx\.threads\.([A-Za-z0-9._]{1,30})(?:~([a-z_,]+))?(?:![A-Za-z0-9_-]{1,64})?"
)
QUOTA_TOTAL, QUOTA_DURATION_S = 250, 86400
CONTAINER_TTL_S = 86400  # a container not published within 24 h expires
VIDEO_POLLS, IMAGE_POLLS = 2, 0
# Quota used outside the sandbox's own posts (set through the control API), per user id.
_QUOTA_STORE = "threads-quota"

_V = r"(?:/v[0-9]+\.[0-9]+)?"  # the optional API version in front of every path
_ID = r"(?P<id>[0-9]{1,25})"

api = Routes()
web = Routes()


# --- Users ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadsUser:
    id: str
    username: str
    scopes: frozenset[str] | None = None  # None: every permission

    def may(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes


def sandbox_user_id(username: str) -> str:
    """Stable numeric id for a username: the same on every run and every machine."""
    digest = hashlib.sha256(f"sandbox-threads:{username.lower()}".encode()).digest()
    return str(10**16 + int.from_bytes(digest[:8], "big") % (9 * 10**16))  # 17 digits


def sandbox_token(username: str, scopes: Iterable[str] | None = None) -> str:
    """The access token the sandbox accepts as ``username`` (``sbx.threads.<username>``),
    granting only ``scopes`` when given (e.g. without ``threads_delete``)."""
    token = TOKEN_PREFIX + username
    return token if scopes is None else f"{token}~{','.join(scopes)}"


def _user(request: Request) -> ThreadsUser | None:
    token = _params(request).get("access_token") or request.bearer_token or ""
    found = _TOKEN_RE.fullmatch(token)
    if found is None:
        return None
    scopes = frozenset(found.group(2).split(",")) if found.group(2) else None
    return ThreadsUser(sandbox_user_id(found.group(1)), found.group(1), scopes)


Handler = Callable[[SandboxState, Request, re.Match[str]], Response]
UserHandler = Callable[
    [SandboxState, Request, re.Match[str], ThreadsUser, dict[str, str]], Response
]


def _authed(handler: UserHandler) -> Handler:
    def wrapper(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
        user = _user(request)
        if user is None:
            return _error(400, "Invalid OAuth access token - Cannot parse access token", 190)
        if match.groupdict().get("user") not in (None, "me", user.id):
            return _no_object(match["user"])
        params = _params(request)
        params.pop("access_token", None)
        return handler(state, request, match, user, params)

    wrapper.__name__ = handler.__name__
    return wrapper


# --- Error bodies ---------------------------------------------------------------------

# Meta's Graph envelope, shared with the other Meta platforms; Threads' own invalid-request
# errors carry its THApiException type.
_params = meta.params
_error = meta.error
_no_object = meta.no_object


def _invalid(message: str) -> Response:
    return _error(400, message, 100, kind="THApiException")


# --- Containers -----------------------------------------------------------------------


def _steering(url: str) -> dict[str, str]:
    query = parse_qs(urlsplit(url).query)
    return {name: values[0] for name, values in query.items() if name.startswith("sandbox_")}


def _new_container(
    state: SandboxState, user: ThreadsUser, params: dict[str, str], children: list[str]
) -> dict[str, Any]:
    url = params.get("image_url") or params.get("video_url") or ""
    steer = _steering(url)
    default = VIDEO_POLLS if params["media_type"] == "VIDEO" else IMAGE_POLLS
    polls = steer.get("sandbox_polls", "")
    return {
        "id": state.new_id(),
        "kind": "container",
        "owner_id": user.id,
        "username": user.username,
        "media_type": params["media_type"],
        "params": params,
        "children": children,
        "polls_left": int(polls) if polls.isdigit() else default,
        "final_status": "ERROR" if "sandbox_error" in steer else "FINISHED",
        "error_message": steer.get("sandbox_error", ""),
        "status": "IN_PROGRESS",
        "created_at": time.time(),
    }


def _owned_container(
    state: SandboxState, user: ThreadsUser, container_id: str
) -> dict[str, Any] | None:
    found = state.get_media(SLUG, container_id)
    if found is None or found["owner_id"] != user.id:
        return None
    live = found["status"] in ("IN_PROGRESS", "FINISHED", "ERROR")
    if live and time.time() - found["created_at"] > CONTAINER_TTL_S:
        found["status"] = "EXPIRED"
        state.add_media(SLUG, found)
    return found


@api.add("POST", _V + r"/(?P<user>me|[0-9]+)/threads", name="createContainer")
@_authed
def create_container(
    state: SandboxState,
    request: Request,
    match: re.Match[str],
    user: ThreadsUser,
    params: dict[str, str],
) -> Response:
    if errors := rules.check_create(params):
        return _invalid(errors[0])
    if rules.link_count(params) > rules.MAX_LINKS:
        return _invalid(
            f"THREADS_API__LINK_LIMIT_EXCEEDED: a post takes at most {rules.MAX_LINKS} links"
        )
    children: list[str] = []
    if params["media_type"] == "CAROUSEL":
        children = [c.strip() for c in params["children"].split(",") if c.strip()]
        if error := rules.check_children(children):
            return _invalid(error)
        for child_id in children:
            child = _owned_container(state, user, child_id)
            if child is None or child["params"].get("is_carousel_item") != "true":
                return _invalid(f"(#100) Param children: {child_id} is not a carousel item")
            if child["status"] != "FINISHED":
                return _error(
                    400,
                    "The media is not ready to be used in a carousel; wait until it is FINISHED",
                    9007,
                    subcode=2207027,
                )
    container = _new_container(state, user, params, children)
    state.add_media(SLUG, container)
    if params["media_type"] == "TEXT" and params.get("auto_publish_text") == "true":
        container["status"] = container["final_status"]
        container["polls_left"] = 0
        return _publish(state, request, user, container)
    return Response.json(200, {"id": container["id"]})


# --- Publishing -----------------------------------------------------------------------


def _quota_usage(state: SandboxState, user: ThreadsUser) -> int:
    since = time.time() - QUOTA_DURATION_S
    own = sum(
        1 for p in state.posts(SLUG) if p["owner_id"] == user.id and p["created_epoch"] > since
    )
    extra = state.get_media(_QUOTA_STORE, user.id)
    return own + (int(extra["used"]) if extra else 0)


def _shortcode(post_id: str) -> str:
    return base64.urlsafe_b64encode(int(post_id).to_bytes(8, "big")).decode().rstrip("=")


def _meta_time(epoch: float) -> str:
    """Meta's timestamp form: ``2026-01-02T03:04:05+0000``."""
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _publish(
    state: SandboxState, request: Request, user: ThreadsUser, container: dict[str, Any]
) -> Response:
    status = container["status"]
    if status == "IN_PROGRESS":
        return _error(
            400,
            "The media is not ready for publishing, please wait for a moment",
            9007,
            subcode=2207027,
        )
    if status in ("ERROR", "EXPIRED"):
        return _invalid(f"(#100) The container is {status} and cannot be published")
    if status == "PUBLISHED":
        return _invalid("(#100) The container has already been published")
    if _quota_usage(state, user) >= QUOTA_TOTAL:
        return _error(
            400,
            "(#9) The user has reached the maximum number of posts allowed in 24 hours",
            9,
            subcode=2207042,
        )
    params = container["params"]
    post_id = state.new_id()
    now = time.time()
    host = request.headers.get("host", "127.0.0.1")
    shortcode = _shortcode(post_id)
    post = {
        "id": post_id,
        "container_id": container["id"],
        "owner_id": user.id,
        "username": user.username,
        "media_type": params["media_type"],
        "text": params.get("text", ""),
        "link_attachment_url": params.get("link_attachment"),
        "media": _post_media(state, container),
        "shortcode": shortcode,
        "permalink": f"http://{host}/threads-web/@{user.username}/post/{shortcode}",
        "timestamp": _meta_time(now),
        "created_epoch": now,
    }

    def same_container(other: dict[str, Any]) -> bool:
        return bool(other["container_id"] == container["id"])

    # Atomic: two concurrent publishes of one container make one post.
    if not state.add_post(SLUG, post, reject_if=same_container):
        return _invalid("(#100) The container has already been published")
    container["status"] = "PUBLISHED"
    state.add_media(SLUG, container)
    return Response.json(200, {"id": post_id})


def _post_media(state: SandboxState, container: dict[str, Any]) -> list[dict[str, str]]:
    sources = [state.get_media(SLUG, c) for c in container["children"]] or [container]
    return [
        {"media_type": s["media_type"], "url": s["params"].get(f"{s['media_type'].lower()}_url")}
        for s in sources
        if s is not None and s["media_type"] in ("IMAGE", "VIDEO")
    ]


@api.add("POST", _V + r"/(?P<user>me|[0-9]+)/threads_publish", name="publish")
@_authed
def publish(
    state: SandboxState,
    request: Request,
    match: re.Match[str],
    user: ThreadsUser,
    params: dict[str, str],
) -> Response:
    if unknown := sorted(set(params) - {"creation_id"}):
        return _invalid(f"(#100) Param {unknown[0]} is not a valid parameter")
    creation_id = params.get("creation_id", "")
    if not creation_id:
        return _invalid("(#100) The parameter creation_id is required")
    container = _owned_container(state, user, creation_id)
    if container is None:
        return _error(400, "The requested resource does not exist", 24, subcode=4279009)
    return _publish(state, request, user, container)


@api.add("GET", _V + r"/(?P<user>me|[0-9]+)/threads_publishing_limit", name="publishingLimit")
@_authed
def publishing_limit(
    state: SandboxState,
    request: Request,
    match: re.Match[str],
    user: ThreadsUser,
    params: dict[str, str],
) -> Response:
    values: dict[str, Any] = {
        "quota_usage": _quota_usage(state, user),
        "config": {"quota_total": QUOTA_TOTAL, "quota_duration": QUOTA_DURATION_S},
        "reply_quota_usage": 0,
        "reply_config": {"quota_total": 1000, "quota_duration": QUOTA_DURATION_S},
        "delete_quota_usage": 0,
        "delete_config": {"quota_total": 100, "quota_duration": QUOTA_DURATION_S},
    }
    fields, error = _fields(params, set(values))
    return error or Response.json(200, {"data": [{f: values[f] for f in fields}]})


def _fields(params: dict[str, str], known: set[str]) -> tuple[list[str], Response | None]:
    fields = [f for f in params.get("fields", "").split(",") if f]
    if unknown := [f for f in fields if f not in known]:
        return [], _invalid(f"(#100) Tried accessing nonexisting field ({unknown[0]})")
    return fields, None


# --- Reading and deleting -------------------------------------------------------------

_POST_FIELDS = {
    "id", "text", "timestamp", "permalink", "shortcode", "media_type", "media_product_type",
    "username", "owner", "link_attachment_url", "children", "is_quote_post",
}  # fmt: skip
_CONTAINER_FIELDS = {"id", "status", "error_message"}


def _post_json(post: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    values = {
        **{f: post.get(f) for f in ("id", "text", "timestamp", "permalink", "shortcode")},
        "media_type": "CAROUSEL_ALBUM" if post["media_type"] == "CAROUSEL" else post["media_type"],
        "media_product_type": "THREADS",
        "username": post["username"],
        "owner": {"id": post["owner_id"]},
        "link_attachment_url": post.get("link_attachment_url"),
        "is_quote_post": False,
    }
    body = {"id": post["id"]}
    body.update({f: values[f] for f in fields if f in values and values[f] not in (None, "")})
    return body


@api.add("GET", _V + r"/(?P<user>me|[0-9]+)/threads", name="userThreads")
@_authed
def user_threads(
    state: SandboxState,
    request: Request,
    match: re.Match[str],
    user: ThreadsUser,
    params: dict[str, str],
) -> Response:
    fields, error = _fields(params, _POST_FIELDS)
    if error is not None:
        return error
    since, until = _moment(params.get("since")), _moment(params.get("until"))
    posts = sorted(
        (
            p
            for p in state.posts(SLUG)
            if p["owner_id"] == user.id
            and (since is None or p["created_epoch"] >= since)
            and (until is None or p["created_epoch"] <= until)
        ),
        key=lambda p: int(p["id"]),
        reverse=True,
    )
    page, error = meta.paged(posts, params, request)
    if error is not None:
        return error
    body = {"data": [_post_json(p, fields or ["id"]) for p in page.pop("items")], **page}
    return Response.json(200, body)


def _moment(value: str | None) -> float | None:
    """``since``/``until``: a Unix timestamp or an ISO 8601 date, as Meta accepts."""
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


_PROFILE_FIELDS = {"id", "username", "name", "threads_profile_picture_url", "threads_biography"}


@api.add("GET", _V + r"/(?P<user>me)/?", name="profile")
@_authed
def profile(
    state: SandboxState,
    request: Request,
    match: re.Match[str],
    user: ThreadsUser,
    params: dict[str, str],
) -> Response:
    """The token's Threads profile (``GET /me?fields=id,username,...``)."""
    fields, error = _fields(params, _PROFILE_FIELDS)
    values = {
        "id": user.id, "username": user.username, "name": user.username,
        "threads_profile_picture_url": "", "threads_biography": "",
    }  # fmt: skip
    return error or Response.json(200, {f: values[f] for f in ["id", *fields]})


@api.add("GET", _V + r"/" + _ID + r"/?", name="node")
@_authed
def node(
    state: SandboxState,
    request: Request,
    match: re.Match[str],
    user: ThreadsUser,
    params: dict[str, str],
) -> Response:
    post = state.get_post(SLUG, match["id"])
    if post is not None and post["owner_id"] == user.id:
        fields, error = _fields(params, _POST_FIELDS)
        return error or Response.json(200, _post_json(post, fields))
    container = _owned_container(state, user, match["id"])
    if container is None:
        return _no_object(match["id"])
    fields, error = _fields(params, _CONTAINER_FIELDS)
    if error is not None:
        return error
    if container["status"] == "IN_PROGRESS":
        if container["polls_left"] > 0:
            container["polls_left"] -= 1
        else:
            container["status"] = container["final_status"]
        state.add_media(SLUG, container)
    values = {"id": container["id"], "status": container["status"]}
    if container["status"] == "ERROR":
        values["error_message"] = container["error_message"] or "UNKNOWN"
    return Response.json(200, {f: values[f] for f in ["id", *fields] if f in values})


@api.add("DELETE", _V + r"/" + _ID, name="delete")
@_authed
def delete(
    state: SandboxState,
    request: Request,
    match: re.Match[str],
    user: ThreadsUser,
    params: dict[str, str],
) -> Response:
    if not user.may("threads_delete"):
        return _error(403, "Application does not have permission for this action", 10)
    if not state.remove_post(SLUG, match["id"], only_if=lambda p: p["owner_id"] == user.id):
        return _no_object(match["id"], "delete")
    return Response.json(200, {"success": True, "deleted_id": match["id"]})


# --- Public post pages (/threads-web/@{username}/post/{shortcode}) --------------------


@web.add("GET", r"/@(?P<username>[A-Za-z0-9._]{1,30})/post/(?P<code>[A-Za-z0-9_-]{1,20})/?")
def post_page(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    post = next(
        (
            p
            for p in state.posts(SLUG)
            if p["shortcode"] == match["code"] and p["username"] == match["username"]
        ),
        None,
    )
    if post is None:
        return Response.html(
            404,
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Threads (sandbox)</title></head><body><p>Sorry, this page isn't "
            "available.</p></body></html>",
        )
    items = "".join(
        f'<li data-type="{m["media_type"].lower()}">{html.escape(m["url"] or "")}</li>'
        for m in post["media"]
    )
    return Response.html(
        200,
        '<!doctype html>\n<html lang="en" dir="auto">\n<head><meta charset="utf-8">'
        f"<title>@{html.escape(post['username'])} on Threads (sandbox)</title></head>\n<body>\n"
        f'<article data-post-id="{post["id"]}">\n'
        f'<p class="author">@{html.escape(post["username"])}</p>\n'
        f'<p class="text" dir="auto" style="white-space: pre-wrap">{html.escape(post["text"])}'
        "</p>\n"
        f'<ul class="media" data-media-count="{len(post["media"])}">{items}</ul>\n'
        f'<time datetime="{post["timestamp"]}">{post["timestamp"]}</time>\n'
        "</article>\n</body>\n</html>\n",
    )


# --- Control: quota already used ------------------------------------------------------


@CONTROL_ROUTES.add("POST", r"/threads/quota", name="threads_quota")
def quota_set(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    """``{"username": "...", "used": 250}``: posts the account published elsewhere today."""
    found = meta.quota_body(request)
    if isinstance(found, Response):
        return found
    username, used = found
    set_quota_used(state, username, used)
    return Response.json(200, {"ok": True})


def set_quota_used(state: SandboxState, username: str, used: int) -> None:
    state.add_media(_QUOTA_STORE, {"id": sandbox_user_id(username), "used": used})


# --- Faults and unknown paths ---------------------------------------------------------

_FAULTS = meta.MetaFaults(
    usage_type="threads",
    rate_limit_message="(#17) User request limit reached",
    rate_limit_code=17,
    rate_limit_subcode=2446079,
)


def _not_found(request: Request) -> Response:
    return _error(
        400,
        f"Unsupported {request.method.lower()} request. Please read the Graph API documentation",
        100,
        kind="GraphMethodException",
    )


register(
    Platform(
        slug=SLUG,
        api=api,
        web=web,
        fault_response=_FAULTS.response,
        not_found=_not_found,
    )
)
