"""Probing media over real HTTP against the sandbox's generated files: real MP4s (H.264/AAC,
HEVC, MPEG-4 Part 2) and PNGs, read through Range requests or, where the server ignores Range,
from the head of the file only."""

from __future__ import annotations

import contextlib
import io
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from PIL import Image

from publishing.media.probe import BLOCK_SIZE, MediaProbeError, probe_media
from publishing.sandbox._media import sample_mp4
from publishing.sandbox.core import SandboxServer

MB = 1024 * 1024


def probe(url: str, kind: str = "video", max_bytes: int = 4 * MB) -> Any:
    return probe_media(url, kind, max_bytes=max_bytes, deadline_seconds=5)


def media(sandbox: SandboxServer, path: str) -> str:
    return f"{sandbox.base_url}/_sandbox/media/{path}"


def test_a_long_vertical_video_is_measured_without_reading_it_whole(
    sandbox: SandboxServer,
) -> None:
    url = media(sandbox, "clip.mp4?seconds=1320&width=1080&height=1920")
    size = len(requests.get(url, timeout=5).content)

    info = probe(url)

    assert info.kind == "video"
    assert info.container == "mp4"
    assert info.duration_seconds == pytest.approx(1320, abs=0.1)
    assert (info.width, info.height) == (1080, 1920)
    assert info.aspect_ratio == pytest.approx(9 / 16)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert info.size_bytes == size
    assert info.rotation == 0


def test_rotation_turns_the_stored_size_into_the_displayed_one(sandbox: SandboxServer) -> None:
    info = probe(media(sandbox, "phone.mp4?seconds=10&width=1920&height=1080&rotate=90"))

    assert info.rotation == 90
    assert (info.width, info.height) == (1080, 1920)


@pytest.mark.parametrize("codec", ["hevc", "mpeg4"])
def test_other_codecs_and_a_silent_video(sandbox: SandboxServer, codec: str) -> None:
    info = probe(media(sandbox, f"c.mp4?seconds=3&width=640&height=480&codec={codec}&audio=0"))

    assert (info.video_codec, info.audio_codec) == (codec, "")
    assert info.duration_seconds == pytest.approx(3, abs=0.1)
    assert (info.width, info.height) == (640, 480)


def test_the_sandbox_serves_byte_ranges(sandbox: SandboxServer) -> None:
    url = media(sandbox, "clip.mp4?seconds=3&width=320&height=240")
    whole = requests.get(url, timeout=5).content

    part = requests.get(url, headers={"Range": "bytes=10-19"}, timeout=5)
    tail = requests.get(url, headers={"Range": "bytes=-5"}, timeout=5)
    beyond = requests.get(url, headers={"Range": f"bytes={len(whole)}-"}, timeout=5)

    assert (part.status_code, part.content) == (206, whole[10:20])
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(whole)}"
    assert (tail.status_code, tail.content) == (206, whole[-5:])
    assert beyond.status_code == 416


def test_filler_video_cannot_be_probed_and_says_so(sandbox: SandboxServer) -> None:
    with pytest.raises(MediaProbeError, match="not a readable video"):
        probe(media(sandbox, "big.mp4?bytes=" + str(20 * MB)))


def test_the_byte_budget_is_never_exceeded(sandbox: SandboxServer) -> None:
    with pytest.raises(MediaProbeError, match="more than"):
        probe(media(sandbox, "big.mp4?bytes=" + str(20 * MB)), max_bytes=BLOCK_SIZE // 2)


def test_without_range_a_file_within_the_budget_is_probed_from_its_whole_body(
    sandbox: SandboxServer,
) -> None:
    info = probe(media(sandbox, "clip.mp4?seconds=1320&width=1080&height=1920&ranges=none"))

    assert info.duration_seconds == pytest.approx(1320, abs=0.1)


def test_without_range_what_lies_past_the_budget_is_could_not_probe(
    sandbox: SandboxServer,
) -> None:
    # The generated MP4 keeps its index (moov) at the end, past the first 2 KB.
    url = media(sandbox, "clip.mp4?seconds=1320&width=1080&height=1920&ranges=none")

    with pytest.raises(MediaProbeError, match="Range"):
        probe(url, max_bytes=2048)


def test_an_image_is_measured(sandbox: SandboxServer) -> None:
    info = probe(media(sandbox, "shoe.png"), kind="image")

    assert (info.kind, info.container, info.width, info.height) == ("image", "png", 64, 64)


def test_the_address_checks_apply(sandbox: SandboxServer, settings: Any) -> None:
    settings.MEDIA_ALLOW_LOOPBACK = False

    with pytest.raises(MediaProbeError, match="not a public address"):
        probe(media(sandbox, "clip.mp4?seconds=3"))


def test_an_image_given_as_a_video_is_not_measured_as_one(sandbox: SandboxServer) -> None:
    # FFmpeg would read a PNG as a one-frame "video".
    with pytest.raises(MediaProbeError, match="image"):
        probe(media(sandbox, "shoe.png"))


class _Host(BaseHTTPRequestHandler):
    """A plain media host (no Range support): a phone JPEG, or a video dripped slowly."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/phone.jpg":
            image = Image.new("RGB", (400, 300), "red")
            exif = Image.Exif()
            exif[0x0112] = 6  # taken turned a quarter: shown 300x400
            out = io.BytesIO()
            image.save(out, "JPEG", exif=exif)
            body, kind = out.getvalue(), "image/jpeg"
        else:
            body, kind = sample_mp4(3.0, 320, 240), "video/mp4"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):
            if self.path == "/drip.mp4":
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.05)
            else:
                self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def host(settings: Any) -> Iterator[str]:
    settings.MEDIA_ALLOW_LOOPBACK = True
    settings.MEDIA_ALLOW_HTTP = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Host)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_jpeg_is_measured_as_shown_after_its_exif_orientation(host: str) -> None:
    info = probe(f"{host}/phone.jpg", kind="image")

    assert (info.container, info.width, info.height, info.rotation) == ("jpeg", 300, 400, 90)


def test_a_host_dripping_bytes_is_cut_off_at_the_deadline(host: str) -> None:
    started = time.monotonic()

    with pytest.raises(MediaProbeError, match="too long"):
        probe_media(f"{host}/drip.mp4", "video", max_bytes=4 * MB, deadline_seconds=0.5)

    assert time.monotonic() - started < 2
