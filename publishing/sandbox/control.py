"""The control API under ``/_sandbox/``: not a platform, a remote for tests and ``make run`` users.

It lets an end-to-end test (which only sees the sandbox over HTTP) inject faults, read what the
service sent, and inspect or reset the platforms' state. Tests that run the server in a thread
can use :class:`~publishing.sandbox.core.SandboxState` directly instead.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zlib
from typing import Any

from PIL import Image

from publishing.sandbox._media import sample_video
from publishing.sandbox.core import CONTROL_ROUTES as routes
from publishing.sandbox.core import Fault, Request, Response, SandboxState, load_modules

_OK = {"ok": True}


def _error(status: int, message: str) -> Response:
    return Response.json(status, {"ok": False, "error": message})


def _platform_arg(request: Request) -> tuple[str | None, Response | None]:
    """The optional ``platform`` query argument, or an error response if it names no platform."""
    platform = request.arg("platform")
    if platform is not None and platform not in load_modules():
        return None, _error(400, f"unknown platform {platform!r}")
    return platform, None


@routes.add("GET", r"/health", name="health")
def health(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    return Response.json(200, {"ok": True, "platforms": sorted(load_modules())})


@routes.add("GET", r"/faults", name="faults_list")
def faults_list(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    return Response.json(200, [fault.to_json() for fault in state.faults()])


@routes.add("POST", r"/faults", name="faults_add")
def faults_add(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    try:
        fault = Fault.from_json(request.json_body, load_modules())
    except ValueError as exc:
        return _error(400, str(exc))
    state.add_fault(fault)
    return Response.json(200, _OK)


@routes.add("DELETE", r"/faults", name="faults_clear")
def faults_clear(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    state.clear_faults()
    return Response.json(200, _OK)


@routes.add("GET", r"/requests", name="requests_list")
def requests_list(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    platform, error = _platform_arg(request)
    return error or Response.json(200, state.requests(platform))


@routes.add("DELETE", r"/requests", name="requests_clear")
def requests_clear(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    state.clear_requests()
    return Response.json(200, _OK)


@routes.add("GET", r"/posts", name="posts_list")
def posts_list(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    platform, error = _platform_arg(request)
    if error is not None:
        return error
    slugs = [platform] if platform else sorted(load_modules())
    posts: list[dict[str, Any]] = []
    for slug in slugs:
        posts.extend({"platform": slug, **post} for post in state.posts(slug))
    return Response.json(200, posts)


@routes.add("POST", r"/latency", name="latency_set")
def latency_set(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    # Same knob as SANDBOX_LATENCY_MS, adjustable while a benchmark runs.
    body = request.json_body
    ms = body.get("ms") if isinstance(body, dict) else None
    if not isinstance(ms, int | float) or isinstance(ms, bool) or ms < 0:
        return _error(400, 'body must be {"ms": <number >= 0>}')
    state.latency_ms = float(ms)
    return Response.json(200, _OK)


@routes.add("POST", r"/reset", name="reset")
def reset(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    state.reset()
    return Response.json(200, _OK)


def _png(name: str, size: int = 64) -> bytes:
    """A small solid-colour PNG, its colour derived from the name (a distinct file each)."""
    digest = hashlib.sha256(name.encode()).digest()
    row = b"\x00" + bytes(digest[:3]) * size  # filter byte, then RGB pixels
    raw = row * size

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@routes.add("GET", r"/media/(?P<name>[A-Za-z0-9_-]{1,64})\.png", name="media")
def media(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    """Sample images to put in posts (`make run` allows loopback media URLs)."""
    return Response(200, _png(match["name"]), {"content-type": "image/png"})


MAX_SAMPLE_SIDE = 8000
_IMAGE_FORMATS = {"jpg": ("JPEG", "image/jpeg"), "webp": ("WEBP", "image/webp")}


@routes.add("GET", r"/media/(?P<name>[A-Za-z0-9_-]{1,64})\.(?P<ext>jpg|webp)", name="media_photo")
def media_photo(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    """A solid-colour JPEG or WebP of ``?w=`` by ``?h=`` pixels (64 by 64 by default), to test what
    platforms take and what the service converts."""
    sides = [request.arg(k) or "64" for k in ("w", "h")]
    if not all(s.isdigit() and 0 < int(s) <= MAX_SAMPLE_SIDE for s in sides):
        return _error(400, f"w and h must be integers from 1 to {MAX_SAMPLE_SIDE}")
    fmt, content_type = _IMAGE_FORMATS[match["ext"]]
    colour = tuple(hashlib.sha256(match["name"].encode()).digest()[:3])
    out = io.BytesIO()
    Image.new("RGB", (int(sides[0]), int(sides[1])), colour).save(out, fmt)
    return Response(200, out.getvalue(), {"content-type": content_type})


MAX_SAMPLE_GIF_BYTES = 32 * 1024 * 1024
MAX_SAMPLE_GIF_FRAMES = 500


def _gif(name: str, frames: int, size: int) -> bytes:
    """A 16x16 GIF of ``frames`` colours (animated when more than one), its name in a comment
    near the start (so a name can steer a sandbox, as the sample video's does), then padded
    with a comment to ``size`` bytes when that is larger."""
    from PIL import Image  # only this route needs Pillow

    digest = hashlib.sha256(name.encode()).digest()
    images = [
        Image.new("RGB", (16, 16), (digest[0], digest[1], (digest[2] + 37 * i) % 256))
        for i in range(frames)
    ]
    out = io.BytesIO()
    images[0].save(
        out, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0,
        comment=name.encode(),
    )  # fmt: skip
    data = out.getvalue()
    room = size - len(data) - 3  # the comment's introducer (2 bytes) and terminator (1)
    if room < 2:
        return data
    blocks, filler = bytearray(), digest * 8
    while room > 0:
        length = min(255, room - 1)
        if room - (length + 1) == 1:  # a sub-block holds at least one byte: leave two
            length -= 1
        blocks += bytes([length]) + filler[:length]
        room -= length + 1
    return data[:-1] + b"\x21\xfe" + bytes(blocks) + b"\x00" + data[-1:]


@routes.add("GET", r"/media/(?P<name>[A-Za-z0-9_-]{1,64})\.gif", name="media_gif")
def media_gif(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    """A sample GIF: ``?frames=N`` (2 by default: animated; 1 is a still image) and
    ``?bytes=N`` to pad it to that size (for size limits)."""
    frames, size = request.arg("frames") or "2", request.arg("bytes") or "0"
    if not frames.isdigit() or not 0 < int(frames) <= MAX_SAMPLE_GIF_FRAMES:
        return _error(400, f"frames must be an integer from 1 to {MAX_SAMPLE_GIF_FRAMES}")
    if not size.isdigit() or int(size) > MAX_SAMPLE_GIF_BYTES:
        return _error(400, f"bytes must be an integer up to {MAX_SAMPLE_GIF_BYTES}")
    body = _gif(match["name"], int(frames), int(size))
    return Response(200, body, {"content-type": "image/gif"})


@routes.add("GET", r"/media/(?P<name>[A-Za-z0-9_-]{1,64})\.mp4", name="media_video")
def media_video(state: SandboxState, request: Request, match: re.Match[str]) -> Response:
    """A real MP4 of a chosen shape, or a stand-in of ``?bytes=N`` bytes (see ``_media.py``)."""
    return sample_video(request, match["name"])
