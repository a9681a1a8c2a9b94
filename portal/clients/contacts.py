"""Contacts: the people around the citizen, with exactly one primary contact."""

from __future__ import annotations

from portal.clients.base import APIModel, PlanAPIClient


class Contact(APIModel):
    id: str
    role: str  # coordinating_caseworker | housing_support | youth_guidance_counsellor | ...
    role_title: str  # Danish title from the case system, e.g. "UU-vejleder"
    name: str
    organisation: str | None = None
    phone: str | None = None
    email: str | None = None
    hours: str | None = None
    helps_with: str | None = None
    is_primary: bool = False
    takes_messages: bool = False
    answer_days: int | None = None

    @property
    def tel(self) -> str | None:
        """The phone number as a tel: target (digits and a leading +)."""
        if not self.phone:
            return None
        return "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")


class ContactList(APIModel):
    items: list[Contact]
    primary_contact_id: str | None = None

    def ordered(self) -> list[Contact]:
        """Primary contact first."""
        return sorted(
            self.items, key=lambda c: not (c.is_primary or c.id == self.primary_contact_id)
        )


class ContactsClient(PlanAPIClient):
    def list_contacts(self, person_id: str) -> list[Contact]:
        """GET /v1/persons/{person_id}/contacts, primary contact first."""
        return self.get(f"/v1/persons/{person_id}/contacts", ContactList).ordered()
