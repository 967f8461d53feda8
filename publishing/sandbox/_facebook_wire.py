"""The Facebook sandbox's answers that are pure data: a video's ``status``, a post's public page,
and the fault bodies (Meta's Graph envelope). Split from ``facebook.py`` to keep it readable."""

from __future__ import annotations

import html
from typing import Any

from publishing.sandbox import _meta as graph
from publishing.sandbox.core import Response


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


# The Pages business-use-case limit (code 32); an invalid session is worded as for a Page.
FAULTS = graph.MetaFaults(
    usage_type="pages",
    rate_limit_message="(#32) Page request limit reached",
    rate_limit_code=32,
    expired_message="Error validating access token: The session has been invalidated because "
    "the user changed their password or Facebook has changed the session for security reasons.",
    expired_subcode=460,
)
