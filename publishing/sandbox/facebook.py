"""Facebook Pages in the sandbox: API under ``/facebook``, posts under ``/facebook-web``.

Three of Meta's hosts, a path segment standing for each: ``/facebook/v25.0/...`` is
graph.facebook.com, ``/facebook/video/v25.0/...`` graph-video.facebook.com (``POST
/{page}/videos``), ``/facebook/rupload/video-upload/v25.0/{video}`` rupload.facebook.com (a Reel's
file). Paths and parameters follow Page.json, PagePost.json, Photo.json and AdVideo.json; errors
use Meta's Graph envelope; parameters come from the query string or a form body.

Videos take time: a video (or a finished Reel) answers ``processing`` to its first
``VIDEO_POLLS`` status reads, then ``ready``. Its file URL can steer it (sandbox-only):
``sandbox_polls=N`` sets that count, ``sandbox_error=CODE`` ends it in ``error`` with that code;
on a photo URL ``sandbox_error=324`` refuses the upload with that code.

Auth: ``access_token=sbx.facebook.<pagename>`` is that Page's token (rupload: the header
``Authorization: OAuth <token>``); the Page id is ``sandbox_page_id(pagename)``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from publishing.sandbox import _facebook_rules as rules
from publishing.sandbox import _facebook_wire as wire
from publishing.sandbox import _meta as graph
from publishing.sandbox.core import Platform, Request, Response, Routes, SandboxState
from publishing.sandbox.core import register as register_platform

SLUG = "facebook"
_TOKEN_RE = re.compile(r"sbx\.facebook\.([A-Za-z0-9._]{1,50})")
_V = r"(?:/v[0-9]+\.[0-9]+)?"
_PAGE = r"/(?P<page>[0-9]{5,20})"
_ID = r"/(?P<id>[0-9]{1,25}(?:_[0-9]{1,25})?)"
sandbox_page_id = rules.page_id

api = Routes()
web = Routes()


def sandbox_token(page_name: str) -> str:
    return f"sbx.facebook.{page_name}"


def _page(request: Request) -> tuple[str, str] | None:
    """``(page id, page name)`` for the request's Page token."""
    token = graph.params(request).get("access_token") or ""
    auth = request.headers.get("authorization", "")
    if not token and auth.startswith("OAuth "):
        token = auth.removeprefix("OAuth ").strip()
    found = _TOKEN_RE.fullmatch(token)
    return (rules.page_id(found.group(1)), found.group(1)) if found else None


PageHandler = Callable[[SandboxState, Request, re.Match[str], str, str, dict[str, str]], Response]


def _authed(handler: PageHandler) -> Callable[[SandboxState, Request, re.Match[str]], Response]:
    def wrapper(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
        page = _page(request)
        if page is None:
            return graph.error(400, "Invalid OAuth access token - Cannot parse access token", 190)
        wanted = match.groupdict().get("page")
        if wanted not in (None, page[0]):
            return graph.no_object(wanted or "", request.method.lower())
        params = graph.params(request)
        params.pop("access_token", None)
        return handler(state, request, match, page[0], page[1], params)

    wrapper.__name__ = handler.__name__
    return wrapper


def _web(request: Request) -> str:
    return f"http://{request.headers.get('host', '127.0.0.1')}/facebook-web"


def _new_post(
    state: SandboxState, request: Request, page: str, name: str, **fields: Any
) -> dict[str, Any]:
    now, number = time.time(), state.new_id()
    post = {
        "id": f"{page}_{number}", "page_id": page, "username": name, "message": "", "link": "",
        "media": [], "object_id": "", "created_epoch": now, "created_time": graph.meta_time(now),
        "permalink_url": f"{_web(request)}/{name}/posts/{number}", **fields,
    }  # fmt: skip
    return post


# --- Feed and photos ------------------------------------------------------------------


@api.add("POST", _V + _PAGE + r"/feed", name="pageFeedCreate")
@_authed
def feed(
    state: SandboxState, request: Request, match: re.Match[str], page: str, name: str,
    params: dict[str, str],
) -> Response:  # fmt: skip
    if bad := rules.unknown_param(params, rules.FEED):
        return graph.invalid(f"(#100) Param {bad} is not a valid parameter")
    if params.get("published", "true") != "true":
        return graph.invalid("(#100) The sandbox publishes posts at once (published=true)")
    link, photos = params.get("link", ""), []
    if link and not rules.is_url(link):
        return graph.invalid("(#100) Param link must be a valid URL")
    if "attached_media" in params:
        ids = rules.attached_ids(params["attached_media"])
        if ids is None:
            return graph.invalid("(#100) param attached_media must be an array of media_fbid")
        for photo_id in ids:
            photo = state.get_media(SLUG, photo_id)
            if photo is None or photo["page_id"] != page or photo["kind"] != "photo":
                return graph.invalid(f"(#100) Invalid media_fbid {photo_id}")
            if photo["published"] or photo["attached"]:
                return graph.invalid(f"(#100) Photo {photo_id} is already in a post")
            photos.append(photo)
    text = params.get("message", "")
    if not (text or link or photos):
        return graph.invalid("(#100) Missing message or attachment")
    media = [{"type": "image", "url": p["url"]} for p in photos]
    post = _new_post(state, request, page, name, message=text, link=link, media=media)
    state.add_post(SLUG, post)
    for photo in photos:
        state.add_media(SLUG, {**photo, "attached": True, "post_id": post["id"]})
    return Response.json(200, {"id": post["id"]})


@api.add("POST", _V + _PAGE + r"/photos", name="pagePhotoCreate")
@_authed
def photos(
    state: SandboxState, request: Request, match: re.Match[str], page: str, name: str,
    params: dict[str, str],
) -> Response:  # fmt: skip
    if bad := rules.unknown_param(params, rules.PHOTOS):
        return graph.invalid(f"(#100) Param {bad} is not a valid parameter")
    url = params.get("url", "")
    if not rules.is_url(url):
        return graph.error(400, "(#324) Requires upload file", 324)
    if (code := rules.steering(url).get("sandbox_error", "")).isdigit():
        return graph.error(400, f"(#{code}) Missing or invalid image file", int(code))
    published = params.get("published", "true") == "true"
    photo = {
        "id": state.new_id(), "kind": "photo", "page_id": page, "url": url,
        "published": published, "attached": False, "post_id": "", "created_epoch": time.time(),
    }  # fmt: skip
    if not published:
        state.add_media(SLUG, photo)
        return Response.json(200, {"id": photo["id"]})
    text = params.get("message") or params.get("caption", "")
    post = _new_post(
        state, request, page, name, message=text, object_id=photo["id"],
        media=[{"type": "image", "url": url}],
    )  # fmt: skip
    state.add_post(SLUG, post)
    state.add_media(SLUG, {**photo, "post_id": post["id"]})
    return Response.json(200, {"id": photo["id"], "post_id": post["id"]})


# --- Videos and Reels -----------------------------------------------------------------


def _new_video(state: SandboxState, page: str, kind: str, url: str) -> dict[str, Any]:
    steer = rules.steering(url)
    polls = steer.get("sandbox_polls", "")
    return {
        "id": state.new_id(), "kind": kind, "page_id": page, "url": url,
        "uploaded": bool(url), "finished": kind == "video", "post_id": "",
        "polls_left": int(polls) if polls.isdigit() else rules.VIDEO_POLLS,
        "error": steer.get("sandbox_error", ""), "state": "processing",
        "created_epoch": time.time(),
    }  # fmt: skip


def _video_post(
    state: SandboxState, request: Request, video: dict[str, Any], name: str, text: str
) -> dict[str, Any] | None:
    """The Page post a video makes; None when one already exists (a repeated finish)."""
    number = state.new_id()
    page, vid = video["page_id"], video["id"]
    section = "reel" if video["kind"] == "reel" else f"{name}/videos"
    post = _new_post(
        state, request, page, name, message=text, object_id=vid,
        media=[{"type": "video", "url": video["url"]}], id=f"{page}_{number}",
        permalink_url=f"{_web(request)}/{section}/{vid}", reel=video["kind"] == "reel",
    )  # fmt: skip
    if not state.add_post(SLUG, post, reject_if=lambda other: other["object_id"] == vid):
        return None
    state.add_media(SLUG, {**video, "post_id": post["id"], "finished": True})
    return post


@api.add("POST", r"/video" + _V + _PAGE + r"/videos", name="pageVideoCreate")
@_authed
def videos(
    state: SandboxState, request: Request, match: re.Match[str], page: str, name: str,
    params: dict[str, str],
) -> Response:  # fmt: skip
    if bad := rules.unknown_param(params, rules.VIDEOS):
        return graph.invalid(f"(#100) Param {bad} is not a valid parameter")
    if not rules.is_url(params.get("file_url", "")):
        return graph.invalid("(#100) A file_url (or source) is required")
    video = _new_video(state, page, "video", params["file_url"])
    state.add_media(SLUG, video)
    _video_post(state, request, video, name, params.get("description", ""))
    return Response.json(200, {"id": video["id"]})


def _reels_today(state: SandboxState, page: str) -> list[dict[str, Any]]:
    since = time.time() - rules.REELS_WINDOW_S
    return [
        p
        for p in state.posts(SLUG)
        if p["page_id"] == page and p.get("reel") and p["created_epoch"] > since
    ]


@api.add("POST", _V + _PAGE + r"/video_reels", name="pageReelCreate")
@_authed
def video_reels(
    state: SandboxState, request: Request, match: re.Match[str], page: str, name: str,
    params: dict[str, str],
) -> Response:  # fmt: skip
    if bad := rules.unknown_param(params, rules.REELS):
        return graph.invalid(f"(#100) Param {bad} is not a valid parameter")
    phase = params.get("upload_phase", "").lower()
    if phase == "start":
        session = _new_video(state, page, "reel", "")
        state.add_media(SLUG, session)
        host = request.headers.get("host", "127.0.0.1")
        upload = f"http://{host}/facebook/rupload/video-upload/v25.0/{session['id']}"
        return Response.json(200, {"video_id": session["id"], "upload_url": upload})
    if phase != "finish":
        return graph.invalid("(#100) upload_phase must be one of START, FINISH")
    video = state.get_media(SLUG, params.get("video_id", ""))
    if video is None or video["page_id"] != page or video["kind"] != "reel":
        return graph.invalid("(#100) Invalid video_id")
    if not video["uploaded"]:
        return graph.error(400, "Video Upload Is Missing: upload the file before finishing", 6000)
    if params.get("video_state", "").upper() != "PUBLISHED":
        return graph.invalid("(#100) The sandbox publishes Reels at once (video_state=PUBLISHED)")
    if not video["post_id"] and len(_reels_today(state, page)) >= rules.REELS_PER_DAY:
        return graph.error(
            400, "(#9) The Page reached its limit of Reels published through the API in 24 hours",
            9, user_msg="This Page has published 30 Reels through apps in the last 24 hours.",
        )  # fmt: skip
    _video_post(state, request, video, name, params.get("description", ""))
    return Response.json(200, {"success": True})


@api.add("POST", r"/rupload/video-upload" + _V + _ID, name="reelUpload")
@_authed
def rupload(
    state: SandboxState, request: Request, match: re.Match[str], page: str, name: str,
    params: dict[str, str],
) -> Response:  # fmt: skip
    video = state.get_media(SLUG, match["id"])
    if video is None or video["page_id"] != page or video["kind"] != "reel":
        return Response.json(400, {"debug_info": {"type": "NotFound", "message": "no session"}})
    url = request.headers.get("file_url", "")
    if not rules.is_url(url):  # the sandbox takes hosted files only, not bytes
        return Response.json(
            400, {"debug_info": {"type": "ParameterValidationError", "message": "file_url"}}
        )
    steer = _new_video(state, page, "reel", url)  # the file's steering, as for /videos
    keep = {k: steer[k] for k in ("url", "polls_left", "error")}
    state.add_media(SLUG, {**video, **keep, "uploaded": True})
    return Response.json(200, {"success": True})


# --- Reading, listing and deleting ----------------------------------------------------

_POST_FIELDS = {"id", "message", "created_time", "permalink_url"}
_PHOTO_FIELDS = {"id", "link", "page_story_id", "created_time"}
_VIDEO_FIELDS = {"id", "status", "permalink_url", "post_id", "created_time", "description"}


def _advance(state: SandboxState, video: dict[str, Any]) -> dict[str, Any]:
    """One status read: a finished video's processing moves on by one poll."""
    if video["finished"] and video["state"] == "processing":
        if video["polls_left"] > 0:
            video["polls_left"] -= 1
        else:
            video["state"] = "error" if video["error"] else "ready"
            if video["error"] and video["post_id"]:  # a failed video never shows on the Page
                state.remove_post(SLUG, video["post_id"])
        state.add_media(SLUG, video)
    return video


def _node_json(state: SandboxState, found: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    post = state.get_post(SLUG, found.get("post_id", "")) if "kind" in found else found
    values = {**found, "page_story_id": found.get("post_id")}
    if found.get("kind") == "photo":
        values["link"] = post["permalink_url"] if post else None
    elif found.get("kind"):
        values.update(status=wire.video_status(found), description=post["message"] if post else "")
        values["permalink_url"] = post["permalink_url"] if post else None
        values["created_time"] = graph.meta_time(found["created_epoch"])
    body = {"id": found["id"]}
    body.update({f: values[f] for f in fields if values.get(f) not in (None, "")})
    return body


@api.add("GET", _V + _ID + r"/?", name="node")
@_authed
def node(
    state: SandboxState, request: Request, match: re.Match[str], page: str, name: str,
    params: dict[str, str],
) -> Response:  # fmt: skip
    post = state.get_post(SLUG, match["id"])
    if post is not None and post["page_id"] == page:
        fields, error = graph.fields(params, _POST_FIELDS)
        return error or Response.json(200, _node_json(state, post, fields))
    media = state.get_media(SLUG, match["id"])
    if media is None or media["page_id"] != page or match["id"] == page:
        return graph.no_object(match["id"])
    known = _PHOTO_FIELDS if media["kind"] == "photo" else _VIDEO_FIELDS
    fields, error = graph.fields(params, known)
    if error is not None:
        return error
    if media["kind"] != "photo" and "status" in fields:
        media = _advance(state, media)
    return Response.json(200, _node_json(state, media, fields))


def _listing(state: SandboxState, page: str) -> list[dict[str, Any]]:
    """The Page's posts, newest first (ties in the same second by the order they were made)."""
    own = [p for p in state.posts(SLUG) if p["page_id"] == page]
    return sorted(
        own, key=lambda p: (p["created_epoch"], int(p["id"].rpartition("_")[2])), reverse=True
    )


@api.add("GET", _V + _PAGE + r"/(?P<edge>posts|feed)", name="pagePosts")
@_authed
def posts(
    state: SandboxState, request: Request, match: re.Match[str], page: str, name: str,
    params: dict[str, str],
) -> Response:  # fmt: skip
    fields, error = graph.fields(params, _POST_FIELDS)
    if error is not None:
        return error
    listed, error = graph.paged(_listing(state, page), params, request)
    if error is not None:
        return error
    data = [_node_json(state, p, fields) for p in listed.pop("items")]
    return Response.json(200, {"data": data, **listed})


@api.add("GET", _V + _PAGE + r"/video_reels", name="pageReels")
@_authed
def reels(
    state: SandboxState, request: Request, match: re.Match[str], page: str, name: str,
    params: dict[str, str],
) -> Response:  # fmt: skip
    fields, error = graph.fields(params, _VIDEO_FIELDS)
    if error is not None:
        return error
    since = graph.moment(params.get("since")) or 0.0
    found = [
        state.get_media(SLUG, p["object_id"])
        for p in _listing(state, page)[:100]
        if p.get("reel") and p["created_epoch"] >= since
    ]
    data = [_node_json(state, v, fields) for v in found if v is not None]
    return Response.json(200, {"data": data})


@api.add("DELETE", _V + _ID, name="delete")
@_authed
def delete(
    state: SandboxState, request: Request, match: re.Match[str], page: str, name: str,
    params: dict[str, str],
) -> Response:  # fmt: skip
    wanted = match["id"]
    media = state.get_media(SLUG, wanted)
    post_id = media.get("post_id", "") if media and media["page_id"] == page else wanted
    if not state.remove_post(SLUG, post_id or wanted, only_if=lambda p: p["page_id"] == page):
        return graph.no_object(wanted, "delete")
    return Response.json(200, {"success": True})


# --- Public pages (/facebook-web/{page}/posts/{n}, /{page}/videos/{id}, /reel/{id}) -----


@web.add("GET", r"/(?P<name>[A-Za-z0-9._]{1,50})/posts/(?P<n>[0-9]{1,25})/?")
def post_page(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    found = state.get_post(SLUG, f"{rules.page_id(match['name'])}_{match['n']}")
    return wire.page_html(found if found and found["username"] == match["name"] else None)


@web.add("GET", r"/(?:(?P<name>[A-Za-z0-9._]{1,50})/videos|reel)/(?P<id>[0-9]{1,25})/?")
def video_page(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    found = next((p for p in state.posts(SLUG) if p["object_id"] == match["id"]), None)
    return wire.page_html(found)


register_platform(
    Platform(
        slug=SLUG,
        api=api,
        web=web,
        fault_response=wire.FAULTS.response,
        not_found=graph.unsupported,
    )
)
