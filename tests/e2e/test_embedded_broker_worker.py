"""A real Celery worker on the embedded default's filesystem broker (no REDIS_URL), with a
message file in its queue that it cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest
from kombu import Connection

from mollkom_social import broker
from mollkom_social.celery import app
from tests.support.processes import service_env, start_worker, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

# What the settings make of DATA_DIR without REDIS_URL.
FOLDERS = ("out", "processed", "control", "corrupt")


def _send(data_dir: Path, task_id: str) -> None:
    folders = {name: str(data_dir / "broker" / name) for name in FOLDERS}
    options = {
        "data_folder_in": folders["out"],
        "data_folder_out": folders["out"],
        "processed_folder": folders["processed"],
        "control_folder": folders["control"],
        "corrupt_folder": folders["corrupt"],
    }
    with Connection(f"{broker.ALIAS}://", transport_options=options) as conn:
        app.send_task("celery.accumulate", args=[1], queue="default", task_id=task_id,
                      connection=conn)  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_broker_state() -> None:
    # kombu keeps declared bindings per process, not per folder: this test's folders are new.
    broker.Transport.global_state.clear()


def test_a_worker_sets_an_unreadable_message_aside_and_goes_on(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = service_env("http://127.0.0.1:9", DATA_DIR=str(data_dir))
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "CACHE_URL"):
        env.pop(name, None)
    worker = start_worker(env, tmp_path, queues="default")
    try:
        wait_for(lambda: " ready." in worker.log(), 60, f"the worker to start\n{worker.log()}")
        _send(data_dir, "before")
        wait_for(
            lambda: "celery.accumulate[before] succeeded" in worker.log(),
            30,
            f"the first task\n{worker.log()}",
        )

        # A message file cut short, as a producer killed mid-write leaves one.
        bad = data_dir / "broker" / "out" / "0_00000000-0000-0000-0000-000000000000.default.msg"
        bad.write_bytes(b'{"body": "eyJhcmdzIjog')
        _send(data_dir, "after")
        wait_for(
            lambda: "celery.accumulate[after] succeeded" in worker.log(),
            30,
            f"the task after the unreadable message\n{worker.log()}",
        )
        assert worker.process.poll() is None, worker.log()
        assert (data_dir / "broker" / "corrupt" / bad.name).read_bytes() == (
            b'{"body": "eyJhcmdzIjog'
        )
        assert f"unreadable message file {bad.name} on queue default" in worker.log()
    finally:
        worker.stop()
