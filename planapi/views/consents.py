"""Consent: texts, grant, withdraw (whole or per department), renew, history, expiry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import Blueprint, g, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from planapi import clock, events, rows, serialize
from planapi.access import ID_RE, Caller, actor_name, authorize, log_access
from planapi.extensions import db
from planapi.idempotency import key_from_headers, run_once
from planapi.inputs import ConsentGrantIn, ConsentRenewIn, ConsentWithdrawIn, parse
from planapi.models import Consent, ConsentEvent, ConsentScope, ConsentText, Person, new_id
from planapi.notify import notify_caseworkers
from planapi.problems import Problem, invalid
from planapi.rows import Joined

bp = Blueprint("consents", __name__, url_prefix="/v1")

LEGAL_BASIS = (
    "Samtykke efter databeskyttelsesforordningens art. 6, stk. 1, litra a, og art. 9, stk. 2, "
    "litra a, samt forvaltningslovens § 28, stk. 2, nr. 1"
)
DEPARTMENT_DA = {
    "employment": "beskæftigelse",
    "social": "socialområdet",
    "children_family": "børn og familie",
    "youth_education": "ungeindsats/uddannelse",
    "health": "sundhed",
    "school": "skole",
    "elderly": "ældre",
    "daycare": "dagtilbud",
}


def current_text() -> ConsentText:
    text = db.session.scalar(
        select(ConsentText).order_by(ConsentText.published_on.desc(), ConsentText.version.desc())
    )
    if text is None:
        raise Problem(404, "No consent text is published.", kind="not-found")
    return text


def expire_due(moment: datetime | None = None) -> int:
    """Record expiry of consents whose time ran out and tell the caseworkers, once each."""
    moment = moment or clock.now()
    return record_expiry(
        db.session.scalars(
            select(Consent).where(Consent.withdrawn_at.is_(None), Consent.expires_at <= moment)
        ).all(),
        moment,
    )


def _expiry_unrecorded(consent: Consent | Joined, moment: datetime) -> bool:
    """Whether the consent's time ran out and no expiry is recorded for it yet."""
    if consent.withdrawn_at is not None or consent.expires_at > moment:
        return False
    return not any(e.kind == "expired" and e.at == consent.expires_at for e in consent.events)


def record_expiry(consents: Sequence[Consent], moment: datetime) -> int:
    """Of these consents, record the expiry of those whose time ran out (a read of one
    person's consents checks only theirs, with no query of its own)."""
    count = 0
    for consent in consents:
        if not _expiry_unrecorded(consent, moment):
            continue
        departments = [s.department for s in consent.scopes if s.withdrawn_at is None]
        _feed(consent, "expired", departments, consent.expires_at)
        consent.events.append(
            ConsentEvent(
                id=new_id("ce"),
                kind="expired",
                at=consent.expires_at,
                actor_id="system",
                actor_name="System",
                actor_kind="system",
                departments=departments,
                text_version=consent.text_version,
            )
        )
        notify_caseworkers(
            consent.person_id,
            "consent_expired",
            f"Samtykket fra {consent.person.name} er udløbet "
            f"{clock.local(consent.expires_at).strftime('%d.%m.%Y')}.",
            consent_id=consent.id,
        )
        count += 1
    if count:
        db.session.commit()
    return count


FEED_TYPE = {
    "granted": "consent.granted",
    "renewed": "consent.renewed",
    "withdrawn": "consent.withdrawn",
    "department_withdrawn": "consent.withdrawn",
    "expired": "consent.expired",
}


def _feed(consent: Consent, kind: str, departments: Sequence[str], at: datetime) -> None:
    events.record(
        FEED_TYPE[kind],
        consent.person_id,
        f"consents/{consent.id}",
        {
            "expires_at": consent.expires_at,
            "departments": list(departments),
            "whole": kind != "department_withdrawn",
        },
        at=at,
    )


def _event(consent: Consent, caller: Caller, kind: str, departments: Sequence[str]) -> None:
    _feed(consent, kind, departments, clock.now())
    consent.events.append(
        ConsentEvent(
            id=new_id("ce"),
            kind=kind,
            at=clock.now(),
            actor_id=caller.actor_id,
            actor_name=actor_name(caller),
            actor_kind=caller.actor_kind,
            departments=departments,
            text_version=consent.text_version,
        )
    )


@bp.get("/consent-texts/current")
def get_current_text() -> ResponseReturnValue:
    return jsonify(serialize.consent_text(current_text()))


@bp.get("/consent-texts/<string:version>")
def get_text(version: str) -> ResponseReturnValue:
    text = db.session.get(ConsentText, version) if len(version) <= 32 else None
    if text is None:
        raise Problem(404, f"No consent text with version {version!r}.", kind="not-found")
    return jsonify(serialize.consent_text(text))


def _consent(person: Person, consent_id: str) -> Consent:
    found = db.session.get(Consent, consent_id) if ID_RE.fullmatch(consent_id) else None
    if found is None or found.person_id != person.id:
        raise Problem(404, "No such consent for this person.", kind="not-found")
    return found


@bp.get("/persons/<id:person_id>/consents")
def list_consents(person_id: str) -> ResponseReturnValue:
    _, person = authorize(person_id, "consents:read", resource="consents")
    return jsonify({"items": consents_of(person)})


def consent_rows(person: Person) -> Sequence[Joined]:
    """The person's consents with their scopes and events, newest first, read once per
    request (a composite read works out what they share from them before it shows them).
    A consent whose time ran out has its expiry recorded first (through the models), so
    that what is read says so."""
    cache: dict[str, Sequence[Joined]] = g.setdefault("consent_rows", {})
    if person.id not in cache:
        found = rows.consents(person.id)
        moment = clock.now()
        if any(_expiry_unrecorded(c, moment) for c in found):
            record_expiry(
                db.session.scalars(select(Consent).where(Consent.person_id == person.id)).all(),
                moment,
            )
            found = rows.consents(person.id)
        cache[person.id] = found
    return cache[person.id]


def consents_of(person: Person) -> list[dict[str, Any]]:
    """The person's consents, newest first, expiry recorded first."""
    return [serialize.consent(c) for c in consent_rows(person)]


@bp.get("/persons/<id:person_id>/consents/<id:consent_id>")
def get_consent(person_id: str, consent_id: str) -> ResponseReturnValue:
    _, person = authorize(person_id, "consents:read", resource=f"consents/{consent_id}"[:200])
    found = _consent(person, consent_id)
    record_expiry([found], clock.now())
    return jsonify(serialize.consent(found))


def _writer(person_id: str) -> tuple[Caller, Person]:
    caller, person = authorize(person_id, "consents:write", resource="consents")
    if caller.basis not in ("self", "custody"):
        log_access(person.id, caller, action="change", resource="consents", outcome="refused")
        db.session.commit()
        raise Problem(
            403, "Consent is given or withdrawn by the person or a guardian.", kind="forbidden"
        )
    return caller, person


@bp.post("/persons/<id:person_id>/consents")
def grant(person_id: str) -> ResponseReturnValue:
    caller, person = _writer(person_id)
    key = key_from_headers()
    body = parse(ConsentGrantIn)
    text = db.session.get(ConsentText, body.text_version)
    if text is None:
        raise invalid([{"field": "text_version", "message": "no consent text with this version"}])
    departments = [s.department for s in body.scopes]
    if len(set(departments)) != len(departments):
        raise invalid([{"field": "scopes", "message": "each department may appear once"}])

    def work() -> tuple[dict[str, Any], int]:
        moment = clock.now()
        consent = Consent(
            id=new_id("c"),
            person_id=person.id,
            purpose=body.purpose.strip(),
            legal_basis=LEGAL_BASIS,
            text_version=text.version,
            granted_by_id=caller.actor_id,
            granted_by_name=actor_name(caller),
            granted_by_kind="self" if caller.basis == "self" else "guardian",
            granted_at=moment,
            expires_at=clock.add_months(moment, body.valid_months),
            withdrawn_at=None,
        )
        consent.person = person
        consent.text = text
        consent.scopes = [
            ConsentScope(
                id=new_id("cs"),
                position=n,
                department=s.department,
                information=s.information.strip(),
                withdrawn_at=None,
            )
            for n, s in enumerate(body.scopes, start=1)
        ]
        db.session.add(consent)
        _event(consent, caller, "granted", departments)
        log_access(person.id, caller, action="change", resource=f"consents/{consent.id}")
        db.session.flush()
        return serialize.consent(consent), 201

    return run_once(key, work)


@bp.post("/persons/<id:person_id>/consents/<id:consent_id>/withdrawals")
def withdraw(person_id: str, consent_id: str) -> ResponseReturnValue:
    caller, person = _writer(person_id)
    consent = _consent(person, consent_id)
    key = key_from_headers()
    body = parse(ConsentWithdrawIn)
    held = {s.department for s in consent.scopes}
    unknown = [d for d in body.departments if d not in held]
    if unknown:
        raise invalid(
            [{"field": "departments", "message": f"not part of this consent: {', '.join(unknown)}"}]
        )
    if len(set(body.departments)) != len(body.departments):
        raise invalid([{"field": "departments", "message": "each department may appear once"}])

    def work() -> tuple[dict[str, Any], int]:
        moment = clock.now()
        status = serialize.consent_status(consent, moment)
        if status != "active":
            raise Problem(409, f"The consent is already {status}.", kind="conflict")
        active = [s for s in consent.scopes if s.withdrawn_at is None]
        chosen = [s for s in active if not body.departments or s.department in body.departments]
        if not chosen:
            raise Problem(409, "Those departments are already withdrawn.", kind="conflict")
        for scope in chosen:
            scope.withdrawn_at = moment
        names = [s.department for s in chosen]
        whole = len(chosen) == len(active)
        if whole:
            consent.withdrawn_at = moment
        _event(consent, caller, "withdrawn" if whole else "department_withdrawn", names)
        listed = ", ".join(DEPARTMENT_DA[d] for d in names)
        notify_caseworkers(
            person.id,
            "consent_withdrawn" if whole else "consent_department_withdrawn",
            (
                f"{person.name} har trukket sit samtykke tilbage."
                if whole
                else f"{person.name} har trukket samtykket tilbage for: {listed}."
            ),
            consent_id=consent.id,
        )
        log_access(person.id, caller, action="change", resource=f"consents/{consent.id}")
        db.session.flush()
        return serialize.consent(consent), 201

    return run_once(key, work)


@bp.post("/persons/<id:person_id>/consents/<id:consent_id>/renewals")
def renew(person_id: str, consent_id: str) -> ResponseReturnValue:
    caller, person = _writer(person_id)
    consent = _consent(person, consent_id)
    key = key_from_headers()
    body = parse(ConsentRenewIn)
    text = (
        current_text()
        if body.text_version is None
        else db.session.get(ConsentText, body.text_version)
    )
    if text is None:
        raise invalid([{"field": "text_version", "message": "no consent text with this version"}])

    def work() -> tuple[dict[str, Any], int]:
        if consent.withdrawn_at is not None:
            raise Problem(
                409, "A withdrawn consent cannot be renewed; grant a new one.", kind="conflict"
            )
        moment = clock.now()
        consent.text_version = text.version
        consent.text = text
        consent.expires_at = clock.add_months(moment, body.valid_months)
        _event(
            consent,
            caller,
            "renewed",
            [s.department for s in consent.scopes if s.withdrawn_at is None],
        )
        log_access(person.id, caller, action="change", resource=f"consents/{consent.id}")
        db.session.flush()
        return serialize.consent(consent), 201

    return run_once(key, work)
