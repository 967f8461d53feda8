"""The counting semaphores behind the per-store limits, on the real test Redis."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from publishing.slots import Claim, LocalSlots, RedisSlots, Slots, holding

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def key() -> Callable[[str], str]:
    run = uuid.uuid4().hex
    return lambda name: f"test:slots:{run}:{name}"


def make_redis(client: redis.Redis) -> Slots:
    return RedisSlots(client, ttl_seconds=5)


def make_local(client: redis.Redis) -> Slots:
    return LocalSlots()


both = pytest.mark.parametrize("make", [make_redis, make_local], ids=["redis", "local"])


@both
def test_a_full_semaphore_refuses_until_a_slot_is_released(
    make: Any, client: redis.Redis, key: Callable[[str], str]
) -> None:
    slots = make(client)
    claim = [Claim(key("store"), 2)]
    first, second = slots.acquire(claim), slots.acquire(claim)
    assert first and second
    assert slots.acquire(claim) is None
    slots.release(first)
    slots.release(first)  # twice is harmless: it frees nobody else's slot
    third = slots.acquire(claim)
    assert third is not None
    assert slots.acquire(claim) is None
    for token in (second, third):
        slots.release(token)


@both
def test_a_full_account_takes_no_store_slot(
    make: Any, client: redis.Redis, key: Callable[[str], str]
) -> None:
    slots = make(client)
    store, account = Claim(key("store"), 2), Claim(key("account"), 1)
    first = slots.acquire([store, account])
    assert first is not None
    assert slots.acquire([store, account]) is None
    # The refused acquire left the store's second slot free for another account.
    second = slots.acquire([store, Claim(key("other"), 1)])
    assert second is not None
    assert slots.acquire([store]) is None
    slots.release(first)
    slots.release(second)


@both
def test_concurrent_acquires_never_pass_the_limit(
    make: Any, client: redis.Redis, key: Callable[[str], str]
) -> None:
    slots = make(client)
    claims = [Claim(key("store"), 3), Claim(key("account"), 5)]
    lock = threading.Lock()
    holding_now, most, won = 0, 0, 0
    start = threading.Barrier(24)

    def work() -> None:
        nonlocal holding_now, most, won
        start.wait()
        for _ in range(20):
            with holding(slots, claims) as held:
                if not held:
                    continue
                with lock:
                    holding_now += 1
                    won += 1
                    most = max(most, holding_now)
                time.sleep(0.002)
                with lock:
                    holding_now -= 1

    threads = [threading.Thread(target=work) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 3
    assert won >= 3
    tokens = [slots.acquire(claims) for _ in range(3)]  # every slot came back
    assert all(tokens)
    for token in tokens:
        slots.release(str(token))


def test_a_held_slot_outlives_its_ttl_while_its_holder_lives(
    client: redis.Redis, key: Callable[[str], str]
) -> None:
    slots = RedisSlots(client, ttl_seconds=0.3)
    claim = [Claim(key("store"), 1)]
    token = slots.acquire(claim)
    assert token is not None
    time.sleep(1.0)  # more than three TTLs: only the renewer keeps it
    assert slots.acquire(claim) is None
    slots.release(token)
    again = slots.acquire(claim)
    assert again is not None
    slots.release(again)


def test_a_killed_workers_slot_expires_after_the_ttl(
    client: redis.Redis, key: Callable[[str], str]
) -> None:
    claim = Claim(key("store"), 2)
    # A live holder's slot keeps the set itself alive: only the dead slot may go.
    slots = RedisSlots(client, ttl_seconds=5)
    ours = slots.acquire([claim])
    assert ours is not None
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, redis\n"
            "from publishing.slots import Claim, RedisSlots\n"
            "slots = RedisSlots(redis.Redis.from_url(sys.argv[1]), ttl_seconds=0.5)\n"
            "assert slots.acquire([Claim(sys.argv[2], 2)])\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n",
            settings.REDIS_URL,
            claim.key,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"held\n"
        time.sleep(1.2)
        assert slots.acquire([claim]) is None  # alive: renewed past its TTL
        holder.kill()
        holder.wait()
        killed = time.monotonic()
        while (token := slots.acquire([claim])) is None:
            assert time.monotonic() - killed < 2, "the dead holder's slot never expired"
            time.sleep(0.05)
        assert time.monotonic() - killed <= 0.5 + 0.2
        slots.release(token)
    finally:
        holder.kill()
        holder.wait()
        slots.release(ours)


def test_the_slot_keys_expire_with_their_last_slot(
    client: redis.Redis, key: Callable[[str], str]
) -> None:
    slots = RedisSlots(client, ttl_seconds=5)
    token = slots.acquire([Claim(key("store"), 1)])
    assert token is not None
    assert 0 < client.pttl(key("store")) <= 5000
    slots.release(token)
    assert client.exists(key("store")) == 0


def test_redis_down_runs_the_block_unlimited(key: Callable[[str], str]) -> None:
    down = redis.Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    with holding(RedisSlots(down, ttl_seconds=5), [Claim(key("store"), 1)]) as held:
        assert held
