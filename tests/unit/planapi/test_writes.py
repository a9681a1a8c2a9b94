"""Writes: idempotency, consent lifecycle with notifications, questionnaires, change requests."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from planapi.extensions import db
from planapi.idempotency import run_once
from planapi.models import ChangeRequest, Consent, QuestionnaireResponse, Relation
from planapi.problems import Problem
from tests.unit.planapi.conftest import (
    TODAY,
    PlanAPI,
    attorney,
    change_request,
    citizen,
    consent_grant,
    guardian,
    ok,
    problem,
    set_today,
    staff,
    who5,
    window,
)

WHO5 = "/v1/persons/p-mette/questionnaires/who-5/responses"
METTE_CONSENT = "/v1/persons/p-mette/consents/c-mette"
MOVE = "/v1/persons/p-mette/appointments/ap-mette-1/change-requests"
TODAY_NOON = datetime(2026, 11, 23, 12, tzinfo=UTC)


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def notifications(api: PlanAPI) -> list[dict[str, object]]:
    return ok(api.get("/v1/caseworkers/cw-lene/notifications", staff("cw-lene")))["items"]


# Idempotency ---------------------------------------------------------------------------


def test_same_key_twice_gives_same_answer_and_one_record(api: PlanAPI, api_app: Flask) -> None:
    before = count(api_app, QuestionnaireResponse)
    first = api.post(WHO5, who5([5, 4, 3, 2, 1]), citizen("p-mette"), key="k-who5-1")
    again = api.post(WHO5, who5([5, 4, 3, 2, 1]), citizen("p-mette"), key="k-who5-1")
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(api_app, QuestionnaireResponse) == before + 1


def test_same_key_with_another_body_is_422(api: PlanAPI) -> None:
    ok(api.post(WHO5, who5([5, 5, 5, 5, 5]), citizen("p-mette"), key="k-2"), 201)
    body = problem(api.post(WHO5, who5([0, 0, 0, 0, 0]), citizen("p-mette"), key="k-2"), 422)
    assert "Idempotency-Key" in body["detail"]


def test_key_is_required_and_bounded(api: PlanAPI) -> None:
    for key in (None, "x" * 201, "with space", ""):
        body = problem(api.post(WHO5, who5(), citizen("p-mette"), key=key), 400)
        assert body["errors"] == [
            {"field": "Idempotency-Key", "message": "required: 1-200 printable characters"}
        ], key
    ok(api.post(WHO5, who5(), citizen("p-mette"), key="x" * 200), 201)


def test_a_reused_key_is_refused_as_such(api: PlanAPI) -> None:
    ok(api.post(WHO5, who5([1, 1, 1, 1, 1]), citizen("p-mette"), key="k-reused"), 201)
    body = problem(api.post(WHO5, who5([2, 2, 2, 2, 2]), citizen("p-mette"), key="k-reused"), 422)
    assert body["type"].endswith("/idempotency-key-reused")
    assert body["detail"] == "This Idempotency-Key was already used for a different request."


def test_the_same_body_with_its_fields_in_another_order_is_the_same_request(
    api: PlanAPI, api_app: Flask
) -> None:
    fields = change_request(preferred_times=[])
    first = ok(api.post(MOVE, fields, citizen("p-mette"), key="cr-order"), 201)
    reordered = json.dumps(dict(reversed(fields.items()))).encode()
    again = api.post(MOVE, None, citizen("p-mette"), key="cr-order", raw=reordered)
    assert ok(again, 201) == first and again.headers["Idempotent-Replayed"] == "true"
    assert count(api_app, ChangeRequest) == 1


def test_idempotent_withdrawal_notifies_once(api: PlanAPI) -> None:
    before = len(notifications(api))
    for _ in range(3):
        ok(api.post(f"{METTE_CONSENT}/withdrawals", {}, citizen("p-mette"), key="w-1"), 201)
    assert len(notifications(api)) == before + 1


def test_change_request_is_idempotent(api: PlanAPI, api_app: Flask) -> None:
    body = change_request()
    first = ok(api.post(MOVE, body, citizen("p-mette"), key="cr-1"), 201)
    assert ok(api.post(MOVE, body, citizen("p-mette"), key="cr-1"), 201) == first
    assert count(api_app, ChangeRequest) == 1


@pytest.mark.parametrize(
    ("body", "same", "other"),
    [
        (b"\xff\xfe not text", b"\xff\xfe not text", b"\xff\xfe not text!"),
        (b"\xff not text", b"\xff not text", b"\xfe not text"),  # the same once decoded
        (b'{"reason": "\\ud800"}', b'{"reason": "\\ud800"}', b'{"reason": "\\ud801"}'),
        (b"", b"null", b"{}"),
    ],
    ids=["not-utf-8", "other-bytes-not-utf-8", "lone-surrogate", "empty-is-null"],
)
def test_run_once_takes_any_body(api_app: Flask, body: bytes, same: bytes, other: bytes) -> None:
    """The key's fingerprint is made of whatever body came (the views parse it, but the
    key is checked on its own): the same body replays, another body is refused."""
    calls: list[int] = []

    def work() -> tuple[dict[str, Any], int]:
        calls.append(1)
        return {"n": len(calls)}, 201

    def send(raw: bytes) -> Any:
        path = "/v1/persons/p-mette/documents"
        with api_app.test_request_context(path, method="POST", data=raw):
            return run_once(f"any-body-{body!r}", work)

    first = send(body)
    assert (first.status_code, first.get_json()) == (201, {"n": 1})
    again = send(same)
    assert again.get_json() == {"n": 1} and again.headers["Idempotent-Replayed"] == "true"
    with pytest.raises(Problem) as refused:
        send(other)
    assert refused.value.status == 422 and calls == [1]


# What a key was stored with must match again after an upgrade: a citizen's retry that
# crosses a deploy is the same request. The material, as stored since keys were scoped:
# json.dumps([method, path, X-Actor-Id, X-Basis, body], sort_keys=True, ensure_ascii=True),
# where a body that is not JSON is {"bytes": its hex}.
@pytest.mark.parametrize(
    ("path", "body", "fingerprint"),
    [
        (
            "/v1/persons/p-mette/messages",
            json.dumps({"text": "Hej, må jeg flytte mødet?", "n": 1}).encode(),
            "555020983c42af37289b84470b2473aac926baf084d215c810cada8486cbd0a7",
        ),
        (
            "/v1/persons/p-mette/documents",
            b"\xff\xfe not text",
            "13177ef096396cea4d2c684c793213c04f33172391ba18b92e4d4a0ef0cbd59b",
        ),
    ],
    ids=["json", "not-json"],
)
def test_a_keys_fingerprint_is_the_one_stored_before(
    api_app: Flask, path: str, body: bytes, fingerprint: str
) -> None:
    from planapi.idempotency import _fingerprint

    headers = {"X-Actor-Id": "p-mette", "X-Basis": "self", "Content-Type": "application/json"}
    with api_app.test_request_context(path, method="POST", data=body, headers=headers):
        assert _fingerprint() == fingerprint


def _race(api_app: Flask, winner_fingerprint: str | None) -> Any:
    """run_once where another request stores the same key between our read and our commit
    (as two requests at once do): `work` commits the other request's record, as if it came
    first, and leaves our own record to collide with it."""
    from planapi import clock
    from planapi.idempotency import _fingerprint
    from planapi.models import IdempotencyRecord

    headers = {"X-Actor-Id": "p-mette", "X-Basis": "self"}
    path = "/v1/persons/p-mette/appointments/ap-mette-1/change-requests"
    with api_app.test_request_context(path, method="POST", json={"x": 1}, headers=headers):

        def work() -> tuple[dict[str, Any], int]:
            other = IdempotencyRecord(
                key="raced",
                fingerprint=winner_fingerprint or _fingerprint(),
                status=201,
                body={"id": "the-first"},
                created_at=clock.now(),
            )
            db.session.add(other)
            db.session.commit()
            db.session.expunge(other)  # known only to the database, as the other request's
            return {"id": "the-second"}, 201

        try:
            return run_once("raced", work)
        finally:
            db.session.rollback()


def test_a_key_that_loses_a_race_answers_as_the_winner_did(api_app: Flask) -> None:
    from planapi.models import IdempotencyRecord

    response = _race(api_app, None)
    assert (response.status_code, response.get_json()) == (201, {"id": "the-first"})
    assert response.headers["Idempotent-Replayed"] == "true"
    assert count(api_app, IdempotencyRecord) == 1


def test_a_key_that_loses_a_race_to_another_request_is_refused_as_reused(
    api_app: Flask,
) -> None:
    with pytest.raises(Problem) as refused:
        _race(api_app, "another request's fingerprint")
    assert refused.value.status == 422
    assert refused.value.detail == "This Idempotency-Key was already used for a different request."


def test_a_conflict_that_is_not_the_key_is_raised(api_app: Flask) -> None:
    """Another constraint broken by the work itself (no record holds the key): no answer to
    replay, so the error goes on to the view's handler."""
    from sqlalchemy.exc import IntegrityError

    from planapi.models import IdempotencyRecord

    def work() -> tuple[dict[str, Any], int]:
        for _ in range(2):  # the same key twice in one flush
            db.session.add(
                IdempotencyRecord(
                    key="twice", fingerprint="f", status=201, body={}, created_at=TODAY_NOON
                )
            )
        return {}, 201

    with api_app.test_request_context("/v1/persons/p-mette/documents", method="POST"):
        with pytest.raises(IntegrityError):
            run_once("not-this-key", work)
        db.session.rollback()
    assert count(api_app, IdempotencyRecord) == 0


# A key is scoped by method, path (and so person), actor and basis: the same key and body
# sent anywhere else is a different request and refused, never answered with the first
# request's record.


def test_same_key_and_body_on_another_appointment_is_refused(api: PlanAPI, api_app: Flask) -> None:
    body = change_request()
    first = ok(api.post(MOVE, body, citizen("p-mette"), key="cr-scope"), 201)
    assert first["appointment_id"] == "ap-mette-1"
    other = MOVE.replace("ap-mette-1", "ap-mette-2")
    refused = problem(api.post(other, body, citizen("p-mette"), key="cr-scope"), 422)
    assert "Idempotency-Key" in refused["detail"]
    assert count(api_app, ChangeRequest) == 1


def test_same_key_and_body_for_another_person_is_refused(api: PlanAPI) -> None:
    ok(api.post(WHO5, who5(), citizen("p-mette"), key="who5-scope"), 201)
    jonas = WHO5.replace("p-mette", "p-jonas")
    problem(api.post(jonas, who5(), citizen("p-jonas"), key="who5-scope"), 422)


def _attorneys_for_mette(app: Flask, *holders: str) -> None:
    """Give each holder a power of attorney for Mette that covers moving appointments."""
    with app.app_context():
        for holder in holders:
            db.session.merge(
                Relation(
                    id=f"rel-{holder}-mette-test",
                    kind="power_of_attorney",
                    holder_id=holder,
                    subject_id="p-mette",
                    scope=["appointments:read", "appointments:write"],
                    valid_from=TODAY - timedelta(days=1),
                    valid_until=None,
                )
            )
        db.session.commit()


def test_same_key_body_and_path_from_another_actor_is_refused(api: PlanAPI, api_app: Flask) -> None:
    _attorneys_for_mette(api_app, "p-bent", "p-freja")
    body = change_request()
    first = ok(api.post(MOVE, body, attorney("p-bent"), key="cr-actor"), 201)
    assert first["created_by"]["id"] == "p-bent"
    problem(api.post(MOVE, body, attorney("p-freja"), key="cr-actor"), 422)
    assert count(api_app, ChangeRequest) == 1


def test_same_key_body_path_and_actor_on_another_basis_is_refused(
    api: PlanAPI, api_app: Flask
) -> None:
    """Mette herself and as a (test-made) attorney of herself: the answer names the basis."""
    _attorneys_for_mette(api_app, "p-mette")
    body = change_request()
    ok(api.post(MOVE, body, citizen("p-mette"), key="cr-basis"), 201)
    problem(api.post(MOVE, body, attorney("p-mette"), key="cr-basis"), 422)
    assert count(api_app, ChangeRequest) == 1


# Consent -------------------------------------------------------------------------------


def test_mettes_consent_expires_within_30_days(api: PlanAPI) -> None:
    consent = ok(api.get(METTE_CONSENT, citizen("p-mette")))
    assert consent["status"] == "active" and 0 < consent["expires_in_days"] <= 30
    assert consent["text"]["body"]["da"].count("frivilligt") == 1
    assert consent["text"]["body"]["en"]
    assert consent["granted_by"]["kind"] == "self"
    assert [e["kind"] for e in consent["history"]] == ["granted"]


def test_karims_consent_is_withdrawn_and_lene_was_told(api: PlanAPI) -> None:
    (consent,) = ok(api.get("/v1/persons/p-karim/consents", citizen("p-karim")))["items"]
    assert consent["status"] == "withdrawn"
    assert [e["kind"] for e in consent["history"]] == ["granted", "withdrawn"]
    kinds = [(n["kind"], n["person"]["id"]) for n in notifications(api)]
    assert ("consent_withdrawn", "p-karim") in kinds


def test_withdraw_one_department_then_the_rest(api: PlanAPI) -> None:
    one = ok(
        api.post(f"{METTE_CONSENT}/withdrawals", {"departments": ["health"]}, citizen("p-mette")),
        201,
    )
    assert one["status"] == "active"
    assert {s["department"]: s["status"] for s in one["scopes"]} == {
        "employment": "active",
        "social": "active",
        "health": "withdrawn",
    }
    assert notifications(api)[0]["kind"] == "consent_department_withdrawn"
    problem(
        api.post(f"{METTE_CONSENT}/withdrawals", {"departments": ["health"]}, citizen("p-mette")),
        409,
    )
    problem(
        api.post(f"{METTE_CONSENT}/withdrawals", {"departments": ["daycare"]}, citizen("p-mette")),
        422,
    )
    rest = ok(api.post(f"{METTE_CONSENT}/withdrawals", {}, citizen("p-mette")), 201)
    assert rest["status"] == "withdrawn" and rest["expires_in_days"] is None
    assert [e["kind"] for e in rest["history"]] == ["granted", "department_withdrawn", "withdrawn"]
    assert notifications(api)[0]["kind"] == "consent_withdrawn"
    problem(api.post(f"{METTE_CONSENT}/withdrawals", {}, citizen("p-mette")), 409)
    problem(api.post(f"{METTE_CONSENT}/renewals", {}, citizen("p-mette")), 409)


def test_renew_extends_expiry(api: PlanAPI) -> None:
    renewed = ok(
        api.post(f"{METTE_CONSENT}/renewals", {"valid_months": 12}, citizen("p-mette")), 201
    )
    assert renewed["expires_in_days"] > 360
    assert renewed["history"][-1]["kind"] == "renewed"
    problem(
        api.post(f"{METTE_CONSENT}/renewals", {"text_version": "1999-9"}, citizen("p-mette")), 422
    )


def test_expiry_is_recorded_once_and_notifies(api: PlanAPI, api_app: Flask) -> None:
    set_today(api_app, date(2026, 11, 23) + timedelta(days=31))
    consent = ok(api.get(METTE_CONSENT, citizen("p-mette")))
    assert consent["status"] == "expired" and consent["expires_in_days"] is None
    ok(api.get(METTE_CONSENT, citizen("p-mette")))
    expired = [n for n in notifications(api) if n["kind"] == "consent_expired"]
    assert [n["person"]["id"] for n in expired] == ["p-mette"]
    assert [e["kind"] for e in ok(api.get(METTE_CONSENT, citizen("p-mette")))["history"]] == [
        "granted",
        "expired",
    ]
    problem(api.post(f"{METTE_CONSENT}/withdrawals", {}, citizen("p-mette")), 409)
    renewed = ok(api.post(f"{METTE_CONSENT}/renewals", {}, citizen("p-mette")), 201)
    assert renewed["status"] == "active"


@pytest.mark.parametrize("path", ["/v1/persons/p-mette/consents", "/v1/persons/p-mette/overview"])
def test_a_read_of_all_consents_records_an_expiry_once_and_already_shows_it(
    api: PlanAPI, api_app: Flask, path: str
) -> None:
    """The consent list and the overview read rows, not models (planapi/rows.py): an expiry
    they meet is recorded first, through the models, once, and the same answer shows it."""
    set_today(api_app, date(2026, 11, 23) + timedelta(days=31))
    for _ in range(2):
        body = ok(api.get(path, citizen("p-mette")))
        items = body["items"] if "items" in body else body["consents"]
        mine = next(c for c in items if c["id"] == "c-mette")
        assert mine["status"] == "expired"
        assert [e["kind"] for e in mine["history"]] == ["granted", "expired"]
    expired = [n for n in notifications(api) if n["kind"] == "consent_expired"]
    assert [n["person"]["id"] for n in expired] == ["p-mette"]


def test_grant_by_self_and_by_guardian(api: PlanAPI, api_app: Flask) -> None:
    mine = ok(api.post("/v1/persons/p-freja/consents", consent_grant(), citizen("p-freja")), 201)
    assert (mine["status"], mine["granted_by"]["kind"]) == ("active", "self")
    assert mine["history"][0]["actor"]["kind"] == "citizen"
    child = ok(
        api.post("/v1/persons/p-emma/consents", consent_grant(("school",)), guardian("p-anders")),
        201,
    )
    assert child["granted_by"] == {
        "person": {"id": "p-anders", "name": "Anders Kjær Poulsen"},
        "kind": "guardian",
    }
    before = count(api_app, Consent)
    problem(api.post("/v1/persons/p-oliver/consents", consent_grant(), guardian("p-anders")), 403)
    problem(
        api.post(
            "/v1/persons/p-freja/consents", consent_grant(("social", "social")), citizen("p-freja")
        ),
        422,
    )
    problem(
        api.post(
            "/v1/persons/p-freja/consents", consent_grant(text_version="0"), citizen("p-freja")
        ),
        422,
    )
    assert count(api_app, Consent) == before


def test_another_persons_consent_id_is_404(api: PlanAPI) -> None:
    problem(api.get("/v1/persons/p-mette/consents/c-karim", citizen("p-mette")), 404)
    problem(
        api.post("/v1/persons/p-mette/consents/c-karim/withdrawals", {}, citizen("p-mette")), 404
    )


def test_current_consent_text(api: PlanAPI) -> None:
    text = ok(api.get("/v1/consent-texts/current"))
    assert text["version"] == "2025-1" and text["title"]["en"]
    assert ok(api.get("/v1/consent-texts/2025-1")) == text
    problem(api.get("/v1/consent-texts/2099-1"), 404)


# Questionnaires ------------------------------------------------------------------------


def test_who5_is_scored_raw_times_four(api: PlanAPI) -> None:
    answer = ok(api.post(WHO5, who5([5, 4, 3, 2, 1]), citizen("p-mette")), 201)
    score = answer["score"]
    assert (score["raw"], score["reported"], score["reported_max"]) == (15, 60, 100)
    assert answer["basis"] == "self" and answer["answered_by"]["id"] == "p-mette"
    due = ok(api.get("/v1/persons/p-mette/questionnaires", citizen("p-mette")))["items"]
    assert {d["instrument_id"]: d["status"] for d in due}["who-5"] == "answered"


def test_who5_answers_must_be_on_the_scale(api: PlanAPI) -> None:
    body = problem(api.post(WHO5, who5([6, 0, 0, 0, -1]), citizen("p-mette")), 422)
    assert {e["field"] for e in body["errors"]} == {"answers.0.value", "answers.4.value"}
    problem(api.post(WHO5, who5([1, 2, 3, 4]), citizen("p-mette")), 422)
    twice = who5([1, 2, 3, 4, 5])
    twice["answers"][4]["item_id"] = "who5-1"
    problem(api.post(WHO5, twice, citizen("p-mette")), 422)
    problem(api.post(WHO5, who5(version=2), citizen("p-mette")), 422)
    problem(api.post(WHO5, {**who5(), "language": "sv"}, citizen("p-mette")), 422)


def test_who5_is_due_now_for_mette_and_jonas(api: PlanAPI) -> None:
    for person in ("p-mette", "p-jonas"):
        due = ok(api.get(f"/v1/persons/{person}/questionnaires", citizen(person)))["items"]
        who = next(d for d in due if d["instrument_id"] == "who-5")
        assert who["status"] == "due" and who["item_count"] == 5
    assert ok(api.get("/v1/persons/p-freja/questionnaires", citizen("p-freja")))["items"] == []


def test_plan_goals_are_generated_from_active_sub_goals(api: PlanAPI) -> None:
    instrument = ok(api.get("/v1/persons/p-mette/questionnaires/plan-goals", citizen("p-mette")))
    plan = ok(api.get("/v1/persons/p-mette/plan", citizen("p-mette")))
    active = [g["id"] for g in plan["sub_goals"] if g["status"] in ("not_started", "in_progress")]
    assert [i["sub_goal_id"] for i in instrument["items"]] == active
    answers = [{"item_id": goal, "value": 7} for goal in active]
    body = {"instrument_version": 1, "language": "en", "answers": answers}
    path = "/v1/persons/p-mette/questionnaires/plan-goals/responses"
    assert ok(api.post(path, body, citizen("p-mette")), 201)["score"]["reported"] == 70
    achieved = next(g["id"] for g in plan["sub_goals"] if g["status"] == "achieved")
    late = {**body, "answers": [*answers[:-1], {"item_id": achieved, "value": 3}]}
    problem(api.post(path, late, citizen("p-mette")), 422)


def test_score_history_has_points_for_a_chart(api: PlanAPI) -> None:
    scores = ok(
        api.get("/v1/persons/p-jonas/scores", citizen("p-jonas"), query={"instrument_id": "who-5"})
    )
    points = [s["reported"] for s in scores["items"]]
    assert len(points) >= 3 and points == sorted(points)
    times = [s["answered_at"] for s in scores["items"]]
    assert times == sorted(times)


def test_experience_instrument_and_who5_source(api: PlanAPI) -> None:
    instruments = {i["id"]: i for i in ok(api.get("/v1/instruments"))["items"]}
    assert set(instruments) == {"who-5", "plan-goals", "experience", "experience-parent"}
    who = instruments["who-5"]
    assert who["source"]["name"] == "WHO-5 Trivselsindeks, Psykiatrisk Center Nordsjælland"
    assert "Psychiatric Research Unit" in who["source"]["attribution"]["en"]
    assert who["items"][0]["text"]["da"].endswith("glad og i godt humør")
    assert "not a diagnosis" in who["description"]["en"]
    assert len(instruments["experience"]["items"]) == 6
    assert [o["value"] for o in instruments["experience"]["scales"][0]["options"]] == [
        1,
        2,
        3,
        4,
        5,
    ]
    experience = instruments["experience"]
    # The 2025 citizen survey's own wording, period and scale, for comparison with it.
    assert experience["items"][0]["text"]["da"] == "Mit forløb med kommunen har været overskueligt"
    assert experience["instructions"]["da"].startswith("Tænk på de seneste 12 måneder.")
    labels = [o["label"]["da"] for o in experience["scales"][0]["options"]]
    assert labels[0] == "Meget uenig" and labels[-1] == "Meget enig"
    assert instruments["experience-parent"]["audience"] == "family_member"
    problem(api.get("/v1/instruments/who-6"), 404)


def test_questionnaire_states_tell_answered_from_not_yet_due(api: PlanAPI) -> None:
    def states(person: str) -> dict[str, tuple[str, str | None]]:
        due = ok(api.get(f"/v1/persons/{person}/questionnaires", citizen(person)))["items"]
        return {d["instrument_id"]: (d["status"], d["last_answered_at"]) for d in due}

    # Emma has answered nothing and her first round is ahead: upcoming, never "answered".
    assert {s for s, _ in states("p-emma").values()} == {"upcoming"}
    # Jonas answered his goals 10 days ago: answered, with the date.
    status, last = states("p-jonas")["plan-goals"]
    assert status == "answered" and last is not None and last.startswith("2026-11-13")
    assert states("p-jonas")["who-5"][0] == "due"
    # Karim withdrew his consent: the joint follow-up stopped, nothing is overdue.
    assert {s for s, _ in states("p-karim").values()} == {"stopped"}


def test_a_parent_answers_the_parents_questions_as_himself(api: PlanAPI) -> None:
    due = ok(api.get("/v1/persons/p-anders/questionnaires", citizen("p-anders")))["items"]
    assert [(d["instrument_id"], d["status"]) for d in due] == [("experience-parent", "due")]
    path = "/v1/persons/p-anders/questionnaires/experience-parent/responses"
    body = {
        "instrument_version": 1,
        "language": "da",
        "answers": [
            {"item_id": f"par-{k}", "value": 4}
            for k in ("overview", "contact", "involved", "together", "trust")
        ],
    }
    made = ok(api.post(path, body, citizen("p-anders")), 201)
    assert made["answered_by"]["id"] == "p-anders" and made["basis"] == "self"
    due = ok(api.get("/v1/persons/p-anders/questionnaires", citizen("p-anders")))["items"]
    assert due[0]["status"] == "answered"
    # Not for the child to be answered on her behalf, and not by the parent for the child.
    emma = "/v1/persons/p-emma/questionnaires/experience-parent/responses"
    problem(api.post(emma, body, guardian("p-anders")), 403)


def test_a_person_without_a_plan_cannot_answer(api: PlanAPI) -> None:
    problem(
        api.post("/v1/persons/p-freja/questionnaires/who-5/responses", who5(), citizen("p-freja")),
        409,
    )


# Appointments --------------------------------------------------------------------------


def test_mettes_next_appointment_is_within_a_few_days(api: PlanAPI) -> None:
    upcoming = ok(
        api.get("/v1/persons/p-mette/appointments", citizen("p-mette"), query={"when": "upcoming"})
    )["items"]
    first = upcoming[0]
    assert first["start"].startswith("2026-11-25T10:00:00+01:00")
    assert first["timezone"] == "Europe/Copenhagen"
    starts = [a["start"] for a in upcoming]
    assert starts == sorted(starts)
    past = ok(
        api.get("/v1/persons/p-mette/appointments", citizen("p-mette"), query={"when": "past"})
    )["items"]
    assert [a["start"] for a in past] == sorted((a["start"] for a in past), reverse=True)
    assert all(a["status"] == "held" for a in past)
    problem(
        api.get("/v1/persons/p-mette/appointments", citizen("p-mette"), query={"when": "soon"}), 400
    )


def test_change_request_with_preferred_times_notifies(api: PlanAPI) -> None:
    body = change_request(
        preferred_times=[window("2026-11-26T09:00:00+01:00", "2026-11-26T12:00:00+01:00")]
    )
    made = ok(api.post(MOVE, body, citizen("p-mette")), 201)
    assert made["status"] == "received" and made["created_by"]["id"] == "p-mette"
    appointment = ok(api.get("/v1/persons/p-mette/appointments/ap-mette-1", citizen("p-mette")))
    assert [r["id"] for r in appointment["change_requests"]] == [made["id"]]
    assert notifications(api)[0]["kind"] == "appointment_change_requested"


def test_change_request_validation(api: PlanAPI) -> None:
    backwards = window("2026-11-26T12:00:00+01:00", "2026-11-26T09:00:00+01:00")
    past = window("2026-11-01T09:00:00+01:00", "2026-11-01T10:00:00+01:00")
    naive = window("2026-11-26T09:00:00", "2026-11-26T10:00:00")
    for times in ([backwards], [past], [naive]):
        problem(api.post(MOVE, change_request(preferred_times=times), citizen("p-mette")), 422)
    problem(api.post(MOVE, change_request(reason="   "), citizen("p-mette")), 422)
    held = "/v1/persons/p-mette/appointments/ap-mette-3/change-requests"
    problem(api.post(held, change_request(), citizen("p-mette")), 409)
    others = "/v1/persons/p-mette/appointments/ap-jonas-3/change-requests"
    problem(api.post(others, change_request(), citizen("p-mette")), 404)
