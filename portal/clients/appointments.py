"""Appointments (aftaler) and the citizen's requests to move one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from portal.clients.base import APIModel, PlanAPIClient, Write
from portal.clients.plan import PersonRef

CHANGE_REQUEST = "appointment_change_request"  # what a move request is, in the outbox


class TimeWindow(APIModel):
    start: datetime
    end: datetime


class Participant(APIModel):
    name: str
    role: str | None = None


class Location(APIModel):
    kind: str = "in_person"  # in_person | video | phone
    address: str | None = None
    room: str | None = None
    video_url: str | None = None

    @property
    def text(self) -> str:
        """Address and room on one line (empty for a video or phone meeting)."""
        return ", ".join(part for part in (self.address, self.room) if part)


class ChangeRequest(APIModel):
    id: str
    appointment_id: str | None = None
    reason: str = ""
    preferred_times: list[TimeWindow] = []
    status: str = "received"  # received | accepted | declined
    created_at: datetime | None = None


class Appointment(APIModel):
    id: str
    person: PersonRef | None = None
    title: str
    purpose: str | None = None
    start: datetime
    end: datetime | None = None
    location: Location = Location()
    participants: list[Participant] = []
    organiser: str | None = None
    status: str = "planned"  # planned | moved | cancelled | held
    previous_start: datetime | None = None
    change_requests: list[ChangeRequest] = []

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def open_change_request(self) -> ChangeRequest | None:
        return next((c for c in self.change_requests if c.status == "received"), None)

    @property
    def answered_change_request(self) -> ChangeRequest | None:
        """The newest request the municipality has answered (when none is open)."""
        answered = [c for c in self.change_requests if c.status in ("accepted", "declined")]
        if self.open_change_request or not answered:
            return None
        return max(answered, key=lambda c: c.created_at or datetime.min.replace(tzinfo=UTC))


class _AppointmentList(APIModel):
    items: list[Appointment]


class AppointmentsClient(PlanAPIClient):
    def list_appointments(
        self, person_id: str, when: Literal["upcoming", "past", "all"] = "upcoming"
    ) -> list[Appointment]:
        """GET /v1/persons/{person_id}/appointments?when=… (upcoming soonest first,
        past newest first)."""
        return self.get(
            f"/v1/persons/{person_id}/appointments", _AppointmentList, params={"when": when}
        ).items

    def get_appointment(self, person_id: str, appointment_id: str) -> Appointment:
        """GET /v1/persons/{person_id}/appointments/{appointment_id}."""
        return self.get(f"/v1/persons/{person_id}/appointments/{appointment_id}", Appointment)

    @staticmethod
    def request_change(
        person_id: str, appointment_id: str, reason: str, preferred_times: list[TimeWindow]
    ) -> Write:
        """POST /v1/persons/{person_id}/appointments/{appointment_id}/change-requests
        (sent through the outbox, so the write survives a down plan API)."""
        payload = {
            "reason": reason,
            "preferred_times": [
                {"start": w.start.isoformat(), "end": w.end.isoformat()} for w in preferred_times
            ],
        }
        path = f"/v1/persons/{person_id}/appointments/{appointment_id}/change-requests"
        return Write(CHANGE_REQUEST, person_id, appointment_id, path, payload)
