"""The Facebook sandbox's answers that are pure data: a video's ``status``, a post's public page,
and the fault bodies (Meta's Graph envelope). Split from ``facebook.py`` to keep it readable."""

from __future__ import annotations

import html
import json
import math
from typing import Any

from publishing.sandbox import _meta as graph
from publishing.sandbox.core import Fault, Request, Response


def video_status(video: dict[str, Any]) -> dict[str, Any]:
    done, not_started = {"status": "complete"}, {"status": "not_started"}
    if not video["finished"]:
        uploaded = video["uploaded"]
        return {
            "video_status": "upload_complete" if uploaded else "uploading",
            "uploading_phase": done if uploaded else not_started,
            "processing_phase": not_started, "publishing_phase": not_started,
        }  # fmt: skip
    if video["state"] == "error":
        code = video["error"]
        errors = [{"code": int(code) if code.isdigit() else 1363008,
                   "message": f"Video processing failed (error {code})"}]  # fmt: skip
        return {
            "video_status": "error", "uploading_phase": done,
            "processing_phase": {"status": "error", "errors": errors},
            "publishing_phase": not_started,
        }  # fmt: skip
    if video["state"] == "processing":
        return {
            "video_status": "processing", "uploading_phase": done,
            "processing_phase": {"status": "in_progress"}, "publishing_phase": not_started,
        }  # fmt: skip
    return {
        "video_status": "ready", "uploading_phase": done, "processing_phase": done,
        "publishing_phase": {"status": "complete", "publish_status": "published"},
    }  # fmt: skip


def page_html(post: dict[str, Any] | None) -> Response:
    if post is None:
        return Response.html(
            404,
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Facebook '
            "(sandbox)</title></head><body><p>This content isn't available right now.</p>"
            "</body></html>",
        )
    items = "".join(
        f'<li data-type="{m["type"]}">{html.escape(m["url"])}</li>' for m in post["media"]
    )
    link = f'<a class="link" href="{html.escape(post["link"])}">{html.escape(post["link"])}</a>'
    return Response.html(
        200,
        '<!doctype html>\n<html lang="en" dir="auto">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(post['username'])} on Facebook (sandbox)</title></head>\n"
        f'<body>\n<article data-post-id="{post["id"]}">\n'
        f'<p class="author">{html.escape(post["username"])}</p>\n'
        f'<p class="message" dir="auto" style="white-space: pre-wrap">'
        f"{html.escape(post['message'])}</p>\n{link if post['link'] else ''}\n"
        f'<ul class="media" data-media-count="{len(post["media"])}">{items}</ul>\n'
        f'<time datetime="{post["created_time"]}">{post["created_time"]}</time>\n'
        "</article>\n</body>\n</html>\n",
    )


def fault_response(fault: Fault, request: Request) -> Response:
    if fault.kind == "rate_limit":
        # The Pages business-use-case limit (code 32); the wait is in the usage header, in
        # whole minutes, as Meta sends no Retry-After.
        regain = math.ceil(fault.retry_after / 60)
        usage = {"0": [{"type": "pages", "call_count": 100, "total_cputime": 30,
                        "total_time": 45, "estimated_time_to_regain_access": regain}]}  # fmt: skip
        return graph.error(
            400, "(#32) Page request limit reached", 32, transient=True,
            headers={"x-business-use-case-usage": json.dumps(usage)},
        )  # fmt: skip
    if fault.kind == "server_error":
        return graph.error(
            500, "An unexpected error has occurred. Please retry your request later.", 2,
            transient=True,
        )  # fmt: skip
    if fault.kind == "expired_token":
        return graph.error(
            400,
            "Error validating access token: The session has been invalidated because the user "
            "changed their password or Facebook has changed the session for security reasons.",
            190,
            subcode=460,
        )
    if fault.kind == "no_credits":
        app_usage = json.dumps({"call_count": 100, "total_cputime": 10, "total_time": 10})
        return graph.error(
            400, "(#4) Application request limit reached", 4, transient=True,
            headers={"x-app-usage": app_usage},
        )  # fmt: skip
    raise ValueError(f"fault kind {fault.kind!r} has no error body")
