"""Instagram (Graph API content publishing) in the sandbox: API under ``/instagram``, posts
under ``/instagram-web``.

Both of Meta's hosts are served by this one module, a path segment standing for the host:
``/instagram/fb/v25.0/...`` is graph.facebook.com (accounts connected through Facebook Login),
``/instagram/ig/v25.0/...`` is graph.instagram.com (Instagram Login). Paths and parameters
follow Meta's codegen specs (``shared/specs/meta/graph-api-codegen/IGUser*.json``); errors use
Meta's Graph envelope; parameters are read from the query string or a form body.

Containers take time: a video container answers ``IN_PROGRESS`` to its first ``VIDEO_POLLS``
status reads (images: ``IMAGE_POLLS``), then ``FINISHED``. A media URL can steer its container
(a sandbox-only convention): ``sandbox_polls=N`` sets the number of ``IN_PROGRESS`` answers and
``sandbox_error=2207026`` makes it end in ``ERROR`` with that subcode in its ``status``.

Auth: ``access_token=sbx.instagram.<username>`` is that user through Facebook Login,
``sbx.instagram-ig.<username>`` through Instagram Login; each host takes only its own kind.
``DELETE /me/permissions`` on the Facebook host revokes the token.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from publishing.sandbox import _instagram_rules as rules
from publishing.sandbox import _meta as graph
from publishing.sandbox._meta_oauth import app_scoped_id
from publishing.sandbox.core import (
    CONTROL_ROUTES,
    Platform,
    Request,
    Response,
    Routes,
    SandboxState,
    register,
)

SLUG = "instagram"
FACEBOOK_LOGIN, INSTAGRAM_LOGIN = "facebook", "instagram"
# Tokens issued through the sandbox's OAuth carry a "!nonce" (see _meta_oauth.py).
_TOKEN_RE = re.compile(
    r"sbx\.instagram(-ig)?\.([A-Za-z0-9._]{1,30})(?:~([a-z_,]+))?(?:![A-Za-z0-9_-]{1,64})?"
)
# The current guide's figure (the reference still says 50: PLATFORMS.md 1.4 [CONFLICT]); the
# client reads it from content_publishing_limit, as the real one must.
QUOTA_TOTAL, QUOTA_DURATION_S = 100, 86400
CONTAINER_TTL_S = 86400  # a container not published within 24 h expires
STORY_TTL_S = 86400
VIDEO_POLLS, IMAGE_POLLS = 2, 0
_QUOTA_STORE = "instagram-quota"  # posts made outside the sandbox today, per user id

_HOST = r"/(?P<host>fb|ig)(?:/v[0-9]+\.[0-9]+)?"
_USER = r"/(?P<user>me|[0-9]+)"
_ID = r"/(?P<id>[0-9]{1,25})"
_STATUS_TEXT = {
    "IN_PROGRESS": "In Progress: Media is still being processed.",
    "FINISHED": "Finished: Media has been uploaded and it is ready to be published.",
    "PUBLISHED": "Published: Media has been successfully published.",
    "EXPIRED": "Expired: Media was not published within 24 hours.",
}

api = Routes()
web = Routes()


# --- Users ----------------------------------------------------------------------------


@dataclass(frozen=True)
class InstagramUser:
    id: str
    username: str
    login: str
    scopes: frozenset[str] | None = None  # None: every permission

    def may(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes


def sandbox_user_id(username: str) -> str:
    """Stable id for a username, shaped like Meta's Instagram user ids (17841…)."""
    digest = hashlib.sha256(f"sandbox-instagram:{username.lower()}".encode()).digest()
    return "17841" + str(int.from_bytes(digest[:8], "big") % 10**12).zfill(12)


def sandbox_token(
    username: str, *, login: str = FACEBOOK_LOGIN, scopes: Iterable[str] | None = None
) -> str:
    """The access token the sandbox accepts as ``username`` through ``login``, granting only
    ``scopes`` when given (e.g. without ``instagram_manage_contents``)."""
    token = f"sbx.instagram{'-ig' if login == INSTAGRAM_LOGIN else ''}.{username}"
    return token if scopes is None else f"{token}~{','.join(scopes)}"


def _user(request: Request, host: str) -> InstagramUser | None:
    token = graph.params(request).get("access_token") or request.bearer_token or ""
    found = _TOKEN_RE.fullmatch(token)
    login = INSTAGRAM_LOGIN if found and found.group(1) else FACEBOOK_LOGIN
    # A Facebook user token means nothing to graph.instagram.com, nor the reverse.
    if found is None or (host == "ig") != (login == INSTAGRAM_LOGIN):
        return None
    scopes = frozenset(found.group(3).split(",")) if found.group(3) else None
    return InstagramUser(sandbox_user_id(found.group(2)), found.group(2), login, scopes)


Handler = Callable[[SandboxState, Request, re.Match[str]], Response]
UserHandler = Callable[
    [SandboxState, Request, re.Match[str], InstagramUser, dict[str, str]], Response
]


def _authed(handler: UserHandler) -> Handler:
    def wrapper(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
        user = _user(request, match["host"])
        if user is None:
            return graph.error(400, "Invalid OAuth access token - Cannot parse access token", 190)
        # Through Facebook Login "me" is the Facebook user, not the Instagram account.
        wanted = match.groupdict().get("user")
        if wanted not in (None, user.id) and not (wanted == "me" and match["host"] == "ig"):
            return graph.no_object(wanted or "")
        params = graph.params(request)
        params.pop("access_token", None)
        return handler(state, request, match, user, params)

    wrapper.__name__ = handler.__name__
    return wrapper


# --- Containers -----------------------------------------------------------------------


def _steering(url: str) -> dict[str, str]:
    query = parse_qs(urlsplit(url).query)
    return {name: values[0] for name, values in query.items() if name.startswith("sandbox_")}


def _new_container(
    state: SandboxState, user: InstagramUser, params: dict[str, str], children: list[str]
) -> dict[str, Any]:
    steer = _steering(params.get("image_url") or params.get("video_url") or "")
    polls = steer.get("sandbox_polls", "")
    default = VIDEO_POLLS if "video_url" in params else IMAGE_POLLS
    return {
        "id": state.new_id(),
        "kind": rules.kind(params),
        "owner_id": user.id,
        "username": user.username,
        "params": params,
        "children": children,
        "polls_left": int(polls) if polls.isdigit() else default,
        "final_status": "ERROR" if "sandbox_error" in steer else "FINISHED",
        "error": steer.get("sandbox_error", ""),
        "status": "IN_PROGRESS",
        "created_at": time.time(),
    }


def _owned_container(
    state: SandboxState, user: InstagramUser, container_id: str
) -> dict[str, Any] | None:
    found = state.get_media(SLUG, container_id)
    if found is None or found["owner_id"] != user.id:
        return None
    live = found["status"] in ("IN_PROGRESS", "FINISHED", "ERROR")
    if live and time.time() - found["created_at"] > CONTAINER_TTL_S:
        found["status"] = "EXPIRED"
        state.add_media(SLUG, found)
    return found


def _refuse(problem: rules.Problem) -> Response:
    message, code, subcode = problem
    return graph.invalid(message, code=code, subcode=subcode)


@api.add("POST", _HOST + _USER + r"/media", name="createContainer")
@_authed
def create_container(
    state: SandboxState,
    request: Request,
    match: re.Match[str],
    user: InstagramUser,
    params: dict[str, str],
) -> Response:
    if problem := rules.check_create(params):
        return _refuse(problem)
    children: list[str] = []
    if rules.kind(params) == "CAROUSEL":
        children = [c.strip() for c in params["children"].split(",") if c.strip()]
        if problem := rules.check_children(children):
            return _refuse(problem)
        for child_id in children:
            child = _owned_container(state, user, child_id)
            if child is None or child["params"].get("is_carousel_item") != "true":
                return graph.invalid(f"(#100) Param children: {child_id} is not a carousel item")
            if child["status"] != "FINISHED":
                return graph.error(
                    400, "The media is not ready to be used; wait until it is FINISHED", 9007,
                    subcode=2207027,
                )  # fmt: skip
    container = _new_container(state, user, params, children)
    state.add_media(SLUG, container)
    return Response.json(200, {"id": container["id"]})


# --- Publishing -----------------------------------------------------------------------


def _quota_usage(state: SandboxState, user: InstagramUser) -> int:
    since = time.time() - QUOTA_DURATION_S
    own = sum(
        1 for p in state.posts(SLUG) if p["owner_id"] == user.id and p["created_epoch"] > since
    )
    extra = state.get_media(_QUOTA_STORE, user.id)
    return own + (int(extra["used"]) if extra else 0)


def _shortcode(post_id: str) -> str:
    return base64.urlsafe_b64encode(int(post_id).to_bytes(8, "big")).decode().rstrip("=")


def _product_type(container: dict[str, Any]) -> tuple[str, str]:
    """``(media_product_type, media_type)`` of the post a container makes."""
    kind = container["kind"]
    if kind == "STORIES":
        return "STORY", "VIDEO" if "video_url" in container["params"] else "IMAGE"
    if kind == "REELS":
        return "REELS", "VIDEO"
    return "FEED", "CAROUSEL_ALBUM" if kind == "CAROUSEL" else "IMAGE"


def _permalink(host: str, post: dict[str, Any]) -> str:
    base = f"http://{host}/instagram-web"
    if post["media_product_type"] == "STORY":
        return f"{base}/stories/{post['username']}/{post['id']}/"
    section = "reel" if post["media_product_type"] == "REELS" else "p"
    return f"{base}/{section}/{post['shortcode']}/"


def _publish(
    state: SandboxState, request: Request, user: InstagramUser, container: dict[str, Any]
) -> Response:
    status = container["status"]
    if status == "IN_PROGRESS":
        return graph.error(
            400, "The media is not ready for publishing, please wait for a moment", 9007,
            subcode=2207027,
        )  # fmt: skip
    if status == "EXPIRED":
        return graph.error(400, "The media has expired", -2, subcode=2207020)
    if status in ("ERROR", "PUBLISHED"):
        return graph.invalid(f"(#100) The container is {status} and cannot be published")
    if _quota_usage(state, user) >= QUOTA_TOTAL:
        return graph.error(
            400, "Application request limit reached", 9, subcode=2207042,
            user_msg="You have reached the maximum number of posts allowed in 24 hours.",
        )  # fmt: skip
    params = container["params"]
    product_type, media_type = _product_type(container)
    now, post_id = time.time(), state.new_id()
    post = {
        "id": post_id,
        "container_id": container["id"],
        "owner_id": user.id,
        "username": user.username,
        "media_product_type": product_type,
        "media_type": media_type,
        "caption": params.get("caption", ""),
        "is_shared_to_feed": product_type == "FEED" or params.get("share_to_feed") == "true",
        "media": _post_media(state, container),
        "shortcode": _shortcode(post_id),
        "timestamp": graph.meta_time(now),
        "created_epoch": now,
    }
    post["permalink"] = _permalink(request.headers.get("host", "127.0.0.1"), post)

    def same_container(other: dict[str, Any]) -> bool:
        return bool(other["container_id"] == container["id"])

    # Atomic: two concurrent publishes of one container make one post.
    if not state.add_post(SLUG, post, reject_if=same_container):
        return graph.invalid("(#100) The container has already been published")
    container["status"] = "PUBLISHED"
    state.add_media(SLUG, container)
    return Response.json(200, {"id": post_id})


def _post_media(state: SandboxState, container: dict[str, Any]) -> list[dict[str, str]]:
    sources = [state.get_media(SLUG, c) for c in container["children"]] or [container]
    found: list[dict[str, str]] = []
    for source in sources:
        if source is None:
            continue
        params = source["params"]
        kind = "video" if "video_url" in params else "image"
        found.append({"type": kind, "url": params.get(f"{kind}_url", "")})
    return found


@api.add("POST", _HOST + _USER + r"/media_publish", name="mediaPublish")
@_authed
def media_publish(
    state: SandboxState,
    request: Request,
    match: re.Match[str],
    user: InstagramUser,
    params: dict[str, str],
) -> Response:
    if unknown := sorted(set(params) - {"creation_id"}):
        return graph.invalid(f"(#100) Param {unknown[0]} is not a valid parameter")
    creation_id = params.get("creation_id", "")
    if not creation_id.isdigit():
        return graph.invalid("(#100) The parameter creation_id is required")
    container = _owned_container(state, user, creation_id)
    if container is None:
        return graph.error(400, "The media could not be found", 24, subcode=2207006)
    return _publish(state, request, user, container)


@api.add("GET", _HOST + _USER + r"/content_publishing_limit", name="contentPublishingLimit")
@_authed
def publishing_limit(
    state: SandboxState,
    request: Request,
    match: re.Match[str],
    user: InstagramUser,
    params: dict[str, str],
) -> Response:
    values: dict[str, Any] = {
        "quota_usage": _quota_usage(state, user),
        "config": {"quota_total": QUOTA_TOTAL, "quota_duration": QUOTA_DURATION_S},
    }
    fields, error = graph.fields(params, set(values))
    data = {f: values[f] for f in fields or ["quota_usage"]}
    return error or Response.json(200, {"data": [data]})


# --- Reading and deleting -------------------------------------------------------------

_POST_FIELDS = {
    "id", "caption", "timestamp", "permalink", "shortcode", "media_type", "media_product_type",
    "username", "owner", "is_shared_to_feed", "media_url",
}  # fmt: skip
_CONTAINER_FIELDS = {"id", "status", "status_code"}


def _post_json(post: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    values = {
        **{f: post.get(f) for f in _POST_FIELDS},
        "owner": {"id": post["owner_id"]},
        "media_url": post["media"][0]["url"] if post["media"] else None,
    }
    body = {"id": post["id"]}
    body.update({f: values[f] for f in fields if values.get(f) not in (None, "")})
    return body


def _listing(state: SandboxState, user: InstagramUser, *, stories: bool) -> list[dict[str, Any]]:
    now = time.time()
    return sorted(
        (
            p
            for p in state.posts(SLUG)
            if p["owner_id"] == user.id
            and (p["media_product_type"] == "STORY") == stories
            and (not stories or now - p["created_epoch"] < STORY_TTL_S)
        ),
        key=lambda p: int(p["id"]),
        reverse=True,
    )


@api.add("GET", _HOST + _USER + r"/media", name="userMedia")
@_authed
def user_media(
    state: SandboxState,
    request: Request,
    match: re.Match[str],
    user: InstagramUser,
    params: dict[str, str],
) -> Response:
    fields, error = graph.fields(params, _POST_FIELDS)
    if error is not None:
        return error
    since, until = graph.moment(params.get("since")), graph.moment(params.get("until"))
    posts = [
        p
        for p in _listing(state, user, stories=False)
        if (since is None or p["created_epoch"] >= since)
        and (until is None or p["created_epoch"] <= until)
    ]
    return _listed(posts, fields, params, request)


@api.add("GET", _HOST + _USER + r"/stories", name="userStories")
@_authed
def user_stories(
    state: SandboxState,
    request: Request,
    match: re.Match[str],
    user: InstagramUser,
    params: dict[str, str],
) -> Response:
    fields, error = graph.fields(params, _POST_FIELDS)
    if error is not None:
        return error
    return _listed(_listing(state, user, stories=True), fields, params, request)


def _listed(
    posts: list[dict[str, Any]], fields: list[str], params: dict[str, str], request: Request
) -> Response:
    page, error = graph.paged(posts, params, request)
    if error is not None:
        return error
    body = {"data": [_post_json(p, fields or ["id"]) for p in page.pop("items")], **page}
    return Response.json(200, body)


_PROFILE_FIELDS = {"id", "user_id", "username", "name", "account_type"}


@api.add("GET", r"/(?P<host>ig)(?:/v[0-9]+\.[0-9]+)?/(?P<user>me)/?", name="profile")
@_authed
def profile(
    state: SandboxState,
    request: Request,
    match: re.Match[str],
    user: InstagramUser,
    params: dict[str, str],
) -> Response:
    """The Instagram Login user (``GET graph.instagram.com/me?fields=user_id,username``):
    ``id`` is app-scoped, ``user_id`` the professional account the content paths take."""
    fields, error = graph.fields(params, _PROFILE_FIELDS)
    values = {
        "id": app_scoped_id("instagram", user.username), "user_id": user.id,
        "username": user.username, "name": user.username, "account_type": "BUSINESS",
    }  # fmt: skip
    return error or Response.json(200, {f: values[f] for f in ["id", *fields]})


@api.add("GET", _HOST + _ID + r"/?", name="node")
@_authed
def node(
    state: SandboxState,
    request: Request,
    match: re.Match[str],
    user: InstagramUser,
    params: dict[str, str],
) -> Response:
    post = state.get_post(SLUG, match["id"])
    if post is not None and post["owner_id"] == user.id:
        fields, error = graph.fields(params, _POST_FIELDS)
        return error or Response.json(200, _post_json(post, fields))
    container = _owned_container(state, user, match["id"])
    if container is None:
        return graph.no_object(match["id"])
    fields, error = graph.fields(params, _CONTAINER_FIELDS)
    if error is not None:
        return error
    if container["status"] == "IN_PROGRESS":
        if container["polls_left"] > 0:
            container["polls_left"] -= 1
        else:
            container["status"] = container["final_status"]
        state.add_media(SLUG, container)
    status = container["status"]
    text = _STATUS_TEXT.get(status, "")
    if status == "ERROR":
        code = container["error"]
        text = (
            f"Error: Media upload has failed with error code {code}"
            if code.isdigit()
            else f"Error: {code}"
        )
    values = {"id": container["id"], "status_code": status, "status": text}
    return Response.json(200, {f: values[f] for f in ["id", *fields] if f in values})


@api.add("DELETE", _HOST + _ID, name="delete")
@_authed
def delete(
    state: SandboxState,
    request: Request,
    match: re.Match[str],
    user: InstagramUser,
    params: dict[str, str],
) -> Response:
    if match["host"] == "ig":  # graph.instagram.com has no delete (PLATFORMS.md 1.6)
        return graph.unsupported(request)
    if not user.may("instagram_manage_contents"):
        return graph.error(403, "(#10) Application does not have permission for this action", 10)
    if not state.remove_post(SLUG, match["id"], only_if=lambda p: p["owner_id"] == user.id):
        return graph.no_object(match["id"], "delete")
    return Response.json(200, {"success": True})


# --- Revoking the app's permissions (Facebook Login only) -----------------------------


@api.add("DELETE", _HOST + r"/me/permissions", name="revokePermissions")
def revoke_permissions(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    """``DELETE /me/permissions`` with a Facebook user token de-authorizes the app for that
    user: the token is refused from then on. graph.instagram.com has no such edge."""
    if match["host"] == "ig":
        return graph.unsupported(request)
    token = graph.params(request).get("access_token") or request.bearer_token or ""
    if _user(request, "fb") is None:
        return graph.error(400, "Invalid OAuth access token - Cannot parse access token", 190)
    state.revoke_token(token)
    return Response.json(200, {"success": True})


# --- Public pages (/instagram-web/p/{code}/, /reel/{code}/, /stories/{user}/{id}/) ------


def _page(post: dict[str, Any] | None) -> Response:
    if post is None:
        return Response.html(
            404,
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Instagram '
            "(sandbox)</title></head><body><p>Sorry, this page isn't available.</p></body>"
            "</html>",
        )
    items = "".join(
        f'<li data-type="{m["type"]}">{html.escape(m["url"])}</li>' for m in post["media"]
    )
    return Response.html(
        200,
        '<!doctype html>\n<html lang="en" dir="auto">\n<head><meta charset="utf-8">'
        f"<title>@{html.escape(post['username'])} on Instagram (sandbox)</title></head>\n"
        f'<body>\n<article data-post-id="{post["id"]}" '
        f'data-product-type="{post["media_product_type"]}">\n'
        f'<p class="author">@{html.escape(post["username"])}</p>\n'
        f'<p class="caption" dir="auto" style="white-space: pre-wrap">'
        f"{html.escape(post['caption'])}</p>\n"
        f'<ul class="media" data-media-count="{len(post["media"])}">{items}</ul>\n'
        f'<time datetime="{post["timestamp"]}">{post["timestamp"]}</time>\n'
        "</article>\n</body>\n</html>\n",
    )


@web.add("GET", r"/(?P<section>p|reel)/(?P<code>[A-Za-z0-9_-]{1,20})/?")
def post_page(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    wanted = "REELS" if match["section"] == "reel" else "FEED"
    return _page(
        next(
            (
                p
                for p in state.posts(SLUG)
                if p["shortcode"] == match["code"] and p["media_product_type"] == wanted
            ),
            None,
        )
    )


@web.add("GET", r"/stories/(?P<username>[A-Za-z0-9._]{1,30})/(?P<id>[0-9]{1,25})/?")
def story_page(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    post = state.get_post(SLUG, match["id"])
    fits = post is not None and post["username"] == match["username"]
    return _page(post if fits and post and post["media_product_type"] == "STORY" else None)


# --- Control: quota already used ------------------------------------------------------


@CONTROL_ROUTES.add("POST", r"/instagram/quota", name="instagram_quota")
def quota_set(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    """``{"username": "...", "used": 100}``: posts the account published elsewhere today."""
    found = graph.quota_body(request)
    if isinstance(found, Response):
        return found
    username, used = found
    set_quota_used(state, username, used)
    return Response.json(200, {"ok": True})


def set_quota_used(state: SandboxState, username: str, used: int) -> None:
    state.add_media(_QUOTA_STORE, {"id": sandbox_user_id(username), "used": used})


# --- Faults ---------------------------------------------------------------------------

# Instagram's business-use-case limit (80002).
_FAULTS = graph.MetaFaults(
    usage_type="instagram",
    rate_limit_message="(#80002) There have been too many calls to this Instagram account. "
    "Wait a bit and try again.",
    rate_limit_code=80002,
)


register(
    Platform(
        slug=SLUG, api=api, web=web, fault_response=_FAULTS.response, not_found=graph.unsupported
    )
)
