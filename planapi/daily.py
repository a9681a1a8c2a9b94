"""The daily scan: what became due today goes into the change feed, once per due date.

A questionnaire's due date and a consent's approach to its expiry are not changes anyone
makes; they happen as time passes. `flask --app planapi daily` (run each morning, like
`expire-consents`) records `questionnaire.due` on the due day and `consent.expiring` when a
consent comes within 30 days of its end, each once per due date or expiry time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from planapi import clock, events, sharing
from planapi.extensions import db
from planapi.instruments import INSTRUMENTS
from planapi.models import Consent, Plan, QuestionnaireResponse
from planapi.views.questionnaires import due_entry

EXPIRING_WITHIN = timedelta(days=30)


def record_due(today: date) -> int:
    count = 0
    for plan in db.session.scalars(select(Plan)):
        # After a withdrawal the joint follow-up stopped: nothing becomes due.
        stopped = not sharing.of_person(plan.person_id).joint
        for instrument_id in INSTRUMENTS:
            if INSTRUMENTS[instrument_id].get("audience") == "family_member":
                continue  # asked of the family members a plan names, not of its owner
            last = db.session.scalar(
                select(QuestionnaireResponse.answered_at)
                .where(
                    QuestionnaireResponse.person_id == plan.person_id,
                    QuestionnaireResponse.instrument_id == instrument_id,
                )
                .order_by(QuestionnaireResponse.answered_at.desc())
                .limit(1)
            )
            entry = due_entry(plan, instrument_id, last, today, stopped=stopped)
            resource = f"questionnaires/{instrument_id}"
            if entry["status"] not in ("due", "overdue") or events.recorded(
                "questionnaire.due", plan.person_id, resource, due_on=entry["due_on"]
            ):
                continue
            events.record(
                "questionnaire.due",
                plan.person_id,
                resource,
                {"due_on": entry["due_on"]},
            )
            count += 1
    horizon = datetime.combine(today, time.min, tzinfo=clock.TZ) + EXPIRING_WITHIN
    consents = db.session.scalars(
        select(Consent).where(Consent.withdrawn_at.is_(None), Consent.expires_at <= horizon)
    )
    for consent in consents:
        resource = f"consents/{consent.id}"
        if consent.expires_at <= clock.now() or events.recorded(
            "consent.expiring", consent.person_id, resource, expires_at=consent.expires_at
        ):
            continue
        events.record(
            "consent.expiring",
            consent.person_id,
            resource,
            {
                "expires_at": consent.expires_at,
                "departments": [s.department for s in consent.scopes if s.withdrawn_at is None],
            },
        )
        count += 1
    db.session.commit()
    return count
