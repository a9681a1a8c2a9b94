"""Models to the JSON shapes of openapi.yaml (the contract tests hold these two together)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Row

from planapi import clock
from planapi.inputs import DEPARTMENTS
from planapi.instruments import INSTRUMENTS
from planapi.models import (
    AccessLogEntry,
    Agreement,
    Appointment,
    Case,
    Caseworker,
    ChangeRequest,
    Consent,
    ConsentText,
    Contact,
    Conversation,
    Document,
    Letter,
    Message,
    Notification,
    Person,
    QuestionnaireResponse,
    Relation,
)
from planapi.plan_rows import CaseworkerRead, PersonRef, PlanHead, PlanRead
from planapi.rows import ConsentTextRead, Joined
from planapi.sharing import Sharing
from planapi.sharing import as_json as sharing_json

iso = clock.iso
day = clock.iso_date


def person_ref(person: Person | PersonRef) -> dict[str, Any]:
    return {"id": person.id, "name": person.name}


def person(p: Person, *, has_plan: bool) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "given_name": p.given_name,
        "family_name": p.family_name,
        "birth_date": day(p.birth_date),
        "age": clock.age_on(p.birth_date, clock.today()),
        "kind": "citizen",
        "has_plan": has_plan,
    }


def relation(r: Relation, *, active: bool, scope: list[str]) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "holder": person_ref(r.holder),
        "subject": person_ref(r.subject),
        "scope": scope,
        "valid_from": day(r.valid_from),
        "valid_until": day(r.valid_until),
        "active": active,
    }


def caseworker_ref(c: Caseworker | CaseworkerRead) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "title": c.title, "phone": c.phone, "email": c.email}


def caseworker(c: Caseworker) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "workforce_id": c.workforce_id,
        "title": c.title,
        "department": c.department,
        "organisation": c.organisation,
        "phone": c.phone,
        "email": c.email,
    }


def notification(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind,
        "person": person_ref(n.person),
        "consent_id": n.consent_id,
        "appointment_id": n.appointment_id,
        "message": n.message,
        "created_at": iso(n.created_at),
        "read_at": iso(n.read_at),
    }


def agreement(a: Agreement) -> dict[str, Any]:
    return {
        "id": a.id,
        "what": a.what,
        "responsible": a.responsible,
        "responsible_person_id": a.responsible_person_id,
        "agreed_on": day(a.agreed_on),
        "due_on": day(a.due_on),
        "status": a.status,
    }


def goal(p: PlanHead) -> dict[str, Any]:
    """The plan's overall goal (the overview's part of the plan)."""
    return {"plan_id": p.id, "overall_goal": p.overall_goal}


def plan(p: PlanRead, share: Sharing | None = None) -> dict[str, Any]:
    """The plan; with `share`, each department's part says whether it is still shared."""
    share = share or Sharing("none", (), (), None)
    used = {i.department for i in p.interventions} | {s.department for s in p.sector_plans}
    used |= {b.department for b in p.benefits}
    return {
        "id": p.id,
        "person": person_ref(p.person),
        "overall_goal": p.overall_goal,
        "members": [
            {"person": person_ref(m.person), "role": m.role, "legal_basis": m.legal_basis}
            for m in p.members
        ],
        "departments": [d for d in DEPARTMENTS if d in used],
        "sub_goals": [
            {
                "id": g.id,
                "title": g.title,
                "description": g.description,
                "status": g.status,
                "target_date": day(g.target_date),
                "department": g.department,
                "intervention_ids": list(g.intervention_ids),
                "shared": share.shares(g.department),
            }
            for g in p.sub_goals
        ],
        "interventions": [
            {
                "id": i.id,
                "title": i.title,
                "description": i.description,
                "department": i.department,
                "legal_basis": i.legal_basis,
                "provider": i.provider,
                "start_date": day(i.start_date),
                "end_date": day(i.end_date),
                "status": i.status,
                "sector_plan_id": i.sector_plan_id,
                "member_ids": list(i.member_ids or []),
                "shared": share.shares(i.department),
            }
            for i in p.interventions
        ],
        "sector_plans": [
            {
                "id": s.id,
                "title": s.title,
                "law_area": s.law_area,
                "legal_basis": s.legal_basis,
                "department": s.department,
                "goals": list(s.goals),
                "responsible": s.responsible,
                "updated_on": day(s.updated_on),
                "external_url": s.external_url,
                "shared": share.shares(s.department),
            }
            for s in p.sector_plans
        ],
        "benefits": [
            {"name": b.name, "department": b.department, "legal_basis": b.legal_basis}
            for b in p.benefits
        ],
        "agreements": [agreement(a) for a in p.agreements],
        "next_follow_up": day(p.next_follow_up),
        "coordinator": caseworker_ref(p.coordinator),
        "questionnaire_cadence_weeks": p.cadence_weeks,
        "version": p.version,
        "updated_at": iso(p.updated_at),
        "updated_by": p.updated_by,
        "sharing": sharing_json(share),
    }


def case(c: Case | Joined) -> dict[str, Any]:
    return {
        "id": c.id,
        "person": person_ref(c.person),
        "title": c.title,
        "department": c.department,
        "legal_basis": c.legal_basis,
        "status": c.status,
        "received_on": day(c.received_on),
        "decision_due": day(c.decision_due),
        "caseworker": caseworker_ref(c.caseworker),
        "steps": [
            {
                "id": s.id,
                "position": s.position,
                "key": s.key,
                "title": s.title,
                "status": s.status,
                "completed_on": day(s.completed_on),
            }
            for s in c.steps
        ],
        "missing_documents": [
            {
                "id": d.id,
                "title": d.title,
                "provided_by": d.provided_by,
                "requested_on": day(d.requested_on),
                "due_on": day(d.due_on),
                "status": d.status,
                "received_on": day(d.received_on),
                "uploadable": d.uploadable,
                "document_id": d.document_id,
            }
            for d in c.missing_documents
        ],
    }


def change_request(r: ChangeRequest | Row[Any]) -> dict[str, Any]:
    return {
        "id": r.id,
        "appointment_id": r.appointment_id,
        "reason": r.reason,
        "preferred_times": [dict(w) for w in r.preferred_times],
        "status": r.status,
        "created_at": iso(r.created_at),
        "created_by": {"id": r.created_by_id, "name": r.created_by_name},
    }


def appointment(a: Appointment | Joined) -> dict[str, Any]:
    return {
        "id": a.id,
        "person": person_ref(a.person),
        "title": a.title,
        "purpose": a.purpose,
        "start": iso(a.start_at),
        "end": iso(a.end_at),
        "timezone": "Europe/Copenhagen",
        "location": {
            "kind": a.location_kind,
            "address": a.address,
            "room": a.room,
            "video_url": a.video_url,
        },
        "participants": [dict(p) for p in a.participants],
        "organiser": a.organiser,
        "status": a.status,
        "previous_start": iso(a.previous_start),
        "change_requests": [change_request(r) for r in a.change_requests],
    }


def contact(c: Contact | Row[Any]) -> dict[str, Any]:
    return {
        "id": c.id,
        "role": c.role,
        "role_title": c.role_title,
        "name": c.name,
        "organisation": c.organisation,
        "phone": c.phone,
        "email": c.email,
        "hours": c.hours,
        "helps_with": c.helps_with,
        "is_primary": c.is_primary,
        "takes_messages": c.takes_messages,
        "answer_days": c.answer_days,
    }


def consent_text(t: ConsentText | ConsentTextRead) -> dict[str, Any]:
    return {
        "version": t.version,
        "published_on": day(t.published_on),
        "title": {"da": t.title_da, "en": t.title_en},
        "body": {"da": t.body_da, "en": t.body_en},
    }


def consent_status(c: Consent | Joined, moment: datetime) -> str:
    if c.withdrawn_at is not None:
        return "withdrawn"
    return "expired" if c.expires_at <= moment else "active"


def consent(c: Consent | Joined) -> dict[str, Any]:
    moment = clock.now()
    status = consent_status(c, moment)
    days_left = (
        (clock.local(c.expires_at).date() - moment.date()).days if status == "active" else None
    )
    return {
        "id": c.id,
        "person": person_ref(c.person),
        "status": status,
        "purpose": c.purpose,
        "legal_basis": c.legal_basis,
        "scopes": [
            {
                "department": s.department,
                "information": s.information,
                "status": "withdrawn" if s.withdrawn_at else "active",
                "withdrawn_at": iso(s.withdrawn_at),
            }
            for s in c.scopes
        ],
        "text": consent_text(c.text),
        "granted_by": {
            "person": {"id": c.granted_by_id, "name": c.granted_by_name},
            "kind": c.granted_by_kind,
        },
        "granted_at": iso(c.granted_at),
        "expires_at": iso(c.expires_at),
        "withdrawn_at": iso(c.withdrawn_at),
        "expires_in_days": days_left,
        "history": [
            {
                "id": e.id,
                "kind": e.kind,
                "at": iso(e.at),
                "actor": {"id": e.actor_id, "name": e.actor_name, "kind": e.actor_kind},
                "departments": list(e.departments),
                "text_version": e.text_version,
            }
            for e in c.events
        ],
    }


def score(r: QuestionnaireResponse) -> dict[str, Any]:
    scoring = INSTRUMENTS[r.instrument_id]["scoring"]
    labels = r.item_labels or {}
    return {
        "response_id": r.id,
        "instrument_id": r.instrument_id,
        "answered_at": iso(r.answered_at),
        "raw": r.raw,
        "reported": r.reported,
        "reported_min": scoring["reported_min"],
        "reported_max": scoring["reported_max"],
        "items": [
            {"item_id": a["item_id"], "value": a["value"], "label": labels.get(a["item_id"])}
            for a in r.answers
        ],
    }


def response(r: QuestionnaireResponse) -> dict[str, Any]:
    return {
        "id": r.id,
        "person": person_ref(r.person),
        "instrument_id": r.instrument_id,
        "instrument_version": r.instrument_version,
        "language": r.language,
        "answers": [{"item_id": a["item_id"], "value": a["value"]} for a in r.answers],
        "score": score(r),
        "answered_at": iso(r.answered_at),
        "answered_by": {"id": r.answered_by_id, "name": r.answered_by_name},
        "basis": r.basis,
    }


def access_log_entry(e: AccessLogEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": iso(e.at),
        "actor": {"id": e.actor_id, "name": e.actor_name, "kind": e.actor_kind},
        "action": e.action,
        "resource": e.resource,
        "basis": e.basis,
        "purpose": e.purpose,
        "outcome": e.outcome,
    }


def as_date(value: date | None) -> str | None:
    return day(value)


def contact_ref(c: Contact) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "role": c.role,
        "role_title": c.role_title,
        "answer_days": c.answer_days,
    }


def document(d: Document) -> dict[str, Any]:
    return {
        "id": d.id,
        "kind": d.kind,
        "filename": d.filename,
        "content_type": d.content_type,
        "size": d.size,
        "sha256": d.sha256,
        "uploaded_at": iso(d.uploaded_at),
        "uploaded_by": {"id": d.uploaded_by_id, "name": d.uploaded_by_name},
        "message_id": d.message_id,
        "missing_document_id": d.missing_document_id,
    }


def message(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "author": {"kind": m.author_kind, "id": m.author_id, "name": m.author_name},
        "basis": m.basis,
        "body": m.body,
        "letter_id": m.letter_id,
        "sent_at": iso(m.sent_at),
        "read_at": iso(m.read_at),
        "read_by": m.read_by_name,
        "attachments": [document(d) for d in m.attachments],
    }


def conversation(c: Conversation, *, with_messages: bool = True) -> dict[str, Any]:
    return {
        "id": c.id,
        "person": person_ref(c.person),
        "contact": contact_ref(c.contact),
        "last_message_at": iso(c.last_message_at),
        "unread_by_citizen": sum(
            1 for m in c.messages if m.author_kind == "staff" and m.read_at is None
        ),
        "unread_by_staff": sum(
            1 for m in c.messages if m.author_kind == "citizen" and m.read_at is None
        ),
        "messages": [message(m) for m in reversed(c.messages)] if with_messages else [],
    }


def letter(item: Letter, *, detail: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind,
        "title": item.title,
        "department": item.department,
        "sender": item.sender,
        "sent_on": day(item.sent_on),
        "read_at": iso(item.read_at),
        "document_id": item.document_id,
    }
    if not detail:
        return body
    body["summary"] = item.summary
    body["decision"] = None
    if item.kind == "decision":
        weeks = item.complaint_weeks or 4
        body["decision"] = {
            "decided": item.decided or "",
            "legal_basis": item.legal_basis or "",
            "complaint": {
                "to": item.complaint_to or "",
                "weeks": weeks,
                "deadline": day(clock.complaint_deadline(item.sent_on, weeks)),
                "how": item.complaint_how or "",
                "contact_id": item.complaint_contact_id,
            },
        }
    return body
