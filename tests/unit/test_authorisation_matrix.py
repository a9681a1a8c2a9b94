"""Every route × every kind of visitor → allowed or refused, and a refusal shows no data.

The routes come from the app's URL map, so a new route is in the matrix the day it is
added. Public routes are exempt, but only those listed here: a new public route fails
the test until someone has looked at it. The server-side half (the plan API's own basis
checks) is tests/unit/planapi/test_basis_matrix.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from tests.unit import citizen_builders as b
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn

PUBLIC = {
    "static",
    "about.index",
    "about.accessibility",
    "about.privacy",
    "about.set_language",
    "health.healthz",
    "health.readyz",
    "auth.login",
    "auth.callback",
    "auth.caseworker_login",
    "auth.caseworker_callback",
    "auth.keep_alive",
    "auth.logout",
    "auth.logged_out",
    "appointments.feed_ics",  # the secret token in the URL is the access check
}

# Marks of person data the fake plan API hands out; none may be on a refusal page.
DATA_MARKS = (
    "Jeg vil have et job",
    "Opfølgning på planen",
    "Økonomisk støtte til efterskole",
    "Tak for i går, jeg sender lønsedlen",
    "Afgørelse om mentorstøtte",
)
LENE = {"id": "cw-lene", "name": "Lene Bach", "role": "coordinator", "role_title": "Koordinator"}


def conversations(pid: str) -> dict[str, Any]:
    message = {
        "id": "m-1",
        "author": {"kind": "citizen", "id": pid, "name": "X"},
        "body": DATA_MARKS[3],
        "sent_at": b.at(-1),
    }
    conversation = {
        "id": "conv-1",
        "person": b.person_ref(pid),
        "contact": LENE,
        "last_message_at": b.at(-1),
        "messages": [message],
    }
    return {"items": [conversation], "recipients": [LENE]}


def letter() -> dict[str, Any]:
    return {
        "id": "l-1",
        "kind": "letter",
        "title": DATA_MARKS[4],
        "department": "social",
        "sender": "Nordby Kommune",
        "sent_on": "2026-11-20",
    }


@dataclass(frozen=True)
class Visitor:
    name: str
    subject: tuple[str, str] | None  # whose data the session shows
    may: frozenset[str]  # the access levels this visitor passes
    also: frozenset[str] = frozenset()  # endpoints open to it beyond those levels

    def sign_in(self, sign_in: SignIn, client: FlaskClient) -> None:
        mette, emma, oliver = (
            ("p-mette", "Mette Lund Sørensen"),
            ("p-emma", "Emma Kjær Poulsen"),
            ("p-oliver", "Oliver Kjær Poulsen"),
        )
        anders = ("p-anders", "Anders Kjær Poulsen")
        anders_self = {"id": anders[0], "name": anders[1], "basis": "self", "age": 47, "scope": []}
        if self.name == "self":
            sign_in(*mette)
        elif self.name == "parent of child":
            emma_option = {
                "id": emma[0],
                "name": emma[1],
                "basis": "custody",
                "age": 15,
                "scope": [],
            }
            sign_in(
                *emma, basis="custody", actor=anders, age=15, options=[anders_self, emma_option]
            )
        elif self.name == "parent of adult child":
            # The plan API never lists an adult child as someone to act for; a session that
            # claims the custody anyway has no basis.
            sign_in(*oliver, basis="custody", actor=anders, age=19, options=[anders_self])
        elif self.name == "unrelated citizen":
            freja = {"id": "p-freja", "name": "Freja Dam", "basis": "self", "age": 29, "scope": []}
            sign_in(*mette, basis="self", actor=("p-freja", "Freja Dam"), options=[freja])
        elif self.name.startswith("power of attorney"):
            # Bent holds a power of attorney for Mette: for everything, or for her plan and
            # appointments only (as in the demo).
            scope = POA_EVERY_SCOPE if self.name.endswith("in scope") else POA_NARROW_SCOPE
            bent_self = {"id": "p-bent", "name": "Bent Nielsen", "basis": "self", "scope": []}
            for_mette = {
                "id": mette[0],
                "name": mette[1],
                "basis": "power_of_attorney",
                "age": 41,
                "scope": list(scope),
            }
            sign_in(
                *mette,
                basis="power_of_attorney",
                actor=("p-bent", "Bent Nielsen"),
                options=[bent_self, for_mette],
                scope=scope,
            )
        elif self.name == "caseworker with caseload":
            sign_in(*mette, caseworker=("cw-lene", "Lene Bach"))
        else:  # a caseworker who could not start a preview of anyone outside the caseload
            sign_in(*mette, caseworker=("cw-peter", "Peter Holm"))
            with client.session_transaction() as session:
                session["auth"]["acting"] = None


CITIZEN_READ = frozenset({"citizen_login", "citizen", "citizen_write"})
POA_EVERY_SCOPE = (
    "person:read",
    "plan:read",
    "cases:read",
    "appointments:read",
    "appointments:write",
    "contacts:read",
    "consents:read",
    "consents:write",
    "questionnaires:read",
    "questionnaires:write",
    "access-log:read",
    "messages:read",
    "messages:write",
    "documents:read",
    "documents:write",
    "letters:read",
)
POA_NARROW_SCOPE = ("plan:read", "appointments:read")
# What a power of attorney for the plan and the appointments opens, written out here (not
# taken from the guards' own table): every other person page is refused as outside it.
POA_NARROW_PAGES = frozenset(
    {
        "overview.index",
        "plan.index",
        "plan.fridge",
        "plan.fridge_pdf",
        "plan.pdf_download",
        "appointments.index",
        "appointments.ics",
    }
)
OUTSIDE_SCOPE = "Din fuldmagt dækker ikke dette"
VISITORS = [
    Visitor("self", ("p-mette", "Mette Lund Sørensen"), CITIZEN_READ),
    Visitor("parent of child", ("p-emma", "Emma Kjær Poulsen"), CITIZEN_READ),
    Visitor(
        "parent of adult child", ("p-oliver", "Oliver Kjær Poulsen"), frozenset({"citizen_login"})
    ),
    Visitor("power of attorney in scope", ("p-mette", "Mette Lund Sørensen"), CITIZEN_READ),
    Visitor(
        "power of attorney out of scope",
        ("p-mette", "Mette Lund Sørensen"),
        frozenset({"citizen_login"}),
        POA_NARROW_PAGES,
    ),
    Visitor("unrelated citizen", ("p-mette", "Mette Lund Sørensen"), frozenset({"citizen_login"})),
    Visitor(
        "caseworker with caseload",
        ("p-mette", "Mette Lund Sørensen"),
        frozenset({"citizen", "caseworker"}),
    ),
    Visitor(
        "caseworker without caseload", ("p-mette", "Mette Lund Sørensen"), frozenset({"caseworker"})
    ),
]
# Where the view itself refuses a visitor the access level lets in, and why.
VIEW_REFUSALS = {
    # Peter's caseload is empty: asking to preview Mette is refused (and logged).
    ("preview.start", "GET", "caseworker without caseload"),
    ("preview.start", "POST", "caseworker without caseload"),
    # Choosing someone the plan API does not list as a person to act for.
    ("auth.choose_person", "POST", "parent of adult child"),
    ("auth.choose_person", "POST", "unrelated citizen"),
    # The calendar feed is the citizen's own; a preview may not see its secret address,
    # nor may a parent make one for the child.
    ("appointments.feed", "GET", "caseworker with caseload"),
    ("appointments.feed", "GET", "parent of child"),
    ("appointments.feed_create", "POST", "parent of child"),
    ("appointments.feed_revoke", "POST", "parent of child"),
    # A parent answers questionnaires only for a child under 15; Emma is 15.
    ("progress.answer", "GET", "parent of child"),
    ("progress.review", "POST", "parent of child"),
    ("progress.send", "POST", "parent of child"),
    # A power of attorney, even for everything, reads and sends messages and documents for
    # the person but does not act in their name: no consent given, renewed or withdrawn, no
    # questionnaire answered, no calendar feed (the person's own), no notice settings changed.
    *(
        (endpoint, method, "power of attorney in scope")
        for endpoint, method in (
            ("appointments.feed", "GET"),
            ("appointments.feed_create", "POST"),
            ("appointments.feed_revoke", "POST"),
            ("consent.give", "GET"),
            ("consent.give_scope", "GET"),
            ("consent.give_scope", "POST"),
            ("consent.give_send", "POST"),
            ("consent.renew", "GET"),
            ("consent.renew_send", "POST"),
            ("consent.withdraw", "GET"),
            ("consent.withdraw_choose", "POST"),
            ("consent.withdraw_send", "POST"),
            ("notices.save", "POST"),
            ("progress.answer", "GET"),
            ("progress.review", "POST"),
            ("progress.send", "POST"),
        )
    ),
}
# Visitors with no basis for the person in their session: not even the name may show.
NO_BASIS = {"parent of adult child", "unrelated citizen", "caseworker without caseload"}


REPRESENTATIONS = {
    "p-bent": [
        {
            "person": b.person_ref("p-mette", "Mette Lund Sørensen"),
            "basis": "power_of_attorney",
            "age": 41,
            "scope": list(POA_NARROW_SCOPE),
        }
    ],
    "p-anders": [
        {
            "person": b.person_ref("p-emma", "Emma Kjær Poulsen"),
            "basis": "custody",
            "age": 15,
            "scope": [],
        }
    ],
}


def plan_api(request: httpx.Request) -> httpx.Response:
    """A plan API with data for every person-scoped read (the fallback of the fake)."""
    path = request.url.path
    person = re.match(r"/v1/persons/([^/]+)", path)
    pid = person.group(1) if person else "p-mette"
    answers: dict[str, Any] = {
        "plan": b.plan(person=b.person_ref(pid)),
        "cases": b.items(b.case()),
        "appointments": b.items(b.appointment()),
        "contacts": b.contact_list(b.contact()),
        "consents": b.items(),
        "questionnaires": b.items(),
        "scores": b.items(),
        "access-log": {"items": [], "page": 1, "page_size": 20, "total": 0},
        "conversations": conversations(pid),
        "letters": b.items(letter()),
        "caseload": {
            "caseworker": b.caseworker_ref(),
            "items": [{"person": b.person_ref(), "age": 41, "has_plan": True}]
            if "cw-lene" in path
            else [],
        },
    }
    tail = path.rstrip("/").rsplit("/", 1)[-1]
    if request.method == "GET" and tail in answers:
        return httpx.Response(200, json=answers[tail])
    if request.method == "GET" and tail == "representations":
        return httpx.Response(200, json=b.items(*REPRESENTATIONS.get(pid, [])))
    if request.method == "POST" and tail == "access-log":
        if request.headers.get("X-Actor-Id") == "cw-peter":  # nobody in his caseload
            forbidden = {"type": "https://x/forbidden", "title": "Forbidden", "status": 403}
            return httpx.Response(403, json=forbidden)
        entry = {
            "id": "log-1",
            "at": b.at(0),
            "actor": {"id": request.headers["X-Actor-Id"], "name": "X", "kind": "citizen"},
            "action": "export",
            "resource": "export",
        }
        return httpx.Response(201, json=entry)
    problem = {"type": "https://x/not-found", "title": "Not found", "status": 404}
    return httpx.Response(404, json=problem)


def url_for_rule(app: Flask, rule: Rule, subject: str) -> str:
    values = {}
    for arg in rule.arguments:
        values[arg] = subject if arg == "person_id" else "x-1"
    with app.test_request_context():
        return str(rule.build(values, append_unknown=False)[1])  # type: ignore[index]


def cases(app: Flask) -> Iterator[tuple[str, Rule, str]]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, rule, method


def test_public_routes_are_exactly_the_listed_exemptions(app: Flask) -> None:
    public = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if getattr(app.view_functions[r.endpoint], "_access", "public") == "public"
    }
    assert public == PUBLIC


@pytest.mark.parametrize("visitor", VISITORS, ids=lambda v: v.name)
def test_every_route_for_every_visitor(
    visitor: Visitor,
    app: Flask,
    client: FlaskClient,
    sign_in: SignIn,
    pages: PageChecker,
    fake_planapi: FakePlanAPI,
) -> None:
    fake_planapi.fallback = plan_api
    visitor.sign_in(sign_in, client)
    token = pages.csrf_token("/")
    subject_id, subject_name = visitor.subject or ("p-mette", "Mette Lund Sørensen")
    wrong: list[str] = []
    shown: set[str] = set()  # marks seen on allowed pages: the leak check looks for real text
    for endpoint, rule, method in cases(app):
        level = app.view_functions[endpoint]._access  # type: ignore[attr-defined]
        url = url_for_rule(app, rule, subject_id)
        allowed = (level in visitor.may or endpoint in visitor.also) and (
            endpoint,
            method,
            visitor.name,
        ) not in VIEW_REFUSALS
        before = len(fake_planapi.requests)
        data = {"csrf_token": token, "person_id": subject_id} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        body = response.get_data().decode("utf-8", "replace")  # PDFs too
        status = response.status_code
        label = f"{method} {url} ({endpoint}, {level}) → {status}"
        if status >= 500:
            wrong.append(f"{label}: server error")
            continue
        refused = status == 403 or (status == 302 and "/log-ind" in (response.location or ""))
        if allowed and refused:
            wrong.append(f"{label}: refused, expected allowed")
        if allowed:
            shown.update(m for m in DATA_MARKS if m in body)
        if not allowed:
            if not refused:
                wrong.append(f"{label}: allowed, expected refused")
            marks = (*DATA_MARKS, subject_name) if visitor.name in NO_BASIS else DATA_MARKS
            leaked = [m for m in marks if m in body]
            if leaked:
                wrong.append(f"{label}: refusal shows {leaked}")
            reason = OUTSIDE_SCOPE if visitor.also and level.startswith("citizen") else ""
            if status == 403 and reason not in body:
                wrong.append(f"{label}: refusal does not say {reason!r}")
            reads = [
                str(r.url)
                for r in fake_planapi.requests[before:]
                if r.method == "GET" and r.url.path.startswith(f"/v1/persons/{subject_id}/")
            ]
            if reads:
                wrong.append(f"{label}: refusal read person data {reads}")
        # The session stays as it was (no logout, no preview ended, no other person chosen).
        if endpoint in ("preview.end", "auth.choose_person") and status in (302, 303):
            visitor.sign_in(sign_in, client)
    assert not wrong, "\n".join(wrong)
    if visitor.name == "self":
        assert shown == set(DATA_MARKS)


def test_plan_api_refusal_mid_session_shows_no_data(
    app: Flask, client: FlaskClient, sign_in: SignIn, fake_planapi: FakePlanAPI
) -> None:
    """Custody ended at 18 after login (the option in the session is stale): the plan API
    refuses, and the portal answers 403 without the child's name or data."""
    oliver = {
        "id": "p-oliver",
        "name": "Oliver Kjær Poulsen",
        "basis": "custody",
        "age": 18,
        "scope": [],
    }
    sign_in(
        "p-oliver",
        "Oliver Kjær Poulsen",
        basis="custody",
        actor=("p-anders", "Anders Kjær Poulsen"),
        age=18,
        options=[oliver],
    )
    forbidden = {"type": "https://x/forbidden", "title": "Forbidden", "status": 403}
    fake_planapi.fallback = lambda request: httpx.Response(403, json=forbidden)
    for url in ("/overblik", "/min-plan", "/aftaler", "/kontakt", "/hvem-har-set-mine-oplysninger"):
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code == 403, url
        assert "Oliver" not in body, url
