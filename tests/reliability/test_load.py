"""Load: 100 concurrent simulated citizens for 60 s doing the main journeys.

Each citizen is a thread with its own logged-in session (through the MitID simulator) that
looks at the overview, the plan and the appointments and answers a questionnaire, with a
short pause between pages, as a person would. Afterwards: no 5xx and no transport error
(the portal never dropped a connection), and every answer sent is in the plan API's
database exactly once.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from portal.devstack import log_in
from tests.reliability.conftest import (
    ReliabilityStack,
    answer_questionnaire,
    assert_recorded_once,
    new_stack,
    responses_by_person,
    wait_until_delivered,
)

CITIZENS = int(os.environ.get("RELIABILITY_LOAD_CITIZENS", "100"))
SECONDS = float(os.environ.get("RELIABILITY_LOAD_SECONDS", "60"))
ANSWERERS = ("p-jonas", "p-mette", "p-karim")
VIEWERS = ("p-freja", *ANSWERERS)
INSTRUMENTS = ("who-5", "experience", "plan-goals")
PAGES = ("/overblik", "/min-plan", "/aftaler")


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        "postgres+redis",
    ],
)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ReliabilityStack]:
    """The demo profile, and the production one: PostgreSQL for both databases, Redis for
    sessions and rate-limit counters."""
    stack = new_stack(Path(tmp_path_factory.mktemp("load")), profile=request.param)
    yield stack
    stack.stop()


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []
        # Distinct answers (person, form key). Citizens of one persona share that person's
        # draft and its form key, so many sends can be one answer: `sends` counts the sends.
        self.sent: set[tuple[str, str]] = set()
        self.sends = 0
        self.latencies: list[float] = []

    def hook(self, response: httpx.Response) -> None:
        response.read()  # so that `elapsed` covers the whole answer
        elapsed = response.elapsed.total_seconds()
        with self.lock:
            self.statuses[response.status_code] += 1
            self.latencies.append(elapsed)


def _citizen(stack: ReliabilityStack, persona: str, seed: int, until: float, tally: Tally) -> None:
    rng = random.Random(seed)
    client = log_in(stack.portal_url, persona, timeout=60.0)
    client.event_hooks["response"] = [tally.hook]
    try:
        while time.monotonic() < until:
            try:
                if persona in ANSWERERS and rng.random() < 0.25:
                    sent = answer_questionnaire(client, rng.choice(INSTRUMENTS), rng)
                    with tally.lock:
                        tally.sent.add((persona, sent.form_key))
                        tally.sends += 1
                else:
                    client.get(rng.choice(PAGES))
            except (httpx.TransportError, AssertionError) as exc:
                with tally.lock:
                    tally.failures.append(f"{persona}: {type(exc).__name__}: {exc}"[:300])
            time.sleep(rng.uniform(0.5, 1.5))  # reading the page
    finally:
        client.close()


def test_a_hundred_citizens_for_a_minute(
    stack: ReliabilityStack, capsys: pytest.CaptureFixture[str]
) -> None:
    before = responses_by_person(stack.plan_db)
    tally = Tally()
    started = time.monotonic()
    # Logging in is part of the load: everyone arrives within the first seconds.
    until = started + SECONDS
    with ThreadPoolExecutor(max_workers=CITIZENS) as pool:
        futures = [
            pool.submit(_citizen, stack, VIEWERS[n % len(VIEWERS)], n, until, tally)
            for n in range(CITIZENS)
        ]
        for future in futures:
            future.result()
    took = time.monotonic() - started
    statuses = wait_until_delivered(stack.portal_db, time.monotonic() + 60)
    latencies = sorted(tally.latencies)
    total = sum(tally.statuses.values())
    with capsys.disabled():  # the figures show in CI's output
        print(
            f"\n[{'postgres+redis' if stack.redis_url else 'sqlite'}] "
            f"{CITIZENS} citizens, {took:.0f} s: {total} responses "
            f"({total / took:.1f}/s), statuses {dict(tally.statuses)}, "
            f"p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, "
            f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms; "
            f"{tally.sends} answers sent with a receipt, {len(tally.sent)} distinct; "
            f"outbox {statuses}; failures {len(tally.failures)}"
        )
    assert not [s for s in tally.statuses if s >= 500], dict(tally.statuses)
    assert not tally.failures, tally.failures[:5]
    assert tally.sends >= CITIZENS // 2, "the citizens did answer questionnaires"
    assert statuses.get("rejected") is None and statuses.get("pending") is None
    assert_recorded_once(stack.plan_db, before, tally.sent)
