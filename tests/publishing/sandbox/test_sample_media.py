"""The sandbox's sample video is generated while it is sent: any size up to the limit, the
same bytes for the same name, and a bounded cost to the sandbox whatever the size."""

from __future__ import annotations

import hashlib
from pathlib import Path

import requests

from publishing.sandbox._media import MAX_SAMPLE_VIDEO_BYTES
from publishing.sandbox.core import SandboxServer

MB = 1024 * 1024


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def _download(url: str) -> tuple[requests.Response, int, str, float]:
    """The response, the bytes received, their digest and this process's highest RSS."""
    digest = hashlib.sha256()
    received, peak = 0, _rss_mb()
    with requests.get(url, stream=True, timeout=30) as response:
        for chunk in response.iter_content(256 * 1024):
            received += len(chunk)
            digest.update(chunk)
            peak = max(peak, _rss_mb())
    return response, received, digest.hexdigest(), peak


def test_a_small_video_starts_with_its_name_and_has_the_asked_size(
    sandbox: SandboxServer,
) -> None:
    response = requests.get(f"{sandbox.base_url}/_sandbox/media/processing-fails.mp4?bytes=100")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["Content-Length"] == "100"
    assert len(response.content) == 100
    assert response.content[4:8] == b"ftyp"
    assert b"processing-fails\n" in response.content


def test_a_video_larger_than_any_request_body_streams_without_growing_the_sandbox(
    sandbox: SandboxServer,
) -> None:
    size = 200 * MB + 17  # beyond the sandbox's in-memory limit for bodies (64 MB)
    before = _rss_mb()
    url = f"{sandbox.base_url}/_sandbox/media/big.mp4?bytes={size}"
    response, received, first, peak = _download(url)
    assert response.headers["Content-Length"] == str(size)
    assert received == size
    assert peak - before < 50  # the server thread lives in this process: nothing held whole
    assert _download(url)[2] == first  # the same name gives the same bytes


def test_sizes_outside_the_limits_are_refused(sandbox: SandboxServer) -> None:
    for size in ("0", str(MAX_SAMPLE_VIDEO_BYTES + 1), "many"):
        response = requests.get(f"{sandbox.base_url}/_sandbox/media/clip.mp4?bytes={size}")
        assert response.status_code == 400
        assert response.json()["ok"] is False
