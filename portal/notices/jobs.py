"""The job engine: huey. SQLite-backed in the demo and tests (a file, no server), Redis in
production (`PORTAL_NOTICES_QUEUE_URL=redis://...`), so workers on many machines share one
queue.

Two tasks. `tick` runs every `PORTAL_NOTICES_TICK_SECONDS` on every consumer (a periodic
task): it follows the feed and queues due notices. `send` sends one notice; huey retries it
when a channel fails. Ticks on several consumers may overlap, and that is safe: taking in a
page twice inserts nothing twice (unique constraints), and queueing and sending are
conditional updates. No huey lock guards the tick on purpose: huey's locks do not expire,
so a worker killed while holding one would stop every tick until someone flushed it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer, Scheduler

from portal.clients.base import PlanAPIError
from portal.notices import service
from portal.notices.channels import ChannelError


def make_queue(url: str) -> Huey:
    if url.startswith("redis://") or url.startswith("rediss://"):
        return RedisHuey("notices", url=url)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey("notices", filename=str(path))
    return MemoryHuey("notices", immediate=url == "immediate://")


def every_tick(moment: datetime) -> bool:
    """The periodic tasks run on every scheduler round; the round's length is the tick."""
    return True


def register(app: Flask, huey: Huey) -> dict[str, Any]:
    @huey.task(retries=5, retry_delay=30, name="notices.send")
    def send(notice_id: int) -> str:
        with app.app_context():
            try:
                return service.send_one(notice_id)
            except ChannelError:
                raise  # huey retries it; the notice waits until then (its lease)

    @huey.periodic_task(every_tick, name="notices.tick")
    def tick() -> int:
        with app.app_context():
            try:
                service.follow_all()
            except PlanAPIError as exc:  # what is already planned still goes out
                app.logger.warning("notices: cannot read the change feed: %s", exc)
            return service.queue_due(send)

    return {"send": send, "tick": tick}


def consumer(huey: Huey, workers: int, tick_seconds: int) -> Consumer:
    scheduler = type("TickScheduler", (Scheduler,), {"periodic_task_seconds": tick_seconds})
    kind = type("NoticeConsumer", (Consumer,), {"scheduler_class": scheduler})
    # An idle worker polls the queue at most a second apart (huey's default backs off to 10 s).
    return kind(huey, workers=workers, worker_type="thread", scheduler_interval=1, max_delay=1.0)
