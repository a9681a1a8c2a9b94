"""The change feed: recorded with the change, ordered, resumable, service-only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from planapi.extensions import db
from planapi.models import Contact
from tests.unit.planapi.conftest import (
    TODAY,
    PlanAPI,
    citizen,
    consent_grant,
    ok,
    problem,
    set_today,
    staff,
    who5,
)


def feed(api: PlanAPI, after: str = "0", limit: int = 100) -> dict[str, Any]:
    return ok(api.get("/v1/events", query={"after": after, "limit": limit}))


def types(page: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(e["type"], e["person_id"], e["resource"]) for e in page["events"]]


def test_the_demo_data_brings_some_events_in_order(api: PlanAPI) -> None:
    page = feed(api)
    assert ("appointment.moved", "p-mette", "appointments/ap-mette-2") in types(page)
    assert ("consent.withdrawn", "p-karim", "consents/c-karim") in types(page)
    assert ("information.requested", "p-emma", "cases/case-emma-efterskole") in types(page)
    cursors = [int(e["cursor"]) for e in page["events"]]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)
    assert page["next_cursor"] == page["events"][-1]["cursor"]
    moved = next(e for e in page["events"] if e["type"] == "appointment.moved")
    assert moved["data"]["start_at"].startswith((TODAY + timedelta(days=12)).isoformat())


def test_the_feed_resumes_from_a_cursor_in_small_pages(api: PlanAPI) -> None:
    everything = feed(api)["events"]
    seen: list[str] = []
    cursor = "0"
    while True:
        page = feed(api, cursor, limit=2)
        if not page["events"]:
            assert page["next_cursor"] == cursor  # an empty page keeps the place
            break
        assert len(page["events"]) <= 2
        seen += [e["id"] for e in page["events"]]
        cursor = page["next_cursor"]
    assert seen == [e["id"] for e in everything]


def test_a_write_records_its_event_in_the_same_transaction(api: PlanAPI) -> None:
    start = feed(api)["next_cursor"]
    mette = citizen("p-mette")
    ok(api.post("/v1/persons/p-mette/consents/c-mette/withdrawals", {}, mette), 201)
    ok(api.post("/v1/persons/p-mette/questionnaires/who-5/responses", who5(), mette), 201)
    new = feed(api, start)["events"]
    assert [(e["type"], e["resource"]) for e in new] == [
        ("consent.withdrawn", "consents/c-mette"),
        ("questionnaire.answered", "questionnaires/who-5"),
    ]
    assert set(new[0]["data"]["departments"]) == {"employment", "social", "health"}
    # A refused write records nothing.
    problem(
        api.post("/v1/persons/p-mette/consents/c-mette/withdrawals", {}, citizen("p-mette")), 409
    )
    assert feed(api, new[-1]["cursor"])["events"] == []


def test_a_replayed_write_records_no_second_event(api: PlanAPI) -> None:
    start = feed(api)["next_cursor"]
    for _ in range(2):
        ok(
            api.post(
                "/v1/persons/p-jonas/consents", consent_grant(), citizen("p-jonas"), key="one-key"
            ),
            201,
        )
    assert types(feed(api, start)) == [("consent.granted", "p-jonas", "consents/" + _last_id(api))]


def _last_id(api: PlanAPI) -> str:
    return feed(api)["events"][-1]["resource"].split("/")[1]


def test_the_daily_scan_records_due_and_expiring_once(api: PlanAPI, api_app: Flask) -> None:
    start = feed(api)["next_cursor"]
    runner = api_app.test_cli_runner()
    assert runner.invoke(args=["daily"]).exit_code == 0
    first = types(feed(api, start))
    assert ("questionnaire.due", "p-mette", "questionnaires/who-5") in first
    # Karim withdrew his consent (his questionnaires stopped), Emma's are not due yet.
    assert not [t for t in first if t[0] == "questionnaire.due" and t[1] in ("p-karim", "p-emma")]
    # The demo data already told of Mette's consent expiring on this date: not again.
    assert ("consent.expiring", "p-mette", "consents/c-mette") not in first
    assert types(feed(api)).count(("consent.expiring", "p-mette", "consents/c-mette")) == 1
    again = runner.invoke(args=["daily"])
    assert again.output.startswith("0 event(s)")
    set_today(api_app, TODAY + timedelta(days=1))
    assert runner.invoke(args=["daily"]).output.startswith("0 event(s)")


def test_demo_event_makes_the_change_and_its_event(api: PlanAPI, api_app: Flask) -> None:
    before = ok(api.get("/v1/persons/p-mette/appointments/ap-mette-1", citizen("p-mette")))
    start = feed(api)["next_cursor"]
    result = api_app.test_cli_runner().invoke(
        args=["demo-event", "appointment-moved", "p-mette", "--days", "2"]
    )
    assert result.exit_code == 0, result.output
    after = ok(api.get("/v1/persons/p-mette/appointments/ap-mette-1", citizen("p-mette")))
    assert after["status"] == "moved" and after["start"] > before["start"]
    (event,) = feed(api, start)["events"]
    assert (event["type"], event["resource"]) == ("appointment.moved", "appointments/ap-mette-1")
    assert event["data"]["start_at"] == after["start"]


def test_the_feed_needs_the_service_token_and_a_valid_cursor(api: PlanAPI) -> None:
    problem(PlanAPI(api.client, token="").get("/v1/events"), 401)
    problem(PlanAPI(api.client, token="wrong").get("/v1/events"), 401)
    body = problem(api.get("/v1/events", query={"after": "abc", "limit": 0}), 400)
    assert {e["field"] for e in body["errors"]} == {"after", "limit"}
    assert "p-mette" not in str(body)


def test_notice_recipients_follow_custody_and_power_of_attorney(api: PlanAPI) -> None:
    emma = ok(api.get("/v1/persons/p-emma/notice-recipients"))
    assert [(r["person_id"], r["basis"]) for r in emma["recipients"]] == [
        ("p-emma", "self"),
        ("p-anders", "custody"),
    ]
    assert emma["recipients"][0]["age"] == 15
    mette = ok(api.get("/v1/persons/p-mette/notice-recipients"))
    bent = next(r for r in mette["recipients"] if r["basis"] == "power_of_attorney")
    assert bent["person_id"] == "p-bent" and "plan:read" in bent["scope"]
    assert "consents:read" not in bent["scope"]
    assert mette["coordinator"]["id"] == "cw-lene"
    # Lene also answers Mette's messages as one of her contacts; nobody else here does.
    assert mette["caseworkers"] == [mette["coordinator"]]
    oliver = ok(api.get("/v1/persons/p-oliver/notice-recipients"))
    assert [r["basis"] for r in oliver["recipients"]] == ["self"]  # 19: no custody
    problem(PlanAPI(api.client, token="").get("/v1/persons/p-emma/notice-recipients"), 401)


def test_notice_recipients_name_every_caseworker_who_answers_the_persons_messages(
    api: PlanAPI, api_app: Flask
) -> None:
    with api_app.app_context():
        contact = db.session.scalars(
            select(Contact).where(Contact.person_id == "p-mette", Contact.caseworker_id.is_(None))
        ).first()
        assert contact is not None
        contact.caseworker_id, contact.takes_messages = "cw-peter", True
        db.session.commit()
    listed = ok(api.get("/v1/persons/p-mette/notice-recipients"))["caseworkers"]
    assert [(w["id"], w["email"]) for w in listed] == [
        ("cw-lene", "lene.bach@nordby.example"),
        ("cw-peter", "peter.holm@nordby.example"),
    ]
    with api_app.app_context():
        db.session.execute(
            update(Contact).where(Contact.caseworker_id == "cw-peter").values(takes_messages=False)
        )
        db.session.commit()
    listed = ok(api.get("/v1/persons/p-mette/notice-recipients"))["caseworkers"]
    assert [w["id"] for w in listed] == ["cw-lene"]  # a contact who takes no messages


def test_a_message_records_its_event_naming_no_content(api: PlanAPI) -> None:
    start = feed(api)["next_cursor"]
    sent = ok(
        api.post(
            "/v1/persons/p-mette/messages",
            {"contact_id": "ct-mette-1", "body": "Hemmeligt indhold"},
            citizen("p-mette"),
        ),
        201,
    )
    inbox = f"/v1/caseworkers/cw-lene/conversations/{sent['conversation_id']}"
    answer = ok(api.post(f"{inbox}/messages", {"body": "Svar"}, staff("cw-lene")), 201)
    # Refused writes record nothing: a contact who takes no messages, an empty answer.
    bad = {"contact_id": "ct-mette-3", "body": "Hej"}
    problem(api.post("/v1/persons/p-mette/messages", bad, citizen("p-mette")), 422)
    problem(api.post(f"{inbox}/messages", {"body": " "}, staff("cw-lene")), 422)
    new = feed(api, start)["events"]
    talk = {"conversation_id": sent["conversation_id"], "caseworker_id": "cw-lene"}
    assert [(e["type"], e["person_id"], e["resource"], e["data"]) for e in new] == [
        ("message.received", "p-mette", f"messages/{sent['id']}", {"from": "citizen", **talk}),
        ("message.received", "p-mette", f"messages/{answer['id']}", {"from": "staff", **talk}),
    ]
    assert "Hemmeligt" not in str(new) and "Svar" not in str(new)
