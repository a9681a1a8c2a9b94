"""Repeat reads of the composite read: an ETag on every answer, 304 while nothing changed.

The stamp covers every table but the access log through one data version that a trigger
raises as each changing transaction commits (migration 0006), the minute on the server's
clock, the caller and the parts (planapi/freshness.py). A 304 checks the caller and writes
the same access-log entries as a full read.
"""

from __future__ import annotations

import shutil
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, event, select, text, update

from planapi import clock, freshness
from planapi.access import Caller
from planapi.extensions import db
from planapi.models import Agreement, Appointment, DataVersion
from tests.unit.planapi.conftest import (
    TODAY,
    As,
    PlanAPI,
    attorney,
    caseworker,
    citizen,
    consent_grant,
    ok,
    problem,
    set_today,
)
from tests.unit.planapi.test_composite import counted, log_of, new_entries

METTE = "/v1/persons/p-mette/overview"
# What the portal's overview asks for (portal/views/overview.py).
PORTAL_PARTS = {"include": "goal,appointments,contacts,consents,questionnaires,involvements"}
NOT_STAMPED = {"access_log", "data_version"}


def read(
    api: PlanAPI, path: str, who: As, etag: str | None = None, query: dict[str, str] | None = None
) -> Any:
    return api.get(path, who, query=query, headers={"If-None-Match": etag} if etag else None)


def stamp_of(api: PlanAPI, path: str = METTE, who: As | None = None) -> str:
    response = read(api, path, who or citizen("p-mette"))
    ok(response)
    etag: str = response.headers["ETag"]
    return etag


def version(app: Flask) -> int:
    with app.app_context():
        found = db.session.scalar(select(DataVersion.n))
        db.session.remove()
    assert found is not None
    return found


def test_a_repeat_read_is_answered_304_without_the_parts_and_logged_as_a_read(
    api: PlanAPI,
) -> None:
    me = citizen("p-mette")
    first = read(api, METTE, me)
    body, etag = ok(first), first.headers["ETag"]
    assert etag.startswith('"') and first.headers["Cache-Control"] == "private, no-cache"
    before = log_of(api, "p-mette")
    again = read(api, METTE, me, etag)
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, no-cache"
    [entry] = new_entries(api, "p-mette", before)
    assert (entry["resource"], entry["action"], entry["outcome"]) == (
        ",".join(body["parts"]),
        "read",
        "allowed",
    )
    # Another ETag, or a weak form of this one, as RFC 9110 compares them.
    assert read(api, METTE, me, '"0-other"').status_code == 200
    assert read(api, METTE, me, f'"0-other", W/{etag}').status_code == 304
    assert read(api, METTE, me, f'"0-other",{etag}').status_code == 304
    assert read(api, METTE, me, "*").status_code == 304


def test_a_repeat_read_of_a_family_members_part_logs_it_for_the_plans_owner(api: PlanAPI) -> None:
    anders = citizen("p-anders")
    path = "/v1/persons/p-anders/overview"
    emma_before = log_of(api, "p-emma")
    etag = stamp_of(api, path, anders)
    [full] = new_entries(api, "p-emma", emma_before)
    emma_before = log_of(api, "p-emma")
    assert read(api, path, anders, etag).status_code == 304
    [repeat] = new_entries(api, "p-emma", emma_before)
    same = ("resource", "basis", "action", "outcome", "actor")
    assert [repeat[k] for k in same] == [full[k] for k in same]
    assert (repeat["resource"], repeat["basis"]) == ("plan/member-part", "plan_member")


def test_the_etag_is_no_key_a_refused_caller_is_refused_and_logged(api: PlanAPI) -> None:
    etag = stamp_of(api)
    before = log_of(api, "p-mette")
    refused = problem(read(api, METTE, citizen("p-karim"), etag), 403)
    assert refused["detail"] == "Basis self is only for one's own data."
    [entry] = new_entries(api, "p-mette", before)
    assert (entry["outcome"], entry["actor"]["id"]) == ("refused", "p-karim")


@pytest.mark.parametrize(
    ("who", "query"),
    [
        (caseworker("cw-lene"), None),
        (citizen("p-mette"), {"include": "plan"}),
        (citizen("p-mette"), PORTAL_PARTS),
    ],
    ids=["another-caller", "other-parts", "the-portals-parts"],
)
def test_a_stamp_is_for_one_caller_and_set_of_parts(
    api: PlanAPI, who: As, query: dict[str, str] | None
) -> None:
    etag = stamp_of(api)
    answer = read(api, METTE, who, etag, query)
    assert answer.status_code == 200 and answer.headers["ETag"] != etag


def test_each_input_of_the_stamp_changes_it(api_app: Flask) -> None:
    base = Caller("p-anders", "citizen", "custody", None)
    inputs: list[tuple[int, str, Caller, list[str]]] = [
        (7, "p-emma", base, ["plan", "cases"]),
        (8, "p-emma", base, ["plan", "cases"]),
        (7, "p-anders", base, ["plan", "cases"]),
        (7, "p-emma", Caller("p-karim", "citizen", "custody", None), ["plan", "cases"]),
        (7, "p-emma", Caller("p-anders", "caseworker", "custody", None), ["plan", "cases"]),
        (7, "p-emma", Caller("p-anders", "citizen", "power_of_attorney", None), ["plan", "cases"]),
        (7, "p-emma", base, ["plan"]),
        (7, "p-emma", base, ["plan", "cases", "contacts"]),
    ]
    with api_app.test_request_context():
        stamps = [freshness.stamp(*given) for given in inputs]
        assert freshness.stamp(*inputs[0]) == stamps[0]
    assert len(set(stamps)) == len(inputs)
    assert stamps[1].startswith('"8-')


def test_a_power_of_attorney_gets_its_own_stamp_for_the_parts_it_covers(
    api: PlanAPI, api_app: Flask
) -> None:
    from tests.unit.planapi.test_writes import _attorneys_for_mette

    _attorneys_for_mette(api_app, "p-karim")
    karim = attorney("p-karim")
    etag = stamp_of(api, METTE, karim)
    assert read(api, METTE, karim, etag).status_code == 304
    assert etag != stamp_of(api)


def test_a_change_through_the_api_gives_a_new_stamp(api: PlanAPI) -> None:
    me = citizen("p-mette")
    etag = stamp_of(api)
    ok(api.post("/v1/persons/p-mette/consents", consent_grant(("health",)), me), 201)
    answer = read(api, METTE, me, etag)
    body = ok(answer)
    assert answer.headers["ETag"] != etag
    assert len(body["consents"]) == 2  # the new consent, not the held answer


def test_a_change_to_another_persons_plan_gives_the_member_a_new_stamp(
    api: PlanAPI, api_app: Flask
) -> None:
    """Anders's overview shows his task in Emma's plan: a change to her plan's rows (here
    straight in the database, as a caseworker system would) is in his next read."""
    anders = citizen("p-anders")
    path = "/v1/persons/p-anders/overview"
    etag = stamp_of(api, path, anders)
    with api_app.app_context():
        db.session.execute(
            update(Agreement)
            .where(Agreement.responsible_person_id == "p-anders")
            .values(what="Køre Emma til efterskolen")
        )
        db.session.commit()
    answer = read(api, path, anders, etag)
    [part] = ok(answer)["involvements"]
    assert [t["what"] for t in part["tasks"]] == ["Køre Emma til efterskolen"]


def test_the_next_minute_gives_a_new_stamp_and_a_full_read(
    api: PlanAPI, api_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever depends on the clock (an appointment that ended, a consent that ran out) is
    at most a minute behind: the stamp names the minute."""
    at = datetime(2026, 11, 23, 10, 15, 59, tzinfo=clock.TZ)
    monkeypatch.setattr(clock, "now", lambda: at)
    etag = stamp_of(api)
    assert read(api, METTE, citizen("p-mette"), etag).status_code == 304
    at += timedelta(seconds=1)
    answer = read(api, METTE, citizen("p-mette"), etag)
    assert answer.status_code == 200 and answer.headers["ETag"] != etag


def test_a_consent_that_ran_out_is_recorded_by_the_next_full_read(
    api: PlanAPI, api_app: Flask
) -> None:
    etag = stamp_of(api)
    set_today(api_app, TODAY + timedelta(days=31))  # past Mette's consent's expiry
    body = ok(read(api, METTE, citizen("p-mette"), etag))
    mine = next(c for c in body["consents"] if c["id"] == "c-mette")
    assert mine["status"] == "expired"


def test_the_version_is_read_before_anything_of_the_answer(api: PlanAPI, api_app: Flask) -> None:
    """Read after the rows, a change committed in between would be stamped as seen and held
    for good; read first, it only makes the next read a full one."""
    stamp_of(api)  # warm
    with counted(api_app) as statements:
        stamp_of(api)
    assert "data_version" in statements[0]
    assert not any("data_version" in s for s in statements[1:])


def test_a_read_for_nobody_is_refused_as_before(api: PlanAPI) -> None:
    answer = problem(read(api, "/v1/persons/p-nobody/overview", citizen("p-mette"), "*"), 404)
    assert answer["detail"] == "No person with id 'p-nobody'."


def test_without_the_version_row_there_is_no_stamp(api: PlanAPI, api_app: Flask) -> None:
    with api_app.app_context():
        db.session.execute(text("DELETE FROM data_version"))
        db.session.commit()
    try:
        answer = read(api, METTE, citizen("p-mette"), "*")
        assert answer.status_code == 200 and "ETag" not in answer.headers
    finally:
        with api_app.app_context():
            db.session.execute(text("INSERT INTO data_version (id, n) VALUES (1, 0)"))
            db.session.commit()


@pytest.mark.parametrize(
    ("person_id", "most"),
    [
        # The person with the version and whether any plan names her (none), the log entry.
        ("p-mette", 2),
        # Named in Emma's plan: whose plans name him, and the entry in her log as well.
        ("p-anders", 4),
    ],
)
def test_a_repeat_read_sends_few_queries(
    api: PlanAPI, api_app: Flask, person_id: str, most: int
) -> None:
    """No part is read: the person, the version, the caller's check (here from the same
    row), the owners of plans naming the person (their logs) and the log entries."""
    me = citizen(person_id)
    path = f"/v1/persons/{person_id}/overview"
    etag = stamp_of(api, path, me)
    read(api, path, me, etag)  # warm
    with counted(api_app) as statements:
        assert read(api, path, me, etag).status_code == 304
    assert len(statements) <= most, "\n".join(statements)


# The data version ---------------------------------------------------------------------


def stamped_tables() -> list[str]:
    return sorted(set(db.metadata.tables) - NOT_STAMPED)


def test_every_table_but_the_access_log_has_the_version_triggers(api_app: Flask) -> None:
    """A table added later without its triggers (in its own migration) fails here."""
    with api_app.app_context():
        if db.engine.dialect.name == "postgresql":
            rows = db.session.execute(
                text(
                    "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c "
                    "ON c.oid = t.tgrelid WHERE t.tgname LIKE 'data_version_%'"
                )
            ).all()
            expected = {
                (table, name)
                for table in stamped_tables()
                for name in (f"data_version_{table}", f"data_version_{table}_truncate")
            }
        else:
            rows = db.session.execute(
                text("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
            ).all()
            expected = {
                (table, f"data_version_{table}_{event}")
                for table in stamped_tables()
                for event in ("insert", "update", "delete")
            }
        db.session.remove()
    assert {(r[0], r[1]) for r in rows} == expected


def test_a_committed_change_to_any_table_raises_the_version(api_app: Flask) -> None:
    """Each table with rows in the demo: an update that changes nothing still raises it."""
    with api_app.app_context():
        for table in stamped_tables():
            columns = db.metadata.tables[table].primary_key.columns
            column = next(iter(columns)).name
            before = version(api_app)
            changed = db.session.execute(
                text(f"UPDATE {table} SET {column} = {column}")  # noqa: S608 - table names
            ).rowcount
            db.session.commit()
            if changed:
                assert version(api_app) > before, table
        db.session.remove()


def test_the_version_rises_when_the_change_commits_not_before_and_not_for_the_log(
    api: PlanAPI, api_app: Flask
) -> None:
    before = version(api_app)
    with api_app.app_context():
        db.session.execute(update(Agreement).values(what="x"))
        assert version(api_app) == before  # another connection: not yet committed
        db.session.rollback()
    assert version(api_app) == before
    ok(api.get(METTE, citizen("p-mette")))  # writes the access log only
    assert version(api_app) == before
    with api_app.app_context():
        db.session.execute(update(Agreement).values(what="x"))
        db.session.execute(update(Agreement).values(what="y"))
        db.session.commit()
    assert version(api_app) > before


def test_a_demo_reload_keeps_the_version_and_raises_it(api_app: Flask) -> None:
    from planapi.demo import load

    before = version(api_app)
    with api_app.app_context():
        load(db.session, date(2026, 11, 23))
        db.session.remove()
    assert version(api_app) > before


def test_the_build_is_the_code_so_a_release_never_answers_an_old_etag(tmp_path: Path) -> None:
    shutil.copytree(Path(freshness.__file__).parent, tmp_path / "planapi")
    root = tmp_path / "planapi"
    assert freshness.build_of(root) == freshness.BUILD
    for changed in (root / "serialize.py", root / "views" / "plan.py", root / "openapi.yaml"):
        before = freshness.build_of(root)
        changed.write_text(changed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert freshness.build_of(root) != before, changed


def test_two_writers_in_opposite_order_both_commit(api_app: Flask) -> None:
    """The version's row is locked only as a writer commits (a deferred trigger on
    PostgreSQL): raised at each write instead, writer B would hold a row A wants while
    waiting for the version A holds, and PostgreSQL would abort one as a deadlock."""
    with api_app.app_context():
        engine = db.engine
        first = db.session.scalars(select(Agreement.id).order_by(Agreement.id)).first()
        second = db.session.scalars(select(Appointment.id).order_by(Appointment.id)).first()
        db.session.remove()
    before = version(api_app)
    errors: list[BaseException] = []
    b_wrote = threading.Event()

    def writer_b() -> None:
        try:
            with engine.begin() as b:
                b.execute(update(Appointment).where(Appointment.id == second).values(room="b"))
                b_wrote.set()
        except BaseException as exc:
            errors.append(exc)
            b_wrote.set()

    with engine.begin() as a:
        a.execute(update(Agreement).where(Agreement.id == first).values(what="a"))
        thread = threading.Thread(target=writer_b)
        thread.start()
        b_wrote.wait(timeout=0.5)  # on SQLite B waits for A's lock: A goes on
        a.execute(update(Appointment).where(Appointment.id == second).values(room="a"))
    thread.join(timeout=30)
    assert not errors and not thread.is_alive()
    assert version(api_app) >= before + 2  # once per transaction (PostgreSQL), per row (SQLite)


def statements_of_a_read(api: PlanAPI, api_app: Flask, path: str, who: As) -> int:
    ok(api.get(path, who))  # warm
    with counted(api_app) as statements:
        ok(api.get(path, who))
    return len(statements)


def test_a_change_committed_at_any_point_of_a_read_is_in_the_next_one(
    api: PlanAPI, api_app: Flask
) -> None:
    """Another connection commits a change to Anders's task in Emma's plan right after each
    statement of a read of his overview in turn; sent back, that read's ETag never gets a
    304, so the change is in the next answer. (With the version read after the rows, this
    fails on PostgreSQL: planted. On SQLite the reader holds the write lock from its log
    entry on, so a change can only come before that: after the first statement.)"""
    path = "/v1/persons/p-anders/overview"
    anders = citizen("p-anders")
    with api_app.app_context():
        engine = db.engine
        concurrent_writers = engine.dialect.name == "postgresql"
        db.session.remove()
    total = statements_of_a_read(api, api_app, path, anders) if concurrent_writers else 1
    for at in range(1, total + 1):
        what = f"Ændret efter sætning {at}"
        hook, executed = committing_after(engine, at, what)
        event.listen(engine, "after_cursor_execute", hook)
        try:
            first = api.get(path, anders)
        finally:
            event.remove(engine, "after_cursor_execute", hook)
        ok(first)
        assert executed[0] >= at
        again = read(api, path, anders, first.headers["ETag"])
        [part] = ok(again)["involvements"]
        assert part["tasks"][0]["what"] == what, at


def committing_after(engine: Engine, at: int, what: str) -> tuple[Any, list[int]]:
    """A cursor hook that commits a new text for Anders's task on another connection right
    after the `at`-th statement, and the count of statements it saw."""
    executed = [0]

    def hook(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        executed[0] += 1
        if executed[0] == at:
            with engine.connect() as other:
                other.execute(
                    update(Agreement)
                    .where(Agreement.responsible_person_id == "p-anders")
                    .values(what=what)
                )
                other.commit()

    return hook, executed
