"""`make run`'s supervisor (mollkom_social/devstack.py) with stand-in processes: a worker or
beat that dies is started again; any other process dying stops everything."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from mollkom_social import devstack
from tests.support.processes import wait_for

# Dies with 3 on its first start (no marker file yet), then runs until stopped.
CRASHES_ONCE = (
    "import pathlib, sys, time\n"
    "marker = pathlib.Path(sys.argv[1])\n"
    "starts = marker.read_text() if marker.exists() else ''\n"
    "marker.write_text(starts + 'x')\n"
    "sys.exit(3) if not starts else time.sleep(60)\n"
)
RUNS = "import time; time.sleep(60)"


def _python(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", code, *args]


class Running:
    def __init__(self, commands: dict[str, list[str]]) -> None:
        self.stopping = threading.Event()
        self.children = {name: devstack._Child(name, c, {}) for name, c in commands.items()}
        self.result: list[int] = []
        self.thread = threading.Thread(
            target=lambda: self.result.append(
                devstack._supervise(self.children, self.stopping, lambda: True, "up")
            )
        )
        self.thread.start()

    def stop(self) -> int:
        self.stopping.set()
        self.thread.join(timeout=10)
        devstack._stop_all(self.children)
        [code] = self.result
        return code


def test_a_worker_that_dies_is_started_again_and_the_rest_keeps_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "starts"
    running = Running({"web": _python(RUNS), "worker": _python(CRASHES_ONCE, str(marker))})
    first_web = running.children["web"].process
    try:
        wait_for(lambda: marker.exists() and marker.read_text() == "xx", 15, "a second start")
        assert running.thread.is_alive()
        assert running.children["worker"].process.poll() is None
        assert running.children["web"].process is first_web
        assert first_web.poll() is None
    finally:
        code = running.stop()
    out = capsys.readouterr().out
    assert code == 0
    assert "worker exited (3); starting it again in 1s" in out
    assert "worker started again (pid " in out
    assert "shutting down" not in out
    assert all(child.process.poll() is not None for child in running.children.values())


def test_a_web_server_that_dies_stops_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    running = Running({"web": _python("import sys; sys.exit(1)"), "worker": _python(RUNS)})
    running.thread.join(timeout=10)
    assert running.stop() == 1
    assert "stopped: web exited (1); shutting down" in capsys.readouterr().out
    assert running.children["worker"].process.poll() is not None


def test_the_restart_delay_doubles_while_a_process_keeps_dying_and_resets_once_it_ran() -> None:
    delays = [0.0]
    for _ in range(7):
        delays.append(devstack.restart_delay(delays[-1], ran_for=0.5))
    assert delays[1:] == [1, 2, 4, 8, 16, 30, 30]
    assert devstack.restart_delay(30, ran_for=devstack.RESTART_STABLE_SECONDS) == 1
