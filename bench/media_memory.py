"""The worker's memory while it publishes a 1 GB video to YouTube (the sandbox).

A real Celery worker (threads pool, as in production) streams the video from the sandbox's
sample media URL and PUTs it to the YouTube sandbox's resumable upload in chunks. The post goes
through the public API (`wait: false`) served by gunicorn. The worker's resident memory (every
process of its session, summed: a forking pool would count too) is sampled every 50 ms: idle
after a warm-up publish of a small video, then until the 1 GB video is published. The peak must
stay within 50 MB of the idle figure, whatever the video's size: the upload chunk is the only
buffer.

    .venv/bin/python bench/media_memory.py        (or: bench/run.py media_memory)
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _support as s

VIDEO_BYTES = 1024**3
WARMUP_BYTES = 1024 * 1024
BUDGET_MB = 50.0
SAMPLE_EVERY = 0.05
IDLE_SECONDS = 3.0
WORKER_CONCURRENCY = 50
PUBLISH_TIMEOUT = 600.0
MB = 1024 * 1024


def _status_kb(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` figure in KiB (VmRSS, VmHWM); 0 once the process is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


class RssSampler:
    """Samples the summed VmRSS of a service's processes on a thread until stopped."""

    def __init__(self, service: s.Service) -> None:
        self.service = service
        self.samples: list[float] = []  # MB
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss_mb(self) -> float:
        return sum(_status_kb(pid, "VmRSS") for pid in self.service.pids()) / 1024

    def hwm_mb(self) -> float:
        """The kernel's own high-water mark, summed: covers any spike between two samples."""
        return sum(_status_kb(pid, "VmHWM") for pid in self.service.pids()) / 1024

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.rss_mb())
            self._stop.wait(SAMPLE_EVERY)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _publish_video(port: int, store: s.StoreKey, url: str, title: str) -> str:
    body = json.dumps(
        {
            "store_id": store.store_id,
            "platforms": ["youtube"],
            "content": {"text": title, "media": [{"type": "video", "url": url}], "link": None},
            "schedule_at": None,
            "wait": False,
        }
    ).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{s.PUBLISH_PATH}",
        data=body,
        headers={k: v for k, v in s.api_headers(store).items() if k != "Connection"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    return str(answer["post_id"])


def _wait_published(store: s.StoreKey, expected: int, timeout: float) -> None:
    def done() -> bool:
        counts = s.target_counts(store.store_id)
        if counts["failed"] or counts["unconfirmed"]:
            reasons = s.pg_scalar(
                "SELECT string_agg(coalesce(error_code, '') || ': ' || coalesce(error_message, ''),"
                " '; ') FROM publishing_posttarget WHERE status IN ('failed', 'unconfirmed')"
            )
            raise RuntimeError(f"the video did not publish: {dict(counts)} {reasons}")
        return counts["published"] >= expected

    s.wait_until(done, timeout, f"{expected} published video(s)")


def _check_uploaded(sandbox_url: str, size: int) -> None:
    """The YouTube sandbox made a video of every byte (it counts them as they arrive)."""
    found = s.http_get(f"{sandbox_url}/_sandbox/posts?platform=youtube")
    assert found is not None and found[0] == 200, found
    sizes = sorted(post["bytes"] for post in json.loads(found[1]))
    if sizes != [WARMUP_BYTES, size]:
        raise RuntimeError(f"the sandbox holds videos of {sizes} bytes, not {size}")


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "?"


def measure() -> dict[str, float]:
    s.reset_state()
    with s.Stack("media") as stack:
        _, sandbox_url = stack.sandbox(s.bench_env(), latency_ms=0)
        env = s.bench_env(
            SANDBOX_URL=sandbox_url, MEDIA_ALLOW_LOOPBACK="true", MEDIA_ALLOW_HTTP="true"
        )
        store = s.create_store(env)
        _, port = stack.web(env, workers=1, threads=4)
        worker = stack.worker(
            env, concurrency=WORKER_CONCURRENCY, queues="default,publish.youtube.media"
        )
        try:
            media = f"{sandbox_url}/_sandbox/media"
            # Warm-up: a small video loads every module and pool the big one will use.
            _publish_video(port, store, f"{media}/warmup.mp4?bytes={WARMUP_BYTES}", "Warm-up")
            _wait_published(store, 1, 120)
            time.sleep(1.0)
            sampler = RssSampler(worker)
            with sampler:
                time.sleep(IDLE_SECONDS)
                idle_samples = list(sampler.samples)
                started = time.perf_counter()
                _publish_video(port, store, f"{media}/big.mp4?bytes={VIDEO_BYTES}", "One gigabyte")
                _wait_published(store, 2, PUBLISH_TIMEOUT)
                elapsed = time.perf_counter() - started
                hwm = sampler.hwm_mb()
            busy_samples = sampler.samples[len(idle_samples) :]
            _check_uploaded(sandbox_url, VIDEO_BYTES)
        except BaseException:
            stack.keep_logs()
            raise
    idle = statistics.median(idle_samples)
    peak = max(busy_samples)
    return {
        "idle": idle,
        "peak": peak,
        "delta": peak - idle,
        "hwm": hwm,
        "seconds": elapsed,
        "rate": VIDEO_BYTES / elapsed,
        "samples": len(busy_samples),
    }


def main() -> None:
    figures = measure()
    s.print_table(
        f"5. worker memory: one {VIDEO_BYTES // MB:,} MB video published to YouTube (sandbox), "
        f"worker threads x{WORKER_CONCURRENCY}",
        ["idle RSS MB", "peak RSS MB", "peak - idle MB", "VmHWM MB", "s", "MB/s", "samples"],
        [
            [
                f"{figures['idle']:.1f}",
                f"{figures['peak']:.1f}",
                f"{figures['delta']:.1f}",
                f"{figures['hwm']:.1f}",
                f"{figures['seconds']:.1f}",
                f"{figures['rate'] / MB:.1f}",
                f"{figures['samples']:.0f}",
            ]
        ],
    )
    verdict = "within" if figures["delta"] < BUDGET_MB else "OVER"
    print(
        f"   peak RSS {figures['peak']:.0f} MB, idle {figures['idle']:.0f} MB: {verdict} the "
        f"{BUDGET_MB:.0f} MB budget; RSS sampled every {SAMPLE_EVERY * 1000:.0f} ms (VmHWM: the "
        f"kernel's high-water mark since start, warm-up included)"
    )
    print(
        f"   throughput {figures['rate']:,.0f} bytes/s ({VIDEO_BYTES:,} bytes in "
        f"{figures['seconds']:.1f} s, fetch and upload on loopback)"
    )
    print(f"   machine: {_cpu_model()}, {os.cpu_count()} cores")


if __name__ == "__main__":
    s.ensure_database()
    main()
