"""The embedded default's filesystem broker (mollkom_social/broker.py) under concurrent
writers, and with a message file it cannot read."""

from __future__ import annotations

import logging
import multiprocessing
import time
from pathlib import Path
from queue import Empty

import pytest
from kombu import Connection

from mollkom_social import broker

BROKER_URL = f"{broker.ALIAS}://"
QUEUE = "race"
PRODUCERS = 4
PER_PRODUCER = 15
# Large enough that serialising and writing one message takes a few milliseconds: the
# window in which kombu's own transport shows a consumer an empty or partial file.
BODY = "x" * (2 << 20)


@pytest.fixture(autouse=True)
def _fresh_broker_state() -> None:
    # kombu keeps the bindings it declared in one state per process, not per folder: each
    # test's new folders must be bound again.
    broker.Transport.global_state.clear()


def _options(root: Path) -> dict[str, str]:
    folders = {
        "data_folder_in": root / "out",
        "data_folder_out": root / "out",
        "processed_folder": root / "processed",
        "control_folder": root / "control",
        "corrupt_folder": root / "corrupt",
    }
    for folder in folders.values():
        folder.mkdir(exist_ok=True)
    return {name: str(folder) for name, folder in folders.items()}


def _produce(options: dict[str, str], count: int) -> None:
    with Connection(BROKER_URL, transport_options=options) as conn:
        queue = conn.SimpleQueue(QUEUE)
        for number in range(count):
            queue.put({"n": number, "body": BODY})
        queue.close()


def test_a_consumer_never_sees_a_message_half_written(tmp_path: Path) -> None:
    options = _options(tmp_path)
    total = PRODUCERS * PER_PRODUCER
    received = 0
    errors: list[str] = []
    with Connection(BROKER_URL, transport_options=options) as conn:
        # Declared once up front, so the producers only publish.
        queue = conn.SimpleQueue(QUEUE)
        context = multiprocessing.get_context("fork")
        producers = [
            context.Process(target=_produce, args=(options, PER_PRODUCER)) for _ in range(PRODUCERS)
        ]
        for producer in producers:
            producer.start()
        deadline = time.monotonic() + 60
        while received < total and time.monotonic() < deadline:
            try:
                message = queue.get(block=False)
            except Empty:
                if not any(p.is_alive() for p in producers) and not queue.qsize():
                    break
                time.sleep(0.0005)
                continue
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            assert message.payload["body"] == BODY
            message.ack()
            received += 1
        for producer in producers:
            producer.join(timeout=30)
        queue.close()
    assert errors == []
    assert received == total
    assert [p.exitcode for p in producers] == [0] * PRODUCERS
    assert list((tmp_path / "corrupt").iterdir()) == []


def _write_message_file(folder: Path, content: bytes) -> Path:
    # Named as kombu names messages; "0_" sorts before any other, so it is read first.
    path = folder / f"0_00000000-0000-0000-0000-000000000000.{QUEUE}.msg"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    "content",
    [b"", b'{"body": "eyJu', b"[1, 2]", b'{"body": "not base64!", "properties": {}}', b"\xff\xfe"],
    ids=["empty", "cut-short", "not-a-message", "no-delivery-tag", "not-utf8"],
)
def test_an_unreadable_message_file_is_set_aside_and_the_next_one_delivered(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    options = _options(tmp_path)
    with Connection(BROKER_URL, transport_options=options) as conn:
        queue = conn.SimpleQueue(QUEUE)
        bad = _write_message_file(tmp_path / "out", content)
        queue.put({"n": 1})
        with caplog.at_level(logging.ERROR, logger="mollkom_social.broker"):
            message = queue.get(timeout=5)
        assert message.payload == {"n": 1}
        message.ack()
        queue.close()
    assert [p.name for p in (tmp_path / "corrupt").iterdir()] == [bad.name]
    assert (tmp_path / "corrupt" / bad.name).read_bytes() == content
    assert list((tmp_path / "out").iterdir()) == []
    [record] = caplog.records
    assert bad.name in record.getMessage()
