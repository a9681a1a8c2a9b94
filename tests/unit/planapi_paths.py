"""Every plan-API path the unit tests route on the fake, written once.

    fake_planapi.on("GET", paths.consents("p-mette"), json=...)
    fake_planapi.on("POST", paths.change_requests("p-mette", "ap-1"), status=201, json=...)

A new resource gets its path here (the same names as `portal/clients`), not in a test.
"""

from __future__ import annotations


def person(person_id: str) -> str:
    return f"/v1/persons/{person_id}"


def plan(person_id: str) -> str:
    return f"{person(person_id)}/plan"


def overview(person_id: str) -> str:
    """The composite read: `?include=plan,appointments,...`."""
    return f"{person(person_id)}/overview"


def involvements(person_id: str) -> str:
    """The person's own part in others' plans (basis self; also a part of the overview)."""
    return f"{person(person_id)}/involvements"


def cases(person_id: str) -> str:
    return f"{person(person_id)}/cases"


def contacts(person_id: str) -> str:
    return f"{person(person_id)}/contacts"


def appointments(person_id: str) -> str:
    return f"{person(person_id)}/appointments"


def appointment(person_id: str, appointment_id: str) -> str:
    return f"{appointments(person_id)}/{appointment_id}"


def change_requests(person_id: str, appointment_id: str) -> str:
    return f"{appointment(person_id, appointment_id)}/change-requests"


def consents(person_id: str) -> str:
    return f"{person(person_id)}/consents"


def consent(person_id: str, consent_id: str) -> str:
    return f"{consents(person_id)}/{consent_id}"


def withdrawals(person_id: str, consent_id: str) -> str:
    return f"{consent(person_id, consent_id)}/withdrawals"


def renewals(person_id: str, consent_id: str) -> str:
    return f"{consent(person_id, consent_id)}/renewals"


def consent_text(version: str = "current") -> str:
    return f"/v1/consent-texts/{version}"


def questionnaires(person_id: str) -> str:
    return f"{person(person_id)}/questionnaires"


def questionnaire(person_id: str, instrument_id: str) -> str:
    return f"{questionnaires(person_id)}/{instrument_id}"


def responses(person_id: str, instrument_id: str) -> str:
    return f"{questionnaire(person_id, instrument_id)}/responses"


def scores(person_id: str) -> str:
    return f"{person(person_id)}/scores"


def access_log(person_id: str) -> str:
    return f"{person(person_id)}/access-log"


def caseload(caseworker_id: str) -> str:
    return f"/v1/caseworkers/{caseworker_id}/caseload"
