"""The portal's answer to `auth`'s questions about people, from the plan API.

`auth` asks through `auth.directory.Directory` and never imports the portal; this is the
implementation `portal.create_app` hands to it.
"""

from __future__ import annotations

from auth.directory import Known, Unknown
from auth.session import Option
from identity import Caller
from portal.clients.base import PlanAPINotFound
from portal.clients.persons import PersonsClient


class PlanAPIDirectory:
    def resolve_person(self, cpr: str) -> Known:
        try:
            person = PersonsClient().resolve_person(cpr)
        except PlanAPINotFound as exc:
            raise Unknown("the plan API does not know this person") from exc
        return Known(person.id, person.name, person.age)

    def options(self, person_id: str) -> list[Option]:
        client = PersonsClient(caller=Caller.as_self(person_id))
        return [
            Option(r.person.id, r.person.name, r.basis, r.age, tuple(r.scope))
            for r in client.list_representations(person_id)
        ]

    def resolve_caseworker(self, workforce_id: str) -> Known:
        try:
            caseworker = PersonsClient().resolve_caseworker(workforce_id)
        except PlanAPINotFound as exc:
            raise Unknown("unknown workforce id") from exc
        return Known(caseworker.id, caseworker.name)

    def caseload(self, caseworker_id: str) -> set[str]:
        client = PersonsClient(caller=Caller.preview(caseworker_id))
        return {entry.person.id for entry in client.get_caseload(caseworker_id).items}

    def person(self, caller: Caller, person_id: str) -> Known:
        try:
            person = PersonsClient(caller=caller).get_person(person_id)
        except PlanAPINotFound as exc:
            raise Unknown("the plan API does not know this person") from exc
        return Known(person.id, person.name, person.age)
