"""Chaos: hundreds of posts through the real API while the platforms fail, slow down and lose
answers, the worker and beat are SIGKILLed and restarted every few seconds, and the database
drops the service's connections. When it is over, every target is compared with what its
account holds on the platform: a post goes out once, and its status is the truth.

    CHAOS_SEED=7 CHAOS_POSTS=200 make pytest PYTEST_ARGS="tests/e2e/test_chaos.py -q -s"

The summary line (``CHAOS seed=…``) gives the figures; every one of them but the API's 5xx
during the chaos must be 0. See tests/support/chaos.py for the harness.
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

import pytest
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from accounts.models import Store
from publishing.models import PostTarget
from tests.e2e.conftest import QUEUES, Stack
from tests.factories import ApiKeyFactory, SocialAccountFactory, StoreFactory
from tests.support.chaos import (
    PLATFORMS,
    ApiClient,
    Monkey,
    compare,
    plan_posts,
    plan_probes,
    unsettled_count,
    utcnow,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(900)]

SEED = int(os.environ.get("CHAOS_SEED", "20261205"))
POSTS = int(os.environ.get("CHAOS_POSTS", "200"))
SEND_WINDOW = 60.0  # seconds over which the posts are sent
SETTLE_SECONDS = float(os.environ.get("CHAOS_SETTLE_SECONDS", "180"))
HTTP_TIMEOUT = 2.0  # the platforms' client timeout: a lost answer costs this long
# Short leases and delays so recoveries happen within the test; the lease outlasts the
# longest single step (an HTTP call at its timeout, under injected latency).
SERVICE_ENV = {
    "PLATFORM_HTTP_TIMEOUT": str(HTTP_TIMEOUT),
    "PUBLISH_LEASE_SECONDS": "6",
    "RECONCILE_DELAY_SECONDS": "1",
    "REQUEUE_AFTER_SECONDS": "5",
    "PUBLISH_RETRY_BASE_SECONDS": "1",
    "DISPATCH_INTERVAL_SECONDS": "1",
}


def test_chaos_publishes_every_post_once_and_reports_it_truly(
    stack: Stack, live_server: Any, settings: Any
) -> None:
    started = time.monotonic()
    rng = random.Random(SEED)
    settings.PUBLISH_WAIT_SECONDS = 3.0  # the few posts sent with "wait": true
    stores: list[Store] = [StoreFactory.create() for _ in range(2)]
    handles = {
        (str(store.pk), platform): SocialAccountFactory.create(
            store=store, platform=platform
        ).handle
        for store in stores
        for platform in PLATFORMS
    }
    keys = [ApiKeyFactory.create_with_raw(store=store)[1] for store in stores]
    client = ApiClient(live_server.url, keys, [str(store.pk) for store in stores])
    base = stack.sandbox.base_url
    posts = plan_posts(rng, seed=SEED, count=POSTS, media_base=base, send_window=SEND_WINDOW)
    probes = plan_probes(rng, posts, seed=SEED)

    stack.env.update(SERVICE_ENV)
    monkey = Monkey(
        rng=rng, sandbox_url=base, env=stack.env, log_dir=stack.log_dir, queues=QUEUES,
        services=stack.services, lost_answer_delay=HTTP_TIMEOUT + 1.5,
    )  # fmt: skip
    monkey.start_worker()
    monkey.start_beat()
    monkey.inject_faults()

    # --- Chaos while the posts go out, until the last scheduled one is due.
    chaos_started = time.monotonic()
    join_senders = client.send_all(posts, utcnow())
    last_due = max(p.due_at or p.send_at for p in posts)
    monkey.run(until=chaos_started + last_due + 5)
    join_senders()
    client.tally.chaos_over = True
    chaos_seconds = time.monotonic() - chaos_started
    monkey.calm()
    monkey.ensure_running()

    # --- Settle: a few fresh posts must go through, and every target reach a final state.
    settle_started = time.monotonic()
    client.send_all(probes, utcnow())()
    deadline = settle_started + SETTLE_SECONDS
    while unsettled_count() and time.monotonic() < deadline:
        time.sleep(1)
    settle_seconds = time.monotonic() - settle_started
    # Every post read back through the API (its 5xx count as after the chaos).
    for store, post_id in client.tally.post_ids.values():
        client.get(store, post_id)

    verdict = compare(stack.sandbox.state.posts, handles)
    tally = client.tally
    # What the chaos made the pipeline do: without lost answers and dead workers to settle,
    # a clean result would prove nothing.
    activity = PostTarget.objects.aggregate(
        reconciled=Count("pk", filter=Q(reconcile_lookups__gt=0)),
        lookups=Coalesce(Sum("reconcile_lookups"), 0),
        resent=Coalesce(Sum("reconcile_misses"), 0),
        retried=Count("pk", filter=Q(attempt_count__gt=1)),
    )
    summary = (
        f"CHAOS seed={SEED} posts={POSTS}+{len(probes)} sent={len(tally.post_ids)} "
        f"targets={verdict.targets} duplicates={len(verdict.duplicates)} "
        f"live_but_failed={len(verdict.live_but_failed)} "
        f"published_missing={len(verdict.published_missing)} "
        f"unsettled={len(verdict.unsettled)} wrong_post_id={len(verdict.wrong_post_id)} "
        f"orphans={len(verdict.orphans)} double_posts={len(verdict.double_posts)} "
        f"failed_not_live={len(verdict.failed_not_live)} "
        f"api_5xx_during={tally.server_errors_during} api_5xx_after={tally.server_errors_after} "
        f"conn_errors={tally.connection_errors} retries={tally.retries} "
        f"unkeyed_found={len(tally.unkeyed_found)} refused={len(tally.refused)} "
        f"kills(worker={monkey.kills['worker']},beat={monkey.kills['beat']}) "
        f"pg_terminations={monkey.terminations}({monkey.terminated_connections} backends) "
        f"statuses={dict(sorted(verdict.statuses.items()))} "
        f"reconciled={activity['reconciled']}({activity['lookups']} lookups, "
        f"{activity['resent']} sent again after a complete miss) "
        f"claimed_more_than_once={activity['retried']} "
        f"chaos={chaos_seconds:.0f}s settle={settle_seconds:.0f}s "
        f"total={time.monotonic() - started:.0f}s"
    )
    details = "\n".join(
        [
            summary,
            verdict.examples(),
            *(f"  refused: {r}" for r in tally.refused[:4]),
            *(f"  died on their own: {d}" for d in monkey.died_on_their_own),
            f"  logs: {stack.log_dir}",
        ]
    )
    print("\n" + details)
    assert activity["reconciled"] > 0 and activity["retried"] > 0, details
    assert (
        len(verdict.duplicates),
        len(verdict.live_but_failed),
        len(verdict.published_missing),
        len(verdict.unsettled),
        len(verdict.wrong_post_id),
        len(verdict.orphans),
        len(verdict.double_posts),
        tally.server_errors_after,
    ) == (0, 0, 0, 0, 0, 0, 0, 0), details
