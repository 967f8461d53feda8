"""Sample media the sandbox serves, and HTTP Range on it (stdlib and PyAV only, no Django).

``/_sandbox/media/{name}.mp4`` answers either

- a real, playable MP4 when the query names its shape: ``?seconds=22&width=1080&height=1920``
  (also ``rotate=90``, ``codec=h264|hevc|mpeg4``, ``audio=0``). H.264 and AAC, encoded with
  PyAV's bundled FFmpeg. Only two frames are encoded, one at the start and one at the end,
  so a 22-minute clip is a few KB and takes milliseconds to make; or
- a stand-in of ``?bytes=N`` bytes (the default): not playable, since the platforms'
  sandboxes only count and order its bytes, and cheap to serve at any size.

Both honour a single ``Range: bytes=…`` request, as a file host or CDN does; ``?ranges=none``
turns that off to stand for a server that always answers the whole file.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
from collections.abc import Iterator
from fractions import Fraction
from typing import TYPE_CHECKING

from publishing.sandbox._wire import Request, Response

if TYPE_CHECKING:
    import av

# A stand-in is streamed as it is generated, so its size costs no memory (TikTok takes up to
# 4 GB). Up to RANGE_MAX_BYTES it is built whole, to answer Range requests on it.
MAX_SAMPLE_VIDEO_BYTES = 8 * 1024 * 1024 * 1024
RANGE_MAX_BYTES = 64 * 1024 * 1024
_STREAM_PIECE = 1024 * 1024
MAX_SECONDS = 4 * 3600.0
MAX_SIDE = 4096
_MP4_HEADER = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
_SHAPE_ARGS = ("seconds", "width", "height")
_CODECS = {"h264": "libx264", "hevc": "libx265", "mpeg4": "mpeg4"}
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
FPS = 30


def _error(status: int, message: str) -> Response:
    return Response.json(status, {"ok": False, "error": message})


@functools.lru_cache(maxsize=32)
def sample_mp4(
    seconds: float,
    width: int,
    height: int,
    rotate: int = 0,
    codec: str = "h264",
    audio: bool = True,
) -> bytes:
    """An MP4 of the given duration and stored size, with a display rotation if asked."""
    import av  # here: FFmpeg's libraries load only when a sample video is made

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        video = container.add_stream(_CODECS[codec], rate=FPS)
        assert isinstance(video, av.VideoStream)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        if codec == "h264":
            video.options = {"preset": "ultrafast"}
        elif codec == "hevc":
            video.options = {"preset": "ultrafast", "x265-params": "log-level=error"}
        if rotate:
            video.set_display_rotation(rotate)
        # Every stream is added before the first packet is written.
        sound = container.add_stream("aac", rate=48000) if audio else None
        time_base = Fraction(1, FPS)
        last = max(round(seconds * FPS) - 1, 1)
        for pts in (0, last):
            frame = av.VideoFrame(width, height, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([128]) * plane.buffer_size)
            frame.pts, frame.time_base = pts, time_base
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if sound is not None:
            assert isinstance(sound, av.AudioStream)
            _add_silence(container, sound, min(seconds, 1.0))
    return buffer.getvalue()


def _add_silence(
    container: av.container.OutputContainer, stream: av.AudioStream, seconds: float
) -> None:
    # A second of silence at most: the container's duration is the video's either way.
    import av

    for index in range(max(1, int(seconds * 48000 / 1024))):
        frame = av.AudioFrame(format="fltp", layout="mono", samples=1024)
        frame.sample_rate = 48000
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.pts, frame.time_base = index * 1024, Fraction(1, 48000)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def _filler_pieces(name: str, size: int) -> Iterator[bytes]:
    """The stand-in's bytes, one piece at a time. The name is written into the first bytes, so
    a name can steer a sandbox (X fails processing for ``processing-fails``)."""
    head = (_MP4_HEADER + name.encode() + b"\n")[:size]
    yield head
    left = size - len(head)
    filler = hashlib.sha256(name.encode()).digest()
    block = filler * (_STREAM_PIECE // len(filler))
    while left > 0:
        piece = block[:left]
        left -= len(piece)
        yield piece


def _number(request: Request, name: str, default: str, low: float, high: float) -> float | None:
    raw = request.arg(name) or default
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if low <= value <= high else None


def sample_video(request: Request, name: str) -> Response:
    """The ``/_sandbox/media/{name}.mp4`` answer (see the module's docstring)."""
    headers = {"content-type": "video/mp4"}
    if request.arg("ranges") != "none":
        headers["accept-ranges"] = "bytes"
    if not any(request.arg(arg) for arg in _SHAPE_ARGS):
        raw = request.arg("bytes") or str(1024 * 1024)
        if not raw.isdigit() or not 0 < int(raw) <= MAX_SAMPLE_VIDEO_BYTES:
            return _error(400, f"bytes must be an integer from 1 to {MAX_SAMPLE_VIDEO_BYTES}")
        size = int(raw)
        if size > RANGE_MAX_BYTES:
            headers.pop("accept-ranges", None)
            return Response.streamed(200, _filler_pieces(name, size), size, headers)
        return Response(200, b"".join(_filler_pieces(name, size)), headers)
    seconds = _number(request, "seconds", "5", 0.1, MAX_SECONDS)
    width = _number(request, "width", "1080", 16, MAX_SIDE)
    height = _number(request, "height", "1920", 16, MAX_SIDE)
    rotate = request.arg("rotate") or "0"
    codec = request.arg("codec") or "h264"
    if seconds is None or width is None or height is None:
        return _error(400, f"seconds must be 0.1 to {MAX_SECONDS}, width and height 16 to 4096")
    if rotate not in ("0", "90", "180", "270") or codec not in _CODECS:
        return _error(400, f"rotate must be 0, 90, 180 or 270; codec one of {sorted(_CODECS)}")
    # yuv420p needs even sides.
    body = sample_mp4(
        seconds,
        int(width) // 2 * 2,
        int(height) // 2 * 2,
        int(rotate),
        codec,
        request.arg("audio") != "0",
    )
    return Response(200, body, headers)


def with_range(request: Request, response: Response) -> Response:
    """Answer a single ``Range`` request on a response that offers ranges (206 or 416)."""
    wanted = request.headers.get("range", "")
    if (
        request.method != "GET"
        or response.status != 200
        or response.headers.get("accept-ranges") != "bytes"
        or not (found := _RANGE.fullmatch(wanted.strip()))
        or not (found[1] or found[2])
    ):
        return response
    size = len(response.body)
    if found[1]:
        start = int(found[1])
        end = min(int(found[2]), size - 1) if found[2] else size - 1
    else:  # the last N bytes
        start, end = max(size - int(found[2]), 0), size - 1
    if start >= size or start > end:
        return Response(416, b"", {**response.headers, "content-range": f"bytes */{size}"})
    return Response(
        206,
        response.body[start : end + 1],
        {**response.headers, "content-range": f"bytes {start}-{end}/{size}"},
    )
