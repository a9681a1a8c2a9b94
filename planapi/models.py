"""The reference server's tables. Times are stored as naive UTC and come back aware."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from planapi.extensions import db


class UTCDateTime(TypeDecorator[datetime]):
    """SQLite has no time zones; store naive UTC everywhere, hand out aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


Json = JSON


class Person(db.Model):  # type: ignore[name-defined]
    __tablename__ = "persons"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    cpr: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)


class Caseworker(db.Model):  # type: ignore[name-defined]
    __tablename__ = "caseworkers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workforce_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(32))
    organisation: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(200))


class CaseloadEntry(db.Model):  # type: ignore[name-defined]
    __tablename__ = "caseload_entries"
    caseworker_id: Mapped[str] = mapped_column(ForeignKey("caseworkers.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), primary_key=True)


class Relation(db.Model):  # type: ignore[name-defined]
    __tablename__ = "relations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # custody | power_of_attorney
    holder_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    scope: Mapped[list[str]] = mapped_column(Json, default=list)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    holder: Mapped[Person] = relationship(foreign_keys=[holder_id], lazy="joined")
    subject: Mapped[Person] = relationship(foreign_keys=[subject_id], lazy="joined")


class Plan(db.Model):  # type: ignore[name-defined]
    __tablename__ = "plans"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), unique=True)
    overall_goal: Mapped[str] = mapped_column(Text)
    coordinator_id: Mapped[str] = mapped_column(ForeignKey("caseworkers.id"))
    next_follow_up: Mapped[date | None] = mapped_column(Date)
    cadence_weeks: Mapped[int] = mapped_column(Integer)
    questionnaires_start_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(200))
    person: Mapped[Person] = relationship(lazy="joined")
    coordinator: Mapped[Caseworker] = relationship(lazy="joined")
    members: Mapped[list[PlanMember]] = relationship(
        order_by="PlanMember.position", lazy="selectin", cascade="all, delete-orphan"
    )
    sub_goals: Mapped[list[SubGoal]] = relationship(
        order_by="SubGoal.position", lazy="selectin", cascade="all, delete-orphan"
    )
    interventions: Mapped[list[Intervention]] = relationship(
        order_by="Intervention.position", lazy="selectin", cascade="all, delete-orphan"
    )
    sector_plans: Mapped[list[SectorPlan]] = relationship(
        order_by="SectorPlan.position", lazy="selectin", cascade="all, delete-orphan"
    )
    benefits: Mapped[list[Benefit]] = relationship(
        order_by="Benefit.position", lazy="selectin", cascade="all, delete-orphan"
    )
    agreements: Mapped[list[Agreement]] = relationship(
        order_by="Agreement.position", lazy="selectin", cascade="all, delete-orphan"
    )


class PlanMember(db.Model):  # type: ignore[name-defined]
    __tablename__ = "plan_members"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"))
    role: Mapped[str] = mapped_column(String(32))
    legal_basis: Mapped[str] = mapped_column(String(300))
    person: Mapped[Person] = relationship(lazy="joined")


class SubGoal(db.Model):  # type: ignore[name-defined]
    __tablename__ = "sub_goals"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    target_date: Mapped[date | None] = mapped_column(Date)
    department: Mapped[str | None] = mapped_column(String(32))
    intervention_ids: Mapped[list[str]] = mapped_column(Json, default=list)


class SectorPlan(db.Model):  # type: ignore[name-defined]
    __tablename__ = "sector_plans"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    law_area: Mapped[str] = mapped_column(String(300))
    legal_basis: Mapped[str] = mapped_column(String(300))
    department: Mapped[str] = mapped_column(String(32))
    goals: Mapped[list[str]] = mapped_column(Json, default=list)
    responsible: Mapped[str] = mapped_column(String(300))
    updated_on: Mapped[date] = mapped_column(Date)
    external_url: Mapped[str | None] = mapped_column(String(500))


class Intervention(db.Model):  # type: ignore[name-defined]
    __tablename__ = "interventions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    department: Mapped[str] = mapped_column(String(32))
    legal_basis: Mapped[str] = mapped_column(String(300))
    provider: Mapped[str] = mapped_column(String(300))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32))
    sector_plan_id: Mapped[str | None] = mapped_column(ForeignKey("sector_plans.id"))
    # In a family plan: the members (person ids) the intervention is for; empty for all.
    member_ids: Mapped[list[str]] = mapped_column(Json, default=list)


class Benefit(db.Model):  # type: ignore[name-defined]
    __tablename__ = "benefits"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(32))
    legal_basis: Mapped[str] = mapped_column(String(300))


class Agreement(db.Model):  # type: ignore[name-defined]
    __tablename__ = "agreements"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    what: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(300))
    agreed_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    # The plan member the agreement asks something of, when it is one (not free text).
    responsible_person_id: Mapped[str | None] = mapped_column(ForeignKey("persons.id"), index=True)


class Case(db.Model):  # type: ignore[name-defined]
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    department: Mapped[str] = mapped_column(String(32))
    legal_basis: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(32))
    received_on: Mapped[date] = mapped_column(Date)
    decision_due: Mapped[date | None] = mapped_column(Date)
    caseworker_id: Mapped[str] = mapped_column(ForeignKey("caseworkers.id"))
    person: Mapped[Person] = relationship(lazy="joined")
    caseworker: Mapped[Caseworker] = relationship(lazy="joined")
    steps: Mapped[list[CaseStep]] = relationship(
        order_by="CaseStep.position", lazy="selectin", cascade="all, delete-orphan"
    )
    missing_documents: Mapped[list[MissingDocument]] = relationship(
        order_by="MissingDocument.position", lazy="selectin", cascade="all, delete-orphan"
    )


class CaseStep(db.Model):  # type: ignore[name-defined]
    __tablename__ = "case_steps"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))
    completed_on: Mapped[date | None] = mapped_column(Date)


class MissingDocument(db.Model):  # type: ignore[name-defined]
    __tablename__ = "missing_documents"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    provided_by: Mapped[str] = mapped_column(String(300))
    requested_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    received_on: Mapped[date | None] = mapped_column(Date)
    # The citizen (or parent) can send it through the portal; the upload is linked here.
    uploadable: Mapped[bool] = mapped_column(default=False)
    document_id: Mapped[str | None] = mapped_column(String(64))


class Appointment(db.Model):  # type: ignore[name-defined]
    __tablename__ = "appointments"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(Text)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location_kind: Mapped[str] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(300))
    room: Mapped[str | None] = mapped_column(String(100))
    video_url: Mapped[str | None] = mapped_column(String(500))
    participants: Mapped[list[dict[str, str]]] = mapped_column(Json, default=list)
    organiser: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    previous_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    person: Mapped[Person] = relationship(lazy="joined")
    change_requests: Mapped[list[ChangeRequest]] = relationship(
        order_by="ChangeRequest.created_at", lazy="selectin", cascade="all, delete-orphan"
    )


class ChangeRequest(db.Model):  # type: ignore[name-defined]
    __tablename__ = "change_requests"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointments.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    preferred_times: Mapped[list[dict[str, str]]] = mapped_column(Json, default=list)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[str] = mapped_column(String(64))
    created_by_name: Mapped[str] = mapped_column(String(200))


class Contact(db.Model):  # type: ignore[name-defined]
    __tablename__ = "contacts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(40))
    role_title: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    hours: Mapped[str] = mapped_column(String(300))
    helps_with: Mapped[str] = mapped_column(Text)
    is_primary: Mapped[bool] = mapped_column(default=False)
    # Takes secure messages, usually answering within `answer_days` working days; a contact
    # who is a caseworker here answers from the caseworker area (`caseworker_id`).
    takes_messages: Mapped[bool] = mapped_column(default=False)
    answer_days: Mapped[int | None] = mapped_column(Integer)
    caseworker_id: Mapped[str | None] = mapped_column(ForeignKey("caseworkers.id"))


class ConsentText(db.Model):  # type: ignore[name-defined]
    __tablename__ = "consent_texts"
    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    published_on: Mapped[date] = mapped_column(Date)
    title_da: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    body_da: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)


class Consent(db.Model):  # type: ignore[name-defined]
    __tablename__ = "consents"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    purpose: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(500))
    text_version: Mapped[str] = mapped_column(ForeignKey("consent_texts.version"))
    granted_by_id: Mapped[str] = mapped_column(String(64))
    granted_by_name: Mapped[str] = mapped_column(String(200))
    granted_by_kind: Mapped[str] = mapped_column(String(16))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # expire_due looks for consents whose time ran out, across all persons.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    person: Mapped[Person] = relationship(lazy="joined")
    text: Mapped[ConsentText] = relationship(lazy="joined")
    scopes: Mapped[list[ConsentScope]] = relationship(
        order_by="ConsentScope.position", lazy="selectin", cascade="all, delete-orphan"
    )
    events: Mapped[list[ConsentEvent]] = relationship(
        order_by="ConsentEvent.at", lazy="selectin", cascade="all, delete-orphan"
    )


class ConsentScope(db.Model):  # type: ignore[name-defined]
    __tablename__ = "consent_scopes"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    department: Mapped[str] = mapped_column(String(32))
    information: Mapped[str] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsentEvent(db.Model):  # type: ignore[name-defined]
    __tablename__ = "consent_events"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_kind: Mapped[str] = mapped_column(String(32))
    departments: Mapped[list[str]] = mapped_column(Json, default=list)
    text_version: Mapped[str | None] = mapped_column(String(32))


class Notification(db.Model):  # type: ignore[name-defined]
    __tablename__ = "notifications"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    caseworker_id: Mapped[str] = mapped_column(ForeignKey("caseworkers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"))
    consent_id: Mapped[str | None] = mapped_column(String(64))
    appointment_id: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    person: Mapped[Person] = relationship(lazy="joined")


class QuestionnaireResponse(db.Model):  # type: ignore[name-defined]
    __tablename__ = "questionnaire_responses"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    instrument_id: Mapped[str] = mapped_column(String(64))
    instrument_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(2))
    answers: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    item_labels: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    raw: Mapped[float] = mapped_column()
    reported: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[str] = mapped_column(String(64))
    answered_by_name: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(String(32))
    person: Mapped[Person] = relationship(lazy="joined")


class AccessLogEntry(db.Model):  # type: ignore[name-defined]
    __tablename__ = "access_log"
    # One person's entries newest first is the only way the log is read.
    __table_args__ = (Index("ix_access_log_person_id_at", "person_id", "at"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_kind: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))
    resource: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str | None] = mapped_column(String(32))
    purpose: Mapped[str | None] = mapped_column(String(300))
    outcome: Mapped[str] = mapped_column(String(16))


class IdempotencyRecord(db.Model):  # type: ignore[name-defined]
    __tablename__ = "idempotency_records"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Conversation(db.Model):  # type: ignore[name-defined]
    """One conversation per citizen and contact who takes messages."""

    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"), index=True)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime)
    person: Mapped[Person] = relationship(lazy="joined")
    contact: Mapped[Contact] = relationship(lazy="joined")
    messages: Mapped[list[Message]] = relationship(
        order_by="Message.sent_at", lazy="selectin", cascade="all, delete-orphan"
    )


class Message(db.Model):  # type: ignore[name-defined]
    __tablename__ = "messages"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    author_kind: Mapped[str] = mapped_column(String(16))  # citizen | staff
    author_id: Mapped[str] = mapped_column(String(64))
    author_name: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    letter_id: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_by_name: Mapped[str | None] = mapped_column(String(200))
    attachments: Mapped[list[Document]] = relationship(
        order_by="Document.uploaded_at", lazy="selectin", viewonly=True
    )


class Document(db.Model):  # type: ignore[name-defined]
    """A file kept by the plan API (never on the portal's disk); content loaded on demand."""

    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # upload | letter
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[str] = mapped_column(String(64))
    uploaded_by_name: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str | None] = mapped_column(ForeignKey("messages.id"), index=True)
    missing_document_id: Mapped[str | None] = mapped_column(String(64))


class Letter(db.Model):  # type: ignore[name-defined]
    """A letter or decision in the citizen's case; a decision carries complaint guidance."""

    __tablename__ = "letters"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # letter | decision
    title: Mapped[str] = mapped_column(String(300))
    department: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(300))
    sent_on: Mapped[date] = mapped_column(Date)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[str] = mapped_column(Text)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"))
    decided: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(String(300))
    complaint_to: Mapped[str | None] = mapped_column(String(300))
    complaint_weeks: Mapped[int | None] = mapped_column(Integer)
    complaint_how: Mapped[str | None] = mapped_column(Text)
    complaint_contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))


class Event(db.Model):  # type: ignore[name-defined]
    """One entry of the change feed (`GET /v1/events`), written by `planapi.events.record` in
    the transaction of the change it describes. `seq` is the cursor: AUTOINCREMENT on SQLite
    (a sequence on PostgreSQL), so a demo reload never hands out a number twice."""

    __tablename__ = "events"
    __table_args__ = {"sqlite_autoincrement": True}
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    resource: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class DataVersion(db.Model):  # type: ignore[name-defined]
    """One row, one number: raised by a trigger on every table but the access log (and this)
    in each transaction that changes data, as it commits (migration 0006). A composite
    read's version stamp starts from it (planapi/freshness.py); the demo's reset keeps it."""

    __tablename__ = "data_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger)
