"""Consents (samtykke): the texts, the person's consents with their history, and the
three changes (grant, withdraw, renew) as `Write`s, which go through the outbox so that a
change survives a down plan API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from portal.clients.base import APIModel, PlanAPIClient, Write
from portal.clients.plan import Department, PersonRef

# What each change is, in the outbox.
GRANT = "consent.grant"
WITHDRAW = "consent.withdraw"
RENEW = "consent.renew"

ConsentStatus = Literal["active", "expired", "withdrawn"]
EventKind = Literal["granted", "withdrawn", "department_withdrawn", "renewed", "expired"]


class LocalizedText(APIModel):
    da: str
    en: str

    def in_language(self, language: str) -> str:
        return self.en if language == "en" and self.en else self.da


class ConsentText(APIModel):
    version: str
    published_on: str
    title: LocalizedText
    body: LocalizedText


class ConsentScope(APIModel):
    department: Department
    information: str
    status: Literal["active", "withdrawn"]
    withdrawn_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"


class Actor(APIModel):
    id: str
    name: str
    kind: str  # citizen | guardian | power_of_attorney | caseworker | system


class ConsentEvent(APIModel):
    id: str
    kind: EventKind
    at: datetime
    actor: Actor
    departments: list[Department] = []
    text_version: str | None = None


class GrantedBy(APIModel):
    person: PersonRef
    kind: Literal["self", "guardian"]


class Consent(APIModel):
    id: str
    person: PersonRef
    status: ConsentStatus
    purpose: str
    legal_basis: str
    scopes: list[ConsentScope]
    text: ConsentText
    granted_by: GrantedBy
    granted_at: datetime
    expires_at: datetime
    withdrawn_at: datetime | None = None
    expires_in_days: int | None = None
    history: list[ConsentEvent] = []

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def active_scopes(self) -> list[ConsentScope]:
        return [s for s in self.scopes if s.active] if self.active else []

    def expires_within(self, days: int) -> bool:
        return self.active and self.expires_in_days is not None and self.expires_in_days <= days


class _ConsentList(APIModel):
    items: list[Consent]


class ConsentsClient(PlanAPIClient):
    def get_current_text(self) -> ConsentText:
        """GET /v1/consent-texts/current: the text a new or renewed consent is given on."""
        return self.get("/v1/consent-texts/current", ConsentText)

    def get_text(self, version: str) -> ConsentText:
        """GET /v1/consent-texts/{version}."""
        return self.get(f"/v1/consent-texts/{version}", ConsentText)

    def list_consents(self, person_id: str) -> list[Consent]:
        """GET /v1/persons/{person_id}/consents (newest first, each with its history)."""
        return self.get(f"/v1/persons/{person_id}/consents", _ConsentList).items

    def get_consent(self, person_id: str, consent_id: str) -> Consent:
        """GET /v1/persons/{person_id}/consents/{consent_id} (404 if not this person's)."""
        return self.get(f"/v1/persons/{person_id}/consents/{consent_id}", Consent)

    # The writes: each returns a `Write` that portal.outbox.submit() sends.

    @staticmethod
    def grant(
        person_id: str,
        text_version: str,
        purpose: str,
        scopes: list[tuple[str, str]],
        valid_months: int = 12,
    ) -> Write:
        """POST /v1/persons/{person_id}/consents."""
        payload = {
            "text_version": text_version,
            "purpose": purpose,
            "scopes": [{"department": d, "information": info} for d, info in scopes],
            "valid_months": valid_months,
        }
        return Write(GRANT, person_id, "", f"/v1/persons/{person_id}/consents", payload)

    @staticmethod
    def withdraw(person_id: str, consent_id: str, departments: list[str]) -> Write:
        """POST /v1/persons/{person_id}/consents/{consent_id}/withdrawals."""
        path = f"/v1/persons/{person_id}/consents/{consent_id}/withdrawals"
        return Write(WITHDRAW, person_id, consent_id, path, {"departments": departments})

    @staticmethod
    def renew(person_id: str, consent_id: str, valid_months: int = 12) -> Write:
        """POST /v1/persons/{person_id}/consents/{consent_id}/renewals."""
        path = f"/v1/persons/{person_id}/consents/{consent_id}/renewals"
        return Write(RENEW, person_id, consent_id, path, {"valid_months": valid_months})
