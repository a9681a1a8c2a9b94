"""The demo personas, once, as plain data. All fictitious.

The CPR numbers are made up and fail the modulus-11 check, so they cannot belong to a real
person. The MitID simulator imports `CITIZENS` for its test identities and the workforce
simulator imports `CASEWORKERS`; the plan API's demo loader builds its records from both.
"""

from __future__ import annotations

from typing import Final, TypedDict


class Citizen(TypedDict):
    id: str
    name: str
    given_name: str
    family_name: str
    cpr: str  # ten digits, no hyphen
    birth_date: str  # ISO 8601
    kind: str  # always "citizen"
    summary: str


class Caseworker(TypedDict):
    id: str
    name: str
    given_name: str
    family_name: str
    workforce_id: str
    kind: str  # always "caseworker"
    title: str
    summary: str


CITIZENS: Final[tuple[Citizen, ...]] = (
    {
        "id": "p-jonas",
        "name": "Jonas Holm Nielsen",
        "given_name": "Jonas",
        "family_name": "Holm Nielsen",
        "cpr": "1403029990",
        "birth_date": "2002-03-14",
        "kind": "citizen",
        "summary": "24, youth unit, bostøtte (SEL § 85), uddannelsespålæg, job consultant",
    },
    {
        "id": "p-mette",
        "name": "Mette Lund Sørensen",
        "given_name": "Mette",
        "family_name": "Lund Sørensen",
        "cpr": "0906852990",
        "birth_date": "1985-06-09",
        "kind": "citizen",
        "summary": "41, ressourceforløb, § 85 bostøtte, consent expiring within 30 days",
    },
    {
        "id": "p-anders",
        "name": "Anders Kjær Poulsen",
        "given_name": "Anders",
        "family_name": "Kjær Poulsen",
        "cpr": "1203792990",
        "birth_date": "1979-03-12",
        "kind": "citizen",
        "summary": "parent: custody of Emma (15); father of Oliver (19, no custody)",
    },
    {
        "id": "p-emma",
        "name": "Emma Kjær Poulsen",
        "given_name": "Emma",
        "family_name": "Kjær Poulsen",
        "cpr": "0204119990",
        "birth_date": "2011-04-02",
        "kind": "citizen",
        "summary": (
            "15, efterskole support application (Barnets Lov § 35, stk. 4), statements missing"
        ),
    },
    {
        "id": "p-oliver",
        "name": "Oliver Kjær Poulsen",
        "given_name": "Oliver",
        "family_name": "Kjær Poulsen",
        "cpr": "1507079990",
        "birth_date": "2007-07-15",
        "kind": "citizen",
        "summary": "19, adult child of Anders (the parent has no basis)",
    },
    {
        "id": "p-freja",
        "name": "Freja Dam",
        "given_name": "Freja",
        "family_name": "Dam",
        "cpr": "2811962990",
        "birth_date": "1996-11-28",
        "kind": "citizen",
        "summary": "no HOI plan (empty state)",
    },
    {
        "id": "p-karim",
        "name": "Karim Hassan",
        "given_name": "Karim",
        "family_name": "Hassan",
        "cpr": "0305902990",
        "birth_date": "1990-05-03",
        "kind": "citizen",
        "summary": "withdrew consent",
    },
    {
        "id": "p-bent",
        "name": "Bent Nielsen",
        "given_name": "Bent",
        "family_name": "Nielsen",
        "cpr": "1708522990",
        "birth_date": "1952-08-17",
        "kind": "citizen",
        "summary": "power of attorney for Mette: plan and appointments (read)",
    },
)

CASEWORKERS: Final[tuple[Caseworker, ...]] = (
    {
        "id": "cw-lene",
        "name": "Lene Bach",
        "given_name": "Lene",
        "family_name": "Bach",
        "workforce_id": "lene.bach",
        "kind": "caseworker",
        "title": "Koordinerende sagsbehandler",
        "summary": "caseload: Jonas, Mette, Emma, Karim",
    },
    {
        "id": "cw-peter",
        "name": "Peter Holm",
        "given_name": "Peter",
        "family_name": "Holm",
        "workforce_id": "peter.holm",
        "kind": "caseworker",
        "title": "Sagsbehandler",
        "summary": "empty caseload (for refusal tests)",
    },
)

# Who is in whose caseload (caseworker id -> person ids).
CASELOADS: Final[dict[str, tuple[str, ...]]] = {
    "cw-lene": ("p-jonas", "p-mette", "p-emma", "p-karim"),
    "cw-peter": (),
}


def citizen_by_cpr(cpr: str) -> Citizen | None:
    digits = cpr.replace("-", "")
    return next((c for c in CITIZENS if c["cpr"] == digits), None)
