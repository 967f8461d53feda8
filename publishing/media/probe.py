"""Measuring a media file at its URL without downloading it whole.

A video's duration, size and codecs sit in a small part of the file (MP4's ``moov`` box, at
the start or at the end), so the file is read through HTTP Range requests as a seekable,
read-only file: PyAV (FFmpeg) reads a video's headers from it, Pillow an image's. Every
request goes through the media fetcher's pinned, SSRF-checked session, and the whole probe
has a byte budget and a deadline, so a probe costs a few requests and at most a few MB.

A server that ignores Range answers the whole file: then only its first ``max_bytes`` are
read, and when what the probe needs lies past them the answer is "could not probe", never a
guess. Callers treat that as "not checked here": the platform still judges the file.
"""

from __future__ import annotations

import io
import os
import re
import time
from fractions import Fraction
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import requests

from publishing.media.errors import MediaFetchError
from publishing.media.fetch import MAX_REDIRECTS, MediaStream, _get
from publishing.media.info import MediaInfo

if TYPE_CHECKING:
    import av

# Each Range request asks for at least this much: FFmpeg reads 32 KB at a time, and one
# request per read would multiply round trips.
BLOCK_SIZE = 256 * 1024
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
# EXIF orientations that turn the picture a quarter (5 and 7 also mirror it).
_QUARTER_TURNS = {5: 90, 6: 90, 7: 270, 8: 270}


class MediaProbeError(Exception):
    """The media could not be measured; the message says why (for logs and for support)."""


class _Budget:
    def __init__(self, max_bytes: int, deadline: float) -> None:
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.used = 0

    def take(self, count: int) -> None:
        if time.monotonic() > self.deadline:
            raise MediaProbeError("probing took too long")
        if self.used + count > self.max_bytes:
            raise MediaProbeError(f"probing needed more than {self.max_bytes} bytes")
        self.used += count


def _read_body(response: requests.Response, *, url: str, limit: int, deadline: float) -> bytes:
    """At most ``limit`` bytes of the body (fewer if it ends first), on the deadline."""
    stream = MediaStream(
        response,
        url=url,
        content_type="",
        # One past the limit, so reaching the limit is not an error: we stop there.
        max_bytes=limit + BLOCK_SIZE,
        deadline=deadline,
    )
    body = bytearray()
    for chunk in stream:
        body.extend(chunk)
        if len(body) >= limit:
            break
    return bytes(body[:limit])


class RangeFile(io.RawIOBase):
    """A remote file, read-only and seekable, fetched by blocks through Range requests.

    ``head`` holds the bytes already read from the start. Without Range support
    (``ranged=False``) nothing past the head can be read.
    """

    def __init__(self, url: str, *, size: int, head: bytes, ranged: bool, budget: _Budget):
        super().__init__()
        self.url = url
        self.size = size
        self.ranged = ranged
        self._budget = budget
        self._head = head
        self._blocks: dict[int, bytes] = {}
        self._pos = 0
        # Why the last read failed; FFmpeg turns our exception into its own error code.
        self.failure: MediaProbeError | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if self._pos >= self.size or not len(buffer):
            return 0
        try:
            data = self._read_at(self._pos, min(len(buffer), self.size - self._pos))
        except MediaProbeError as exc:
            self.failure = exc
            raise
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def _read_at(self, pos: int, count: int) -> bytes:
        if pos + count <= len(self._head):
            return self._head[pos : pos + count]
        if pos < len(self._head):
            return self._head[pos:]
        if not self.ranged:
            raise MediaProbeError(
                f"the server does not answer Range requests and the part needed lies past "
                f"the first {len(self._head)} bytes"
            )
        index = pos // BLOCK_SIZE
        block = self._blocks.get(index)
        if block is None:
            block = self._blocks[index] = self._fetch(index * BLOCK_SIZE)
        offset = pos - index * BLOCK_SIZE
        return block[offset : offset + count]

    def _fetch(self, start: int) -> bytes:
        end = min(start + BLOCK_SIZE, self.size) - 1
        length = end - start + 1
        self._budget.take(length)
        try:
            response = _get(self.url, self._budget.deadline, {"Range": f"bytes={start}-{end}"})
        except MediaFetchError as exc:
            raise MediaProbeError(str(exc)) from exc
        with response:
            found = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if response.status_code != 206 or not found or int(found[1]) != start:
                raise MediaProbeError(
                    f"a Range request answered HTTP {response.status_code} without that range"
                )
            try:
                data = _read_body(
                    response, url=self.url, limit=length, deadline=self._budget.deadline
                )
            except MediaFetchError as exc:
                raise MediaProbeError(str(exc)) from exc
        if len(data) != length:
            raise MediaProbeError("a Range request answered fewer bytes than asked")
        return data


class LocalFile(io.FileIO):
    """A file on this machine, read as a probe reads a remote one (an upload being checked)."""

    def __init__(self, path: str) -> None:
        super().__init__(path, "r")
        self.size = os.fstat(self.fileno()).st_size
        self.failure: MediaProbeError | None = None


ProbeFile = RangeFile | LocalFile


def open_remote(url: str, *, max_bytes: int, deadline_seconds: float) -> RangeFile:
    """Open ``url`` for probing: the first block, following vetted redirects."""
    budget = _Budget(max_bytes, time.monotonic() + deadline_seconds)
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            response = _get(current, budget.deadline, {"Range": f"bytes=0-{BLOCK_SIZE - 1}"})
        except MediaFetchError as exc:
            raise MediaProbeError(str(exc)) from exc
        with response:
            if response.is_redirect:
                current = urljoin(current, response.headers.get("Location", ""))
                continue
            return _first_answer(response, current, budget)
    raise MediaProbeError("the media URL redirects too many times")


def _first_answer(response: requests.Response, url: str, budget: _Budget) -> RangeFile:
    if response.headers.get("Content-Encoding", "identity").lower() != "identity":
        raise MediaProbeError("the media is served compressed")
    if response.status_code == 206:
        found = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
        if not found or found[1] != "0" or found[3] == "*":
            raise MediaProbeError("the server answered a range without the file's size")
        size, length = int(found[3]), int(found[2]) + 1
        budget.take(length)
        try:
            head = _read_body(response, url=url, limit=length, deadline=budget.deadline)
        except MediaFetchError as exc:
            raise MediaProbeError(str(exc)) from exc
        return RangeFile(url, size=size, head=head, ranged=True, budget=budget)
    if response.status_code == 200:
        # No Range support: the head, as far as the budget goes, is all there will be.
        try:
            head = _read_body(response, url=url, limit=budget.max_bytes, deadline=budget.deadline)
        except MediaFetchError as exc:
            raise MediaProbeError(str(exc)) from exc
        budget.take(len(head))
        declared = response.headers.get("Content-Length", "")
        complete = len(head) < budget.max_bytes or declared == str(len(head))
        if complete:
            return RangeFile(url, size=len(head), head=head, ranged=False, budget=budget)
        if not declared.isdigit():
            raise MediaProbeError("the server neither answers Range requests nor gives a size")
        return RangeFile(url, size=int(declared), head=head, ranged=False, budget=budget)
    raise MediaProbeError(f"the media URL answered HTTP {response.status_code}")


# --- Reading the file -----------------------------------------------------------------


def _container_name(container: av.container.InputContainer, video_codec: str) -> str:
    names = container.format.name.split(",")
    if "mp4" in names or "mov" in names:
        # One demuxer reads both; the brand says which the file is.
        brand = container.metadata.get("major_brand", "").strip()
        return "mov" if brand == "qt" else "mp4"
    if "matroska" in names:
        return "webm" if video_codec in ("vp8", "vp9", "av1") else "mkv"
    return names[0]


def _duration(container: av.container.InputContainer, stream: av.VideoStream) -> float | None:
    if container.duration is not None and container.duration > 0:
        return container.duration / 1_000_000  # AV_TIME_BASE: microseconds
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def _rate(value: Fraction | None) -> float | None:
    return float(value) if value else None


def _first_frame_rotation(container: av.container.InputContainer) -> int:
    # FFmpeg puts the stream's display matrix on every decoded frame; PyAV exposes it
    # there, not on the stream. One frame is a few KB to read.
    for frame in container.decode(video=0):
        return round(frame.rotation) % 360
    return 0


def probe_video(file: ProbeFile) -> MediaInfo:
    # Imported here: FFmpeg's libraries load only in processes that probe.
    import av
    import av.error

    try:
        with av.open(file, mode="r") as container:
            if not container.streams.video:
                raise MediaProbeError("the file has no video track")
            names = container.format.name
            if names.endswith("_pipe") or names.startswith("image2"):
                # FFmpeg reads a still image as a one-frame "video"; it is not one.
                raise MediaProbeError(f"the file is an image ({names}), not a video")
            video = container.streams.video[0]
            codec = video.codec_context.codec.canonical_name
            audio = (
                container.streams.audio[0].codec.canonical_name if container.streams.audio else ""
            )
            width, height = video.codec_context.width, video.codec_context.height
            rotation = _first_frame_rotation(container)
            if rotation in (90, 270):
                width, height = height, width
            return MediaInfo(
                kind="video",
                container=_container_name(container, codec),
                width=width,
                height=height,
                size_bytes=file.size,
                duration_seconds=_duration(container, video),
                video_codec=codec,
                audio_codec=audio,
                frame_rate=_rate(video.average_rate or video.guessed_rate),
                bit_rate=container.bit_rate or None,
                rotation=rotation,
            )
    except MediaProbeError:
        raise
    except (av.error.FFmpegError, OSError, ValueError, IndexError, StopIteration) as exc:
        raise file.failure or MediaProbeError(f"not a readable video ({exc})") from exc


def probe_image(file: ProbeFile) -> MediaInfo:
    from PIL import Image, UnidentifiedImageError

    try:
        # Image.open reads the header only; the pixels are never decoded.
        with Image.open(io.BufferedReader(file, BLOCK_SIZE)) as image:
            width, height = image.size
            orientation = image.getexif().get(0x0112, 1) if image.format == "JPEG" else 1
            rotation = _QUARTER_TURNS.get(orientation, 0)
            if rotation:
                width, height = height, width
            return MediaInfo(
                kind="image",
                container=(image.format or "").lower(),
                width=width,
                height=height,
                size_bytes=file.size,
                rotation=rotation,
            )
    except MediaProbeError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise file.failure or MediaProbeError(f"not a readable image ({exc})") from exc


def probe_media(url: str, kind: str, *, max_bytes: int, deadline_seconds: float) -> MediaInfo:
    """Measure the ``kind`` ("video" or "image") of media at ``url``.

    Reads at most ``max_bytes`` within ``deadline_seconds``; raises MediaProbeError when the
    file cannot be measured that way (or at all).
    """
    file = open_remote(url, max_bytes=max_bytes, deadline_seconds=deadline_seconds)
    return probe_video(file) if kind == "video" else probe_image(file)
