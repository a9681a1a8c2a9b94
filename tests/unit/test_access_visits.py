"""The access log grouped by visit and by reader, other people's reads first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.access_visits import group, visits
from portal.clients.access_log import AccessLogEntry

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def entry(n: int, actor: str, minutes: int, resource: str = "plan", **extra: str) -> AccessLogEntry:
    kind = {"p-mette": "citizen", "cw-lene": "caseworker", "p-bent": "representative"}[actor]
    return AccessLogEntry.model_validate(
        {
            "id": f"log-{n}",
            "at": (T0 + timedelta(minutes=minutes)).isoformat(),
            "actor": {"id": actor, "name": actor, "kind": kind},
            "action": extra.get("action", "read"),
            "resource": resource,
            "basis": extra.get("basis", "self"),
            "purpose": extra.get("purpose"),
            "outcome": extra.get("outcome", "allowed"),
        }
    )


def test_a_visit_is_one_readers_entries_close_together() -> None:
    log = [
        entry(1, "p-mette", 0),
        entry(2, "p-mette", 5, "appointments"),
        entry(3, "p-mette", 34, "consents/c-mette"),  # 29 minutes later: same visit
        entry(4, "p-mette", 120),  # 86 minutes later: a new visit
        entry(5, "cw-lene", 6, "plan", basis="caseworker_preview", purpose="Møde"),
    ]
    found = visits(log)
    assert [(v.actor_id, len(v.entries)) for v in found] == [
        ("p-mette", 1),
        ("p-mette", 3),
        ("cw-lene", 1),
    ]
    assert found[1].areas == ["plan", "appointments", "consents"]
    assert found[2].purposes == ["Møde"] and found[2].bases == ["caseworker_preview"]


def test_other_peoples_visits_come_first_and_the_own_apart() -> None:
    log = [entry(n, "p-mette", n * 60) for n in range(1, 40)]
    log += [
        entry(100, "cw-lene", 10, basis="caseworker_preview"),
        entry(101, "p-bent", 3000, "appointments", basis="power_of_attorney"),
        entry(102, "p-bent", 3001, "consents", outcome="refused"),
    ]
    grouped = group(log, "p-mette")
    assert [v.actor_id for v in grouped.others] == ["p-bent", "cw-lene"]  # newest first
    assert grouped.others[0].refused == 1
    assert len(grouped.own) == 39 and grouped.own_entries == 39
    assert all(v.actor_id == "p-mette" for v in grouped.own)
    # Read by someone acting for her (not her own reads): nobody's visits are hidden.
    assert len(group(log, None).others) == 41


def test_a_visit_that_changed_one_thing_and_saw_others_says_which_is_which() -> None:
    log = [
        entry(1, "cw-lene", 0, "plan", basis="caseworker"),
        entry(2, "cw-lene", 2, "consents/c-mette", basis="caseworker", action="change"),
        entry(3, "cw-lene", 3, "appointments", basis="caseworker"),
        entry(4, "cw-lene", 4, "consents/c-mette", basis="caseworker"),
    ]
    (visit,) = visits(log)
    assert visit.action == "change"
    assert visit.changed_areas == ["consents"]
    assert visit.seen_areas == ["plan", "appointments"]  # consents: changed, not only seen
