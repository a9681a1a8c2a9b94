"""Builders of plan-API JSON for the citizen's pages (overview, plan, appointments, contact).

Each returns a dict shaped like the contract (planapi/openapi.yaml); pass keyword
arguments to change a field. Dates are relative to `TODAY` unless given.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Copenhagen")
TODAY = datetime.now(TZ).date()


def person_ref(id: str = "p-mette", name: str = "Mette Lund Sørensen") -> dict[str, Any]:
    return {"id": id, "name": name}


def caseworker_ref(**kw: Any) -> dict[str, Any]:
    return {
        "id": "cw-lene",
        "name": "Lene Bach",
        "title": "Koordinerende sagsbehandler",
        "phone": "+45 70 10 20 31",
        "email": "lene.bach@nordby.example",
    } | kw


def sub_goal(**kw: Any) -> dict[str, Any]:
    return {
        "id": "sg-1",
        "title": "Få styr på økonomien",
        "description": None,
        "status": "in_progress",
        "target_date": (TODAY + timedelta(days=60)).isoformat(),
        "department": "social",
        "intervention_ids": [],
    } | kw


def intervention(**kw: Any) -> dict[str, Any]:
    return {
        "id": "i-1",
        "title": "Bostøtte",
        "description": None,
        "department": "social",
        "legal_basis": "servicelovens § 85",
        "provider": "Bostøtteteamet, Nordby Kommune",
        "start_date": (TODAY - timedelta(days=100)).isoformat(),
        "end_date": None,
        "status": "active",
        "sector_plan_id": None,
    } | kw


def agreement(**kw: Any) -> dict[str, Any]:
    return {
        "id": "a-1",
        "what": "Mette søger om ressourceforløb",
        "responsible": "Lene Bach",
        "agreed_on": (TODAY - timedelta(days=10)).isoformat(),
        "due_on": (TODAY + timedelta(days=20)).isoformat(),
        "status": "open",
    } | kw


def sector_plan(**kw: Any) -> dict[str, Any]:
    return {
        "id": "sp-1",
        "title": "Min Plan",
        "law_area": "Lov om en aktiv beskæftigelsesindsats",
        "legal_basis": "LAB § 27",
        "department": "employment",
        "goals": ["Afklaring af arbejdsevne"],
        "responsible": "Jobcenter Demo",
        "updated_on": (TODAY - timedelta(days=5)).isoformat(),
        "external_url": "https://jobcenter.nordby.example/min-plan",
    } | kw


def plan(**kw: Any) -> dict[str, Any]:
    return {
        "id": "plan-mette",
        "person": person_ref(),
        "overall_goal": "Jeg vil have et job, hvor jeg kan bruge mine hænder.",
        "members": [
            {"person": person_ref(), "role": "citizen", "legal_basis": "servicelovens § 85"}
        ],
        "departments": ["employment", "social"],
        "sub_goals": [sub_goal()],
        "interventions": [
            intervention(),
            intervention(
                id="i-2",
                title="Ressourceforløb",
                department="employment",
                legal_basis="LAB § 68 b",
                provider="Jobcenter Demo",
            ),
        ],
        "sector_plans": [sector_plan()],
        "benefits": [
            {
                "name": "Ressourceforløbsydelse",
                "department": "employment",
                "legal_basis": "LAS § 69 j",
            }
        ],
        "agreements": [agreement()],
        "next_follow_up": (TODAY + timedelta(days=30)).isoformat(),
        "coordinator": caseworker_ref(),
        "questionnaire_cadence_weeks": 4,
        "version": 3,
        "updated_at": datetime.combine(TODAY - timedelta(days=3), datetime.min.time(), TZ)
        .replace(hour=14)
        .isoformat(),
        "updated_by": "Lene Bach",
    } | kw


def case(**kw: Any) -> dict[str, Any]:
    return {
        "id": "case-efterskole",
        "person": person_ref("p-emma", "Emma Kjær Poulsen"),
        "title": "Økonomisk støtte til efterskole",
        "department": "children_family",
        "legal_basis": "Barnets Lov § 35, stk. 4",
        "status": "in_progress",
        "received_on": (TODAY - timedelta(days=14)).isoformat(),
        "decision_due": (TODAY + timedelta(days=30)).isoformat(),
        "caseworker": caseworker_ref(),
        "steps": [
            step(1, "Ansøgning modtaget", "done", completed_on=TODAY - timedelta(days=14)),
            step(2, "Vi beder skolen og PPR om en udtalelse", "current"),
            step(3, "Møde", "pending"),
            step(4, "Afgørelse", "pending"),
        ],
        "missing_documents": [
            missing_document(),
            missing_document(id="md-2", title="Udtalelse fra PPR", provided_by="PPR"),
        ],
    } | kw


def step(
    position: int, title: str, status: str, completed_on: date | None = None
) -> dict[str, Any]:
    return {
        "id": f"st-{position}",
        "position": position,
        "key": None,
        "title": title,
        "status": status,
        "completed_on": completed_on.isoformat() if completed_on else None,
    }


def missing_document(**kw: Any) -> dict[str, Any]:
    return {
        "id": "md-1",
        "title": "Udtalelse fra skolen",
        "provided_by": "Demo Skole",
        "requested_on": (TODAY - timedelta(days=10)).isoformat(),
        "due_on": (TODAY + timedelta(days=7)).isoformat(),
        "status": "missing",
        "received_on": None,
    } | kw


def at(days: int, hour: int = 10, minute: int = 0) -> str:
    day = TODAY + timedelta(days=days)
    return (
        datetime.combine(day, datetime.min.time(), TZ).replace(hour=hour, minute=minute).isoformat()
    )


def appointment(**kw: Any) -> dict[str, Any]:
    return {
        "id": "ap-1",
        "person": person_ref(),
        "title": "Opfølgning på planen",
        "purpose": "Vi taler om, hvordan det går med bostøtten.",
        "start": at(2, 10),
        "end": at(2, 11),
        "timezone": "Europe/Copenhagen",
        "location": {
            "kind": "in_person",
            "address": "Rådhuspladsen 1, 8500 Demo",
            "room": "Mødelokale 2",
            "video_url": None,
        },
        "participants": [{"name": "Lene Bach", "role": "Koordinerende sagsbehandler"}],
        "organiser": "Lene Bach",
        "status": "planned",
        "previous_start": None,
        "change_requests": [],
    } | kw


def contact(**kw: Any) -> dict[str, Any]:
    return {
        "id": "c-lene",
        "role": "coordinating_caseworker",
        "role_title": "Koordinerende sagsbehandler",
        "name": "Lene Bach",
        "organisation": "Nordby Kommune",
        "phone": "+45 70 10 20 31",
        "email": "lene.bach@nordby.example",
        "hours": "Mandag–torsdag 9–15",
        "helps_with": "Alt om din samlede plan",
        "is_primary": True,
    } | kw


def items(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"items": list(entries)}


def contact_list(*entries: dict[str, Any]) -> dict[str, Any]:
    primary = next((e["id"] for e in entries if e.get("is_primary")), None)
    return {"items": list(entries), "primary_contact_id": primary}
