"""Nothing lost: submissions sent while the plan API stops and starts at random, and the
portal process itself restarts once, are each recorded exactly once.

Citizens answer questionnaires through the portal's own forms (logged in through the MitID
simulator), so every answer takes the outbox path. Afterwards the plan API's database is
read directly: one stored response per distinct idempotency key, no more, no fewer.

The plan API accepts any number of responses to an instrument (it records the date and
computes the next due date from the latest), so N distinct sends must give N records.
One lane per (person, instrument): a person has one draft per instrument, and a citizen
answers one form at a time.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from portal.devstack import log_in
from tests.reliability.conftest import (
    Profile,
    ReliabilityStack,
    Sent,
    Unavailable,
    assert_recorded_once,
    fill_in,
    new_stack,
    responses_by_person,
    send_summary,
    wait_until_delivered,
)

SUBMISSIONS = int(os.environ.get("RELIABILITY_SUBMISSIONS", "200"))
PERSONS = ("p-jonas", "p-mette", "p-karim")
INSTRUMENTS = ("who-5", "experience", "plan-goals")
DEADLINE_SECONDS = 240


@dataclass
class Lane:
    person: str
    instrument: str
    client: httpx.Client
    sent: list[Sent] = field(default_factory=list)
    retries: int = 0


class Chaos:
    """Stops and starts the plan API at random until told to stop; counts the outages."""

    def __init__(self, stack: ReliabilityStack, rng: random.Random) -> None:
        self.stack, self.rng = stack, rng
        self.done = threading.Event()
        self.outages = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        planapi = self.stack.servers["planapi"]
        while not self.done.wait(self.rng.uniform(1.0, 3.0)):
            planapi.stop()
            self.outages += 1
            self.done.wait(self.rng.uniform(0.2, 1.0))
            planapi.start()
        if planapi.process is None:
            planapi.start()


def _run_lane(lane: Lane, quota: int, rng: random.Random, deadline: float) -> None:
    """Send `quota` answers; each step is retried until it goes through."""
    while len(lane.sent) < quota:
        assert time.monotonic() < deadline, f"{lane.person}/{lane.instrument} did not finish"
        try:
            fields = fill_in(lane.client, lane.instrument, rng)
        except (Unavailable, httpx.TransportError):
            lane.retries += 1
            time.sleep(0.1)
            continue
        time.sleep(rng.uniform(0, 0.6))  # reading the summary: the plan API may go meanwhile
        while True:
            assert time.monotonic() < deadline, f"{lane.person}/{lane.instrument} stuck sending"
            try:
                lane.sent.append(send_summary(lane.client, lane.instrument, fields))
                break
            except (Unavailable, httpx.TransportError):
                lane.retries += 1
                time.sleep(0.1)


@pytest.fixture(params=["sqlite", "postgres+redis"])
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ReliabilityStack]:
    profile: Profile = request.param
    stack = new_stack(Path(tmp_path_factory.mktemp("nothing-lost")), profile=profile)
    yield stack
    stack.stop()


def test_every_submission_is_recorded_exactly_once(stack: ReliabilityStack) -> None:
    rng = random.Random(9)
    before = responses_by_person(stack.plan_db)
    clients = {person: log_in(stack.portal_url, person) for person in PERSONS}
    lanes = [Lane(p, i, clients[p]) for p in PERSONS for i in INSTRUMENTS]
    quotas = [SUBMISSIONS // len(lanes) + (n < SUBMISSIONS % len(lanes)) for n in range(len(lanes))]
    deadline = time.monotonic() + DEADLINE_SECONDS
    chaos = Chaos(stack, random.Random(rng.random()))
    threads = [
        threading.Thread(
            target=_run_lane, args=(lane, quota, random.Random(rng.random()), deadline)
        )
        for lane, quota in zip(lanes, quotas, strict=True)
    ]
    started = time.monotonic()
    chaos.thread.start()
    for thread in threads:
        thread.start()
    # The portal itself restarts once, in the middle.
    while sum(len(lane.sent) for lane in lanes) < SUBMISSIONS // 2:
        assert time.monotonic() < deadline, "not halfway before the deadline"
        time.sleep(0.1)
    stack.restart("portal")
    for thread in threads:
        thread.join(max(1.0, deadline - time.monotonic()))
    chaos.done.set()
    chaos.thread.join(30)
    sending = time.monotonic() - started
    for client in clients.values():
        client.close()

    sent = [(lane.person, s) for lane in lanes for s in lane.sent]
    assert len(sent) == SUBMISSIONS, "every lane finished its quota"
    # A form key comes back only if its send was interrupted after it was stored (the
    # citizen sees the same answers again): it is one submission, not two.
    distinct = {(person, s.form_key) for person, s in sent}
    queued = sum(s.queued for _, s in sent)
    statuses = wait_until_delivered(stack.portal_db, time.monotonic() + 60)
    print(
        f"\n[{(stack.redis_url and 'postgres+redis') or 'sqlite'}] {len(sent)} sends "
        f"({len(distinct)} distinct, {queued} queued) in {sending:.1f} s, "
        f"{chaos.outages} plan-API outages, {sum(lane.retries for lane in lanes)} retries; "
        f"outbox {statuses}"
    )
    assert chaos.outages >= 3 and queued >= 20, "the outbox path was really taken"
    assert statuses == {"delivered": len(distinct)}

    assert_recorded_once(stack.plan_db, before, distinct)
