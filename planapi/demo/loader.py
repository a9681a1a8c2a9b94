"""The demo world, built around a given day. All people, places and numbers are fictitious.

Vocabulary follows the VIVE 2025 reports on helhedsorienteret indsats (departments, benefits,
interventions and their legal bases); the municipality "Nordby Kommune" does not exist.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from planapi.clock import TZ, add_months
from planapi.demo.letters import letter_with_pdf
from planapi.demo.personas import CASELOADS, CASEWORKERS, CITIZENS
from planapi.extensions import db
from planapi.instruments import INSTRUMENTS, score
from planapi.models import (
    AccessLogEntry,
    Agreement,
    Appointment,
    Benefit,
    Case,
    CaseloadEntry,
    CaseStep,
    Caseworker,
    Consent,
    ConsentEvent,
    ConsentScope,
    ConsentText,
    Contact,
    Conversation,
    Event,
    Intervention,
    Letter,
    Message,
    MissingDocument,
    Notification,
    Person,
    Plan,
    PlanMember,
    QuestionnaireResponse,
    Relation,
    SectorPlan,
    SubGoal,
)

KOMMUNE = "Nordby Kommune"
JOBCENTER = "Jobcenter Nordby"
MIN_PLAN_URL = "https://www.jobnet.dk/"
LEGAL_CONSENT = (
    "Samtykke efter databeskyttelsesforordningens art. 6, stk. 1, litra a, og art. 9, stk. 2, "
    "litra a, samt forvaltningslovens § 28, stk. 2, nr. 1"
)
SEL85 = "servicelovens § 85"
LAB = "Lov om en aktiv beskæftigelsesindsats"
KUI = "Lov om kommunal indsats for unge under 25 år (KUI)"

CONSENT_TEXT_DA = """Du giver samtykke til, at de afdelinger i Nordby Kommune, \
som er nævnt nedenfor, må \
dele oplysninger om dig med hinanden, så de kan lave én samlet plan sammen med dig.

Det er altid frivilligt at være med i en helhedsorienteret indsats. Du kan trække dit samtykke \
tilbage når som helst - helt eller for én afdeling - og det er lige så nemt som at give det. \
Hvis du trækker samtykket tilbage, deler afdelingerne ikke længere oplysninger om dig med \
hinanden. Det påvirker ikke den hjælp, du allerede har fået bevilget.

Samtykket gælder kun til det formål, der står, og kun indtil den dato, der står. Du kan altid \
se, hvem der har set dine oplysninger."""

CONSENT_TEXT_EN = """You consent to the departments of Nordby Kommune named below sharing \
information about you with each other, so that they can make one joint plan together with you.

Taking part in a holistic intervention is always voluntary. You can withdraw your consent at \
any time - fully or for one department - and it is as easy as giving it. If you withdraw it, \
the departments no longer share information about you with each other. It does not affect the \
help you have already been granted.

The consent only covers the stated purpose and only until the stated date. You can always see \
who has looked at your information."""


OFFICE_OPENS, OFFICE_CLOSES = 8, 16  # meetings start and end within these hours


def weekday_offset(today: date, offset: int) -> int:
    """`offset` moved off a Saturday or Sunday, away from today so past stays past.

    A future (or today's) weekend day becomes the Monday after, a past one the Friday before.
    """
    weekday = (today + timedelta(days=offset)).weekday()
    if weekday < 5:
        return offset
    if offset >= 0:
        return offset + (7 - weekday)
    return offset - (weekday - 4)


class World:
    """Small builders over one session and one `today`."""

    def __init__(self, session: Session, today: date) -> None:
        self.s = session
        self.today = today
        self.counter = 0

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def at(self, offset: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(self.day(offset), time(hour, minute), tzinfo=TZ)

    def meeting_at(self, offset: int, hour: int, minutes: int) -> datetime:
        """A meeting `offset` days from today, moved off a weekend, within office hours."""
        if not (hour >= OFFICE_OPENS and hour * 60 + minutes <= OFFICE_CLOSES * 60):
            raise ValueError(f"a meeting at {hour}:00 for {minutes} min is outside office hours")
        return datetime.combine(self.day(weekday_offset(self.today, offset)), time(hour), TZ)

    def add(self, *rows: Any) -> None:
        self.s.add_all(rows)

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"


def reset(session: Session) -> None:
    """Every row gone but the data version's, which the deletes raise (a reader's stamp from
    before the reload can never match after it)."""
    for table in reversed(db.metadata.sorted_tables):
        if table.name != "data_version":
            session.execute(table.delete())
    session.flush()


def people(w: World) -> None:
    for c in CITIZENS:
        w.add(
            Person(
                id=c["id"],
                cpr=c["cpr"],
                name=c["name"],
                given_name=c["given_name"],
                family_name=c["family_name"],
                birth_date=date.fromisoformat(c["birth_date"]),
            )
        )
    extra = {
        "cw-lene": ("employment", "+45 70 00 01 01", "lene.bach@nordby.example"),
        "cw-peter": ("social", "+45 70 00 01 02", "peter.holm@nordby.example"),
    }
    for cw in CASEWORKERS:
        department, phone, email = extra[cw["id"]]
        w.add(
            Caseworker(
                id=cw["id"],
                workforce_id=cw["workforce_id"],
                name=cw["name"],
                title=cw["title"],
                department=department,
                organisation=f"{KOMMUNE}, Helhedsorienteret indsats",
                phone=phone,
                email=email,
            )
        )
    w.s.flush()
    for worker, persons in CASELOADS.items():
        w.add(*(CaseloadEntry(caseworker_id=worker, person_id=p) for p in persons))
    w.add(
        Relation(
            id="rel-anders-emma",
            kind="custody",
            holder_id="p-anders",
            subject_id="p-emma",
            scope=[],
            valid_from=date(2011, 4, 2),
            valid_until=None,
        ),
        Relation(
            id="rel-anders-oliver",
            kind="custody",
            holder_id="p-anders",
            subject_id="p-oliver",
            scope=[],
            valid_from=date(2007, 7, 15),
            valid_until=None,
        ),
        Relation(
            id="rel-bent-mette",
            kind="power_of_attorney",
            holder_id="p-bent",
            subject_id="p-mette",
            scope=["plan:read", "appointments:read"],
            valid_from=w.day(-200),
            valid_until=w.day(165),
        ),
    )


def plan(
    w: World,
    person_id: str,
    *,
    goal: str,
    cadence: int,
    start_offset: int,
    follow_up: int | None,
    version: int,
    members: list[tuple[str, str, str]],
    sector_plans: list[dict[str, Any]],
    interventions: list[dict[str, Any]],
    sub_goals: list[dict[str, Any]],
    benefits: list[tuple[str, str, str]],
    agreements: list[dict[str, Any]],
    updated: int = -9,
) -> None:
    key = person_id.removeprefix("p-")
    plan_id = f"pl-{key}"
    w.add(
        Plan(
            id=plan_id,
            person_id=person_id,
            overall_goal=goal,
            coordinator_id="cw-lene",
            next_follow_up=(
                w.day(weekday_offset(w.today, follow_up)) if follow_up is not None else None
            ),
            cadence_weeks=cadence,
            questionnaires_start_on=w.day(start_offset),
            version=version,
            updated_at=w.at(updated, 14, 5),
            updated_by="Lene Bach, koordinerende sagsbehandler",
        )
    )
    w.s.flush()
    for n, (member, role, basis) in enumerate(members, start=1):
        w.add(
            PlanMember(
                id=f"pm-{key}-{n}",
                plan_id=plan_id,
                position=n,
                person_id=member,
                role=role,
                legal_basis=basis,
            )
        )
    for n, sp in enumerate(sector_plans, start=1):
        w.add(
            SectorPlan(
                id=f"sp-{key}-{sp['key']}",
                plan_id=plan_id,
                position=n,
                title=sp["title"],
                law_area=sp["law_area"],
                legal_basis=sp["legal_basis"],
                department=sp["department"],
                goals=sp["goals"],
                responsible=sp["responsible"],
                updated_on=w.day(sp.get("updated", -30)),
                external_url=sp.get("url"),
            )
        )
    w.s.flush()
    for n, iv in enumerate(interventions, start=1):
        w.add(
            Intervention(
                id=f"iv-{key}-{iv['key']}",
                plan_id=plan_id,
                position=n,
                title=iv["title"],
                description=iv.get("description"),
                department=iv["department"],
                legal_basis=iv["legal_basis"],
                provider=iv["provider"],
                start_date=w.day(iv["start"]),
                end_date=w.day(iv["end"]) if iv.get("end") is not None else None,
                status=iv["status"],
                sector_plan_id=f"sp-{key}-{iv['sector']}" if iv.get("sector") else None,
                member_ids=iv.get("members", []),
            )
        )
    for n, g in enumerate(sub_goals, start=1):
        w.add(
            SubGoal(
                id=f"sg-{key}-{n}",
                plan_id=plan_id,
                position=n,
                title=g["title"],
                description=g.get("description"),
                status=g["status"],
                target_date=w.day(g["target"]) if g.get("target") is not None else None,
                department=g.get("department"),
                intervention_ids=[f"iv-{key}-{i}" for i in g.get("interventions", [])],
            )
        )
    for n, (name, department, basis) in enumerate(benefits, start=1):
        w.add(
            Benefit(
                id=f"bf-{key}-{n}",
                plan_id=plan_id,
                position=n,
                name=name,
                department=department,
                legal_basis=basis,
            )
        )
    for n, a in enumerate(agreements, start=1):
        w.add(
            Agreement(
                id=f"ag-{key}-{n}",
                plan_id=plan_id,
                position=n,
                what=a["what"],
                responsible=a["responsible"],
                agreed_on=w.day(a["agreed"]),
                due_on=w.day(a["due"]) if a.get("due") is not None else None,
                status=a.get("status", "open"),
                responsible_person_id=a.get("person"),
            )
        )


def contacts(
    w: World, person_id: str, rows: list[tuple[str, str, str, str, str, str | None, str, str]]
) -> None:
    """Rows: role, role_title, name, organisation, phone, email, hours, helps_with.

    The first row is the primary contact.
    """
    key = person_id.removeprefix("p-")
    for n, (role, title, name, org, phone, email, hours, helps) in enumerate(rows, start=1):
        w.add(
            Contact(
                id=f"ct-{key}-{n}",
                person_id=person_id,
                position=n,
                role=role,
                role_title=title,
                name=name,
                organisation=org,
                phone=phone,
                email=email,
                hours=hours,
                helps_with=helps,
                is_primary=n == 1,
                # The coordinating caseworker answers in the portal's caseworker area; the
                # housing support answers too, from her own system.
                takes_messages=role in ("coordinating_caseworker", "housing_support"),
                answer_days={"coordinating_caseworker": 2, "housing_support": 3}.get(role),
                caseworker_id="cw-lene" if name == "Lene Bach" else None,
            )
        )


LENE = (
    "coordinating_caseworker",
    "Koordinerende sagsbehandler",
    "Lene Bach",
    f"{KOMMUNE}, Helhedsorienteret indsats",
    "+45 70 00 01 01",
    "lene.bach@nordby.example",
    "Mandag-torsdag kl. 9-15, fredag kl. 9-12",
    "Din plan som helhed, dine aftaler og alt det, du er i tvivl om. Ring til Lene først.",
)


def appointment(
    w: World,
    person_id: str,
    n: int,
    *,
    title: str,
    purpose: str,
    day: int,
    hour: int,
    minutes: int = 60,
    kind: str = "in_person",
    address: str | None = None,
    room: str | None = None,
    participants: list[tuple[str, str]],
    status: str = "planned",
    moved_from: int | None = None,
    organiser: str = "Lene Bach, koordinerende sagsbehandler",
) -> None:
    key = person_id.removeprefix("p-")
    start = w.meeting_at(day, hour, minutes)
    w.add(
        Appointment(
            id=f"ap-{key}-{n}",
            person_id=person_id,
            title=title,
            purpose=purpose,
            start_at=start,
            end_at=start + timedelta(minutes=minutes),
            location_kind=kind,
            address=address if kind == "in_person" else None,
            room=room if kind == "in_person" else None,
            video_url=f"https://video.nordby.example/m/{key}-{n}" if kind == "video" else None,
            participants=[_participant(name, role) for name, role in participants],
            organiser=organiser,
            status=status,
            previous_start=(
                w.meeting_at(moved_from, hour, minutes) if moved_from is not None else None
            ),
        )
    )


CITIZEN_IDS = {c["name"]: c["id"] for c in CITIZENS}


def _participant(name: str, role: str) -> dict[str, str]:
    """A participant; a citizen is named by id too, so he finds his invitation himself."""
    known = CITIZEN_IDS.get(name)
    return {"name": name, "role": role, **({"person_id": known} if known else {})}


def consent_text(w: World) -> None:
    w.add(
        ConsentText(
            version="2025-1",
            published_on=w.day(-500),
            title_da="Samtykke til at dele oplysninger i din helhedsorienterede indsats",
            title_en="Consent to share information in your holistic intervention",
            body_da=CONSENT_TEXT_DA,
            body_en=CONSENT_TEXT_EN,
        )
    )


def consent(
    w: World,
    person_id: str,
    *,
    granted: int,
    months: int,
    scopes: list[tuple[str, str]],
    purpose: str,
    granted_by: tuple[str, str, str],
    withdrawn: int | None = None,
) -> str:
    key = person_id.removeprefix("p-")
    consent_id = f"c-{key}"
    granted_at = w.at(granted, 10, 30)
    withdrawn_at = w.at(withdrawn, 20, 15) if withdrawn is not None else None
    row = Consent(
        id=consent_id,
        person_id=person_id,
        purpose=purpose,
        legal_basis=LEGAL_CONSENT,
        text_version="2025-1",
        granted_by_id=granted_by[0],
        granted_by_name=granted_by[1],
        granted_by_kind=granted_by[2],
        granted_at=granted_at,
        expires_at=add_months(granted_at, months),
        withdrawn_at=withdrawn_at,
    )
    row.scopes = [
        ConsentScope(
            id=f"cs-{key}-{n}",
            position=n,
            department=d,
            information=info,
            withdrawn_at=withdrawn_at,
        )
        for n, (d, info) in enumerate(scopes, start=1)
    ]
    kind = "self" if granted_by[2] == "self" else "guardian"
    actor_kind = "citizen" if kind == "self" else "guardian"
    row.events = [
        ConsentEvent(
            id=f"ce-{key}-1",
            kind="granted",
            at=granted_at,
            actor_id=granted_by[0],
            actor_name=granted_by[1],
            actor_kind=actor_kind,
            departments=[d for d, _ in scopes],
            text_version="2025-1",
        )
    ]
    if withdrawn_at:
        row.events.append(
            ConsentEvent(
                id=f"ce-{key}-2",
                kind="withdrawn",
                at=withdrawn_at,
                actor_id=granted_by[0],
                actor_name=granted_by[1],
                actor_kind=actor_kind,
                departments=[d for d, _ in scopes],
                text_version="2025-1",
            )
        )
    w.add(row)
    return consent_id


def responses(
    w: World,
    person_id: str,
    instrument_id: str,
    rows: list[tuple[int, list[int]]],
    goals: list[tuple[str, str]] | None = None,
) -> None:
    """Rows: (days ago as a negative offset, values in item order)."""
    key = person_id.removeprefix("p-")
    person = w.s.get(Person, person_id)
    assert person is not None
    instrument = INSTRUMENTS[instrument_id]
    for n, (offset, values) in enumerate(rows, start=1):
        item_ids = [g for g, _ in goals] if goals else [i["id"] for i in instrument["items"]]
        answers = dict(zip(item_ids, values, strict=True))
        shaped = dict(instrument, items=[{"id": i} for i in item_ids])
        raw, reported = score(shaped, answers)
        w.add(
            QuestionnaireResponse(
                id=f"qr-{key}-{instrument_id}-{n}",
                person_id=person_id,
                instrument_id=instrument_id,
                instrument_version=instrument["version"],
                language="da",
                answers=[{"item_id": i, "value": v} for i, v in answers.items()],
                item_labels={g: {"da": t, "en": t} for g, t in goals} if goals else {},
                raw=raw,
                reported=reported,
                answered_at=w.at(offset, 19, 40),
                answered_by_id=person_id,
                answered_by_name=person.name,
                basis="self",
            )
        )


def log(
    w: World,
    person_id: str,
    offset: int,
    hour: int,
    actor: tuple[str, str, str],
    action: str,
    resource: str,
    basis: str,
    purpose: str | None = None,
    outcome: str = "allowed",
) -> None:
    w.add(
        AccessLogEntry(
            id=w.next_id(f"log-{person_id.removeprefix('p-')}"),
            person_id=person_id,
            at=w.at(offset, hour, 12),
            actor_id=actor[0],
            actor_name=actor[1],
            actor_kind=actor[2],
            action=action,
            resource=resource,
            basis=basis,
            purpose=purpose,
            outcome=outcome,
        )
    )


def jonas(w: World) -> None:
    plan(
        w,
        "p-jonas",
        goal="Jeg vil have styr på min egen lejlighed og i gang med at blive tømrer.",
        cadence=6,
        start_offset=-200,
        follow_up=18,
        version=4,
        members=[("p-jonas", "citizen", f"{LAB} (uddannelsespålæg) og {SEL85}")],
        sector_plans=[
            {
                "key": "job",
                "title": "Min Plan",
                "law_area": "Beskæftigelse",
                "legal_basis": LAB,
                "department": "employment",
                "goals": [
                    "Uddannelsespålæg: start på en erhvervsuddannelse",
                    "Virksomhedspraktik som tømrer",
                ],
                "responsible": f"{JOBCENTER}, Ungeenheden",
                "url": MIN_PLAN_URL,
                "updated": -12,
            },
            {
                "key": "social",
                "title": "Handleplan",
                "law_area": "Socialområdet",
                "legal_basis": "servicelovens § 141",
                "department": "social",
                "goals": ["Klare egen post og økonomi", "Beholde egen bolig"],
                "responsible": f"{KOMMUNE}, Voksenområdet",
            },
            {
                "key": "kui",
                "title": "Uddannelsesplan",
                "law_area": "Kommunal ungeindsats",
                "legal_basis": KUI,
                "department": "youth_education",
                "goals": ["Vælge uddannelse og søge optagelse"],
                "responsible": "Ungeindsatsen, UU-vejledningen",
            },
        ],
        interventions=[
            {
                "key": "bostotte",
                "title": "Bostøtte (socialpædagogisk støtte)",
                "description": "3 timer om ugen i dit hjem: post, budget og faste rutiner.",
                "department": "social",
                "legal_basis": SEL85,
                "provider": f"{KOMMUNE}, Bostøtteteamet",
                "start": -180,
                "end": None,
                "status": "active",
                "sector": "social",
            },
            {
                "key": "mentor",
                "title": "Mentorstøtte",
                "description": "En mentor, der hjælper dig godt i gang i praktikken.",
                "department": "employment",
                "legal_basis": f"{LAB} (mentorstøtte)",
                "provider": f"{JOBCENTER}, Ungeenheden",
                "start": -120,
                "end": 120,
                "status": "active",
                "sector": "job",
            },
            {
                "key": "praktik",
                "title": "Virksomhedspraktik",
                "description": "Praktik hos en tømrer 3 dage om ugen.",
                "department": "employment",
                "legal_basis": f"{LAB} (virksomhedspraktik)",
                "provider": "Tømrer Hansen & Co. (praktiksted)",
                "start": 14,
                "end": 70,
                "status": "planned",
                "sector": "job",
            },
            {
                "key": "uu",
                "title": "Uddannelsesvejledning",
                "description": "Hjælp til at vælge og søge ind på grundforløbet.",
                "department": "youth_education",
                "legal_basis": KUI,
                "provider": "Ungeindsatsen, UU-vejledningen",
                "start": -200,
                "end": None,
                "status": "active",
                "sector": "kui",
            },
        ],
        sub_goals=[
            {
                "title": "Jeg er startet på grundforløbet til tømrer",
                "status": "in_progress",
                "target": 250,
                "department": "youth_education",
                "interventions": ["uu"],
            },
            {
                "title": "Jeg klarer min post og mine regninger selv",
                "status": "in_progress",
                "target": 90,
                "department": "social",
                "interventions": ["bostotte"],
            },
            {
                "title": "Jeg møder op i praktik 3 dage om ugen",
                "status": "not_started",
                "target": 70,
                "department": "employment",
                "interventions": ["praktik", "mentor"],
            },
            {
                "title": "Jeg sover om natten og står op om morgenen",
                "status": "achieved",
                "target": -30,
                "department": None,
            },
        ],
        benefits=[("Uddannelseshjælp", "employment", "Lov om aktiv socialpolitik")],
        agreements=[
            {
                "what": "Jonas sender ansøgningen til grundforløbet. UU-vejlederen hjælper.",
                "responsible": "Jonas og Mads Kristensen (UU-vejleder)",
                "agreed": -20,
                "due": 21,
            },
            {
                "what": "Bostøtten hjælper med at lave et budget i netbanken.",
                "responsible": "Sara Mikkelsen (bostøtte)",
                "agreed": -20,
                "due": 10,
            },
            {
                "what": "Jobkonsulenten finder et praktiksted.",
                "responsible": "Camilla Juhl (jobkonsulent)",
                "agreed": -45,
                "due": -10,
                "status": "done",
            },
        ],
    )
    contacts(
        w,
        "p-jonas",
        [
            LENE,
            (
                "housing_support",
                "Bostøtte",
                "Sara Mikkelsen",
                f"{KOMMUNE}, Bostøtteteamet",
                "+45 70 00 02 11",
                "sara.mikkelsen@nordby.example",
                "Hverdage kl. 8-16",
                "Post, budget, rengøring og faste rutiner i hjemmet.",
            ),
            (
                "youth_guidance_counsellor",
                "UU-vejleder",
                "Mads Kristensen",
                "Ungeindsatsen",
                "+45 70 00 02 12",
                "mads.kristensen@nordby.example",
                "Mandag-fredag kl. 9-14",
                "Valg af uddannelse og ansøgning.",
            ),
            (
                "job_consultant",
                "Jobkonsulent",
                "Camilla Juhl",
                f"{JOBCENTER}, Ungeenheden",
                "+45 70 00 02 13",
                "camilla.juhl@nordby.example",
                "Tirsdag og torsdag kl. 9-15",
                "Praktik, job og din plan i jobcentret (Min Plan).",
            ),
            (
                "mentor",
                "Mentor",
                "Henrik Lauridsen",
                f"{JOBCENTER}, Mentorkorpset",
                "+45 70 00 02 14",
                None,
                "Efter aftale",
                "Støtte de første uger i praktikken.",
            ),
        ],
    )
    appointment(
        w,
        "p-jonas",
        1,
        title="Opfølgning på din plan",
        purpose="Vi ser på dine delmål og aftaler, hvad der skal ske de næste uger.",
        day=-20,
        hour=10,
        address="Rådhuset, Torvet 1, 8900 Nordby",
        room="Mødelokale 2",
        participants=[
            ("Jonas Holm Nielsen", "borger"),
            ("Lene Bach", "koordinerende sagsbehandler"),
            ("Sara Mikkelsen", "bostøtte"),
        ],
        status="held",
    )
    appointment(
        w,
        "p-jonas",
        2,
        title="Samtale med jobkonsulent",
        purpose="Praktiksted og start på praktik.",
        day=-6,
        hour=13,
        kind="phone",
        participants=[("Jonas Holm Nielsen", "borger"), ("Camilla Juhl", "jobkonsulent")],
        status="held",
        organiser="Camilla Juhl, jobkonsulent",
    )
    appointment(
        w,
        "p-jonas",
        3,
        title="Møde med UU-vejleder",
        purpose="Ansøgning til grundforløbet til tømrer.",
        day=5,
        hour=11,
        kind="video",
        participants=[("Jonas Holm Nielsen", "borger"), ("Mads Kristensen", "UU-vejleder")],
        organiser="Mads Kristensen, UU-vejleder",
    )
    appointment(
        w,
        "p-jonas",
        4,
        title="Opfølgningsmøde",
        purpose="Opfølgning på din samlede plan med alle, der hjælper dig.",
        day=18,
        hour=9,
        minutes=90,
        address="Rådhuset, Torvet 1, 8900 Nordby",
        room="Mødelokale 2",
        participants=[
            ("Jonas Holm Nielsen", "borger"),
            ("Lene Bach", "koordinerende sagsbehandler"),
            ("Sara Mikkelsen", "bostøtte"),
            ("Camilla Juhl", "jobkonsulent"),
        ],
    )
    appointment(
        w,
        "p-jonas",
        5,
        title="Besøg af bostøtten",
        purpose="Budget i netbanken.",
        day=9,
        hour=14,
        address="Hjemme hos dig",
        participants=[("Jonas Holm Nielsen", "borger"), ("Sara Mikkelsen", "bostøtte")],
        status="cancelled",
        organiser="Sara Mikkelsen, bostøtte",
    )
    consent(
        w,
        "p-jonas",
        granted=-200,
        months=12,
        purpose="At lave og følge én samlet plan for din helhedsorienterede indsats.",
        scopes=[
            ("employment", "Oplysninger om din uddannelse, praktik og ydelse"),
            ("social", "Oplysninger om din bostøtte og din bolig"),
            ("youth_education", "Oplysninger om din uddannelsesplan"),
        ],
        granted_by=("p-jonas", "Jonas Holm Nielsen", "self"),
    )
    goals = [
        ("sg-jonas-1", "Jeg er startet på grundforløbet til tømrer"),
        ("sg-jonas-2", "Jeg klarer min post og mine regninger selv"),
        ("sg-jonas-3", "Jeg møder op i praktik 3 dage om ugen"),
    ]
    responses(
        w,
        "p-jonas",
        "who-5",
        [(-127, [2, 2, 1, 1, 2]), (-85, [2, 3, 2, 2, 2]), (-43, [3, 3, 3, 2, 3])],
    )
    responses(
        w,
        "p-jonas",
        "plan-goals",
        [(-85, [2, 3, 0]), (-43, [4, 5, 1]), (-10, [5, 6, 2])],
        goals=goals,
    )
    responses(w, "p-jonas", "experience", [(-30, [4, 3, 5, 4, 3, 4])])
    lene = ("cw-lene", "Lene Bach", "caseworker")
    me = ("p-jonas", "Jonas Holm Nielsen", "citizen")
    log(
        w,
        "p-jonas",
        -20,
        9,
        lene,
        "preview",
        "plan",
        "caseworker_preview",
        "Forberedelse af opfølgningsmøde",
    )
    log(w, "p-jonas", -6, 18, me, "read", "plan", "self")
    log(w, "p-jonas", -2, 21, me, "read", "appointments", "self")


def mette(w: World) -> None:
    plan(
        w,
        "p-mette",
        goal=(
            "Jeg vil have mere overskud i hverdagen "
            "og prøve kræfter med et job nogle timer om ugen."
        ),
        cadence=6,
        start_offset=-300,
        follow_up=12,
        version=7,
        members=[("p-mette", "citizen", f"{LAB} (ressourceforløb) og {SEL85}")],
        sector_plans=[
            {
                "key": "job",
                "title": "Min Plan",
                "law_area": "Beskæftigelse (ressourceforløb)",
                "legal_basis": LAB,
                "department": "employment",
                "goals": ["Afklaring af arbejdsevne", "Praktik med få timer om ugen"],
                "responsible": f"{JOBCENTER}, Rehabiliteringsteamet",
                "url": MIN_PLAN_URL,
                "updated": -15,
            },
            {
                "key": "social",
                "title": "Handleplan",
                "law_area": "Socialområdet",
                "legal_basis": "servicelovens § 141",
                "department": "social",
                "goals": ["Faste rutiner i hjemmet", "Overblik over breve og aftaler"],
                "responsible": f"{KOMMUNE}, Voksenområdet",
            },
            {
                "key": "health",
                "title": "Forløbsplan i Sundhedscentret",
                "law_area": "Sundhed",
                "legal_basis": "sundhedslovens § 119",
                "department": "health",
                "goals": ["Mindre stress og bedre søvn"],
                "responsible": f"{KOMMUNE}, Sundhedscentret",
            },
        ],
        interventions=[
            {
                "key": "ressource",
                "title": "Ressourceforløb",
                "description": (
                    "Et forløb med en rehabiliteringsplan, "
                    "hvor vi sammen finder ud af, hvad du kan."
                ),
                "department": "employment",
                "legal_basis": f"{LAB} (ressourceforløb)",
                "provider": f"{JOBCENTER}, Rehabiliteringsteamet",
                "start": -300,
                "end": 430,
                "status": "active",
                "sector": "job",
            },
            {
                "key": "bostotte",
                "title": "Bostøtte (socialpædagogisk støtte)",
                "description": "2 besøg om ugen: rutiner, breve og aftaler.",
                "department": "social",
                "legal_basis": SEL85,
                "provider": f"{KOMMUNE}, Bostøtteteamet",
                "start": -280,
                "end": None,
                "status": "active",
                "sector": "social",
            },
            {
                "key": "mentor",
                "title": "Mentorstøtte",
                "description": "En mentor, der går med til de første praktikdage.",
                "department": "employment",
                "legal_basis": f"{LAB} (mentorstøtte)",
                "provider": f"{JOBCENTER}",
                "start": -60,
                "end": 120,
                "status": "active",
                "sector": "job",
            },
            {
                "key": "stress",
                "title": "Stressforløb",
                "description": "8 gange i hold i Sundhedscentret.",
                "department": "health",
                "legal_basis": "sundhedslovens § 119",
                "provider": f"{KOMMUNE}, Sundhedscentret",
                "start": 10,
                "end": 66,
                "status": "planned",
                "sector": "health",
            },
        ],
        sub_goals=[
            {
                "title": "Jeg har en fast døgnrytme",
                "status": "in_progress",
                "target": 60,
                "department": "social",
                "interventions": ["bostotte"],
            },
            {
                "title": "Jeg er i praktik 6 timer om ugen",
                "status": "not_started",
                "target": 120,
                "department": "employment",
                "interventions": ["ressource", "mentor"],
            },
            {
                "title": "Jeg går en tur hver dag",
                "status": "in_progress",
                "target": 45,
                "department": "health",
                "interventions": ["stress"],
            },
            {
                "title": "Jeg bruger en kalender til mine aftaler",
                "status": "achieved",
                "target": -40,
                "department": "social",
            },
        ],
        benefits=[("Ressourceforløbsydelse", "employment", "Lov om aktiv socialpolitik")],
        agreements=[
            {
                "what": "Mette tilmelder sig stressforløbet i Sundhedscentret.",
                "responsible": "Mette (bostøtten hjælper)",
                "agreed": -14,
                "due": 7,
            },
            {
                "what": "Jobcentret finder et praktiksted med 6 timer om ugen.",
                "responsible": f"{JOBCENTER}",
                "agreed": -14,
                "due": 30,
            },
            {
                "what": "Bostøtten og Mette laver en ugeplan.",
                "responsible": "Birgitte Holm (bostøtte)",
                "agreed": -40,
                "due": -20,
                "status": "done",
            },
        ],
    )
    contacts(
        w,
        "p-mette",
        [
            LENE,
            (
                "housing_support",
                "Bostøtte",
                "Birgitte Holm",
                f"{KOMMUNE}, Bostøtteteamet",
                "+45 70 00 03 11",
                "birgitte.holm@nordby.example",
                "Hverdage kl. 8-16",
                "Rutiner, breve og aftaler i hverdagen.",
            ),
            (
                "job_consultant",
                "Jobkonsulent",
                "Camilla Juhl",
                f"{JOBCENTER}, Rehabiliteringsteamet",
                "+45 70 00 02 13",
                "camilla.juhl@nordby.example",
                "Tirsdag og torsdag kl. 9-15",
                "Ressourceforløbet og praktik.",
            ),
            (
                "mentor",
                "Mentor",
                "Jesper Dahl",
                f"{JOBCENTER}",
                "+45 70 00 03 12",
                None,
                "Efter aftale",
                "Følges med dig de første dage i praktik.",
            ),
        ],
    )
    appointment(
        w,
        "p-mette",
        1,
        title="Opfølgning på din plan",
        purpose="Vi taler om, hvordan det går, og om praktikken.",
        day=2,
        hour=10,
        address=f"{JOBCENTER}, Havnevej 4, 8900 Nordby",
        room="Stue 3",
        participants=[
            ("Mette Lund Sørensen", "borger"),
            ("Lene Bach", "koordinerende sagsbehandler"),
            ("Birgitte Holm", "bostøtte"),
        ],
    )
    appointment(
        w,
        "p-mette",
        2,
        title="Møde i rehabiliteringsteamet",
        purpose="Rehabiliteringsteamet ser på din plan for ressourceforløbet.",
        day=12,
        hour=13,
        minutes=45,
        kind="video",
        participants=[
            ("Mette Lund Sørensen", "borger"),
            ("Lene Bach", "koordinerende sagsbehandler"),
            ("Camilla Juhl", "jobkonsulent"),
        ],
        status="moved",
        moved_from=8,
    )
    appointment(
        w,
        "p-mette",
        3,
        title="Samtale med bostøtten",
        purpose="Ugeplan og breve.",
        day=-14,
        hour=9,
        address="Hjemme hos dig",
        participants=[("Mette Lund Sørensen", "borger"), ("Birgitte Holm", "bostøtte")],
        status="held",
        organiser="Birgitte Holm, bostøtte",
    )
    appointment(
        w,
        "p-mette",
        4,
        title="Opfølgning på din plan",
        purpose="Status på delmål.",
        day=-40,
        hour=10,
        address=f"{JOBCENTER}, Havnevej 4, 8900 Nordby",
        room="Stue 3",
        participants=[
            ("Mette Lund Sørensen", "borger"),
            ("Lene Bach", "koordinerende sagsbehandler"),
        ],
        status="held",
    )
    consent(
        w,
        "p-mette",
        granted=-345,
        months=12,
        purpose="At lave og følge én samlet plan for din helhedsorienterede indsats.",
        scopes=[
            ("employment", "Oplysninger om dit ressourceforløb og din ydelse"),
            ("social", "Oplysninger om din bostøtte"),
            ("health", "Oplysninger om dit forløb i Sundhedscentret"),
        ],
        granted_by=("p-mette", "Mette Lund Sørensen", "self"),
    )
    goals = [
        ("sg-mette-1", "Jeg har en fast døgnrytme"),
        ("sg-mette-2", "Jeg er i praktik 6 timer om ugen"),
        ("sg-mette-3", "Jeg går en tur hver dag"),
    ]
    responses(
        w,
        "p-mette",
        "who-5",
        [
            (-169, [1, 1, 1, 0, 1]),
            (-127, [2, 1, 1, 1, 2]),
            (-85, [2, 2, 2, 1, 2]),
            (-43, [3, 2, 2, 2, 3]),
        ],
    )
    responses(w, "p-mette", "plan-goals", [(-85, [3, 0, 4]), (-43, [5, 1, 6])], goals=goals)
    responses(w, "p-mette", "experience", [(-43, [4, 4, 5, 5, 3, 4])])
    lene = ("cw-lene", "Lene Bach", "caseworker")
    me = ("p-mette", "Mette Lund Sørensen", "citizen")
    bent = ("p-bent", "Bent Nielsen", "representative")
    log(
        w,
        "p-mette",
        -40,
        8,
        lene,
        "preview",
        "plan",
        "caseworker_preview",
        "Forberedelse af opfølgningsmøde",
    )
    log(
        w,
        "p-mette",
        -5,
        10,
        ("system", "System", "system"),
        "read",
        "consents",
        "system",
        "Daglig kontrol af samtykkers udløb",
    )
    log(w, "p-mette", -3, 19, bent, "read", "appointments", "power_of_attorney")
    log(w, "p-mette", -1, 20, me, "read", "plan", "self")


ECONOMY_DUE = 7  # Anders's economy information: agreed in Emma's plan, asked for in her case


def emma(w: World) -> None:
    plan(
        w,
        "p-emma",
        goal="Jeg vil gerne på efterskole og have ro til at lære.",
        cadence=8,
        start_offset=14,
        follow_up=30,
        version=2,
        members=[
            ("p-emma", "child", "Barnets Lov § 32 og § 35, stk. 4"),
            ("p-anders", "parent", "Barnets Lov § 32 (familiebehandling)"),
        ],
        sector_plans=[
            {
                "key": "barn",
                "title": "Barnets plan",
                "law_area": "Børn og familie",
                "legal_basis": "Barnets Lov",
                "department": "children_family",
                "goals": ["Trivsel i skolen", "Et godt efterskoleår"],
                "responsible": f"{KOMMUNE}, Børn og Familie",
            },
            {
                "key": "kui",
                "title": "Uddannelsesplan",
                "law_area": "Kommunal ungeindsats",
                "legal_basis": KUI,
                "department": "youth_education",
                "goals": ["Blive uddannelsesparat i 9. klasse"],
                "responsible": "Ungeindsatsen, UU-vejledningen",
            },
        ],
        interventions=[
            {
                "key": "kontakt",
                "members": ["p-emma"],
                "title": "Fast kontaktperson",
                "description": "En voksen, du ser hver uge.",
                "department": "children_family",
                "legal_basis": "Barnets Lov § 32",
                "provider": f"{KOMMUNE}, Børn og Familie",
                "start": -150,
                "end": 215,
                "status": "active",
                "sector": "barn",
            },
            {
                "key": "efterskole",
                "members": ["p-emma"],
                "title": "Økonomisk støtte til efterskoleophold",
                "description": "Ansøgningen er under behandling.",
                "department": "children_family",
                "legal_basis": "Barnets Lov § 35, stk. 4",
                "provider": f"{KOMMUNE}, Børn og Familie",
                "start": 250,
                "end": 580,
                "status": "planned",
                "sector": "barn",
            },
            {
                "key": "familie",
                "members": ["p-emma", "p-anders"],
                "title": "Familiebehandling",
                "description": "Samtaler for Emma og hendes far.",
                "department": "children_family",
                "legal_basis": "Barnets Lov § 32",
                "provider": "Familiehuset Nordby",
                "start": -90,
                "end": 90,
                "status": "active",
                "sector": "barn",
            },
            {
                "key": "uu",
                "members": ["p-emma"],
                "title": "Uddannelsesvejledning",
                "description": "Vejledning om efterskole og ungdomsuddannelse.",
                "department": "youth_education",
                "legal_basis": KUI,
                "provider": "Ungeindsatsen, UU-vejledningen",
                "start": -60,
                "end": None,
                "status": "active",
                "sector": "kui",
            },
        ],
        sub_goals=[
            {
                "title": "Jeg kommer på efterskole efter sommerferien",
                "status": "in_progress",
                "target": 250,
                "department": "children_family",
                "interventions": ["efterskole"],
            },
            {
                "title": "Jeg går i skole hver dag",
                "status": "in_progress",
                "target": 90,
                "department": "school",
                "interventions": ["kontakt"],
            },
        ],
        benefits=[],
        agreements=[
            {
                "what": "Anders sender oplysninger om økonomi til ansøgningen.",
                "responsible": "Anders Kjær Poulsen (far)",
                "person": "p-anders",
                "agreed": -21,
                "due": ECONOMY_DUE,
            },
            {
                "what": "Sagsbehandleren indhenter udtalelse fra skolen og PPR.",
                "responsible": "Lene Bach",
                "agreed": -21,
                "due": 14,
            },
        ],
    )
    w.add(
        Case(
            id="case-emma-efterskole",
            person_id="p-emma",
            title="Ansøgning om økonomisk støtte til efterskoleophold",
            department="children_family",
            legal_basis="Barnets Lov § 35, stk. 4",
            status="in_progress",
            received_on=w.day(-21),
            decision_due=w.day(35),
            caseworker_id="cw-lene",
        )
    )
    w.s.flush()
    steps = [
        ("application_received", "Ansøgning modtaget", "done", -21),
        ("statements_gathered", "Vi beder skolen og PPR om en udtalelse", "current", None),
        ("meeting", "Møde med Emma og hendes far", "pending", None),
        ("decision", "Afgørelse", "pending", None),
    ]
    for n, (step_key, title, status, done) in enumerate(steps, start=1):
        w.add(
            CaseStep(
                id=f"step-emma-{n}",
                case_id="case-emma-efterskole",
                position=n,
                key=step_key,
                title=title,
                status=status,
                completed_on=w.day(done) if done is not None else None,
            )
        )
    documents = [
        ("Ansøgningsskema", "Anders Kjær Poulsen (far)", "received", -21, 14),
        ("Udtalelse fra skolen", "Nordby Skole, klasselærer", "missing", None, 14),
        ("Udtalelse fra PPR", "PPR (Pædagogisk Psykologisk Rådgivning)", "missing", None, 14),
        # One date for Anders: the day agreed in the plan, not a later one of the case.
        (
            "Oplysninger om familiens økonomi",
            "Anders Kjær Poulsen (far)",
            "missing",
            None,
            ECONOMY_DUE,
        ),
    ]
    for n, (title, who, status, received, due) in enumerate(documents, start=1):
        w.add(
            MissingDocument(
                id=f"doc-emma-{n}",
                case_id="case-emma-efterskole",
                position=n,
                title=title,
                provided_by=who,
                requested_on=w.day(-20),
                due_on=w.day(due),
                status=status,
                received_on=w.day(received) if received is not None else None,
                uploadable=status == "missing",
            )
        )
    contacts(
        w,
        "p-emma",
        [
            LENE,
            (
                "contact_person",
                "Fast kontaktperson",
                "Nanna Friis",
                f"{KOMMUNE}, Børn og Familie",
                "+45 70 00 04 11",
                "nanna.friis@nordby.example",
                "Hverdage kl. 12-18",
                "Hvis du vil snakke om skolen, hjemme eller efterskolen.",
            ),
            (
                "youth_guidance_counsellor",
                "UU-vejleder",
                "Mads Kristensen",
                "Ungeindsatsen",
                "+45 70 00 02 12",
                "mads.kristensen@nordby.example",
                "Mandag-fredag kl. 9-14",
                "Efterskole og valg af uddannelse.",
            ),
        ],
    )
    appointment(
        w,
        "p-emma",
        1,
        title="Møde om efterskoleansøgningen",
        purpose="Vi gennemgår ansøgningen og udtalelserne sammen med dig og din far.",
        day=16,
        hour=15,
        address="Rådhuset, Torvet 1, 8900 Nordby",
        room="Mødelokale 4",
        participants=[
            ("Emma Kjær Poulsen", "borger"),
            ("Anders Kjær Poulsen", "forælder"),
            ("Lene Bach", "koordinerende sagsbehandler"),
        ],
    )
    appointment(
        w,
        "p-emma",
        2,
        title="Samtale med din kontaktperson",
        purpose="Hvordan går det i skolen?",
        day=-7,
        hour=15,
        address="Familiehuset, Skolegade 12, 8900 Nordby",
        participants=[("Emma Kjær Poulsen", "borger"), ("Nanna Friis", "fast kontaktperson")],
        status="held",
        organiser="Nanna Friis, fast kontaktperson",
    )
    consent(
        w,
        "p-emma",
        granted=-160,
        months=12,
        purpose="At lave og følge én samlet plan for Emmas forløb.",
        scopes=[
            ("children_family", "Oplysninger om Emmas sag i Børn og Familie"),
            ("school", "Oplysninger om Emmas skolegang og fravær"),
            ("youth_education", "Oplysninger om Emmas uddannelsesplan"),
        ],
        granted_by=("p-anders", "Anders Kjær Poulsen", "guardian"),
    )
    log(
        w,
        "p-emma",
        -4,
        20,
        ("p-anders", "Anders Kjær Poulsen", "guardian"),
        "read",
        "cases",
        "custody",
    )


KARIM_WITHDREW = -10


def karim(w: World) -> None:
    plan(
        w,
        "p-karim",
        goal="Jeg vil ud af misbruget og have et sted at bo, der er mit.",
        cadence=4,
        updated=KARIM_WITHDREW - 2,  # last agreed while he still consented
        start_offset=-100,
        follow_up=20,
        version=3,
        members=[("p-karim", "citizen", f"{SEL85} og sundhedslovens § 141")],
        sector_plans=[
            {
                "key": "social",
                "title": "Handleplan",
                "law_area": "Socialområdet",
                "legal_basis": "servicelovens § 141",
                "department": "social",
                "goals": ["Stabil bolig"],
                "responsible": f"{KOMMUNE}, Voksenområdet",
            },
            {
                "key": "job",
                "title": "Min Plan",
                "law_area": "Beskæftigelse",
                "legal_basis": LAB,
                "department": "employment",
                "goals": ["Afklaring"],
                "responsible": JOBCENTER,
                "url": MIN_PLAN_URL,
            },
        ],
        interventions=[
            {
                "key": "misbrug",
                "title": "Misbrugsbehandling (ambulant)",
                "department": "health",
                "legal_basis": "sundhedslovens § 141 og servicelovens § 101",
                "provider": "Rusmiddelcenter Nordby",
                "start": -100,
                "end": 80,
                "status": "active",
            },
            {
                "key": "bostotte",
                "title": "Bostøtte (socialpædagogisk støtte)",
                "department": "social",
                "legal_basis": SEL85,
                "provider": f"{KOMMUNE}, Bostøtteteamet",
                "start": -90,
                "end": None,
                "status": "active",
                "sector": "social",
            },
        ],
        sub_goals=[
            {
                "title": "Jeg møder op til behandling hver uge",
                "status": "in_progress",
                "target": 80,
                "department": "health",
                "interventions": ["misbrug"],
            },
            {
                "title": "Jeg har min egen lejekontrakt",
                "status": "not_started",
                "target": 180,
                "department": "social",
                "interventions": ["bostotte"],
            },
        ],
        benefits=[("Kontanthjælp", "employment", "Lov om aktiv socialpolitik")],
        agreements=[
            {
                "what": "Karim og bostøtten søger bolig via boligselskabet.",
                "responsible": "Karim og bostøtten",
                "agreed": -30,
                "due": 30,
            }
        ],
    )
    contacts(w, "p-karim", [LENE])
    appointment(
        w,
        "p-karim",
        1,
        title="Opfølgning på din plan",
        purpose="Hvordan går behandlingen, og hvad med bolig?",
        day=20,
        hour=11,
        address="Rådhuset, Torvet 1, 8900 Nordby",
        room="Mødelokale 2",
        participants=[("Karim Hassan", "borger"), ("Lene Bach", "koordinerende sagsbehandler")],
    )
    consent_id = consent(
        w,
        "p-karim",
        granted=-120,
        months=12,
        purpose="At lave og følge én samlet plan for din helhedsorienterede indsats.",
        scopes=[
            ("social", "Oplysninger om din bostøtte"),
            ("health", "Oplysninger om din behandling"),
            ("employment", "Oplysninger om din ydelse"),
        ],
        granted_by=("p-karim", "Karim Hassan", "self"),
        withdrawn=KARIM_WITHDREW,
    )
    w.add(
        Notification(
            id="n-karim-withdrawn",
            caseworker_id="cw-lene",
            kind="consent_withdrawn",
            person_id="p-karim",
            consent_id=consent_id,
            appointment_id=None,
            message="Karim Hassan har trukket sit samtykke tilbage.",
            created_at=w.at(KARIM_WITHDREW, 20, 15),
            read_at=None,
        )
    )


def messages(w: World) -> None:
    """Mette's conversation with Lene; Karim's decision with complaint guidance."""
    w.add(
        Conversation(
            id="cv-mette-lene",
            person_id="p-mette",
            contact_id="ct-mette-1",
            last_message_at=w.at(-1, 10, 14),
        ),
        Message(
            id="m-mette-1",
            conversation_id="cv-mette-lene",
            author_kind="staff",
            author_id="cw-lene",
            author_name="Lene Bach",
            basis=None,
            body="Hej Mette. Husk at tage dit sygesikringskort med til mødet på torsdag. "
            "Skriv endelig, hvis du har spørgsmål til planen. Venlig hilsen Lene",
            letter_id=None,
            sent_at=w.at(-2, 9, 30),
            read_at=w.at(-2, 17, 5),
            read_by_name="Mette Lund Sørensen",
        ),
        Message(
            id="m-mette-2",
            conversation_id="cv-mette-lene",
            author_kind="citizen",
            author_id="p-mette",
            author_name="Mette Lund Sørensen",
            basis="self",
            body="Tak, Lene. Må min søster komme med til mødet?",
            letter_id=None,
            sent_at=w.at(-2, 17, 12),
            read_at=w.at(-1, 10, 2),
            read_by_name="Lene Bach",
        ),
        Message(
            id="m-mette-3",
            conversation_id="cv-mette-lene",
            author_kind="staff",
            author_id="cw-lene",
            author_name="Lene Bach",
            basis=None,
            body="Ja, det er helt fint. Hun er velkommen.",
            letter_id=None,
            sent_at=w.at(-1, 10, 14),
            read_at=None,
            read_by_name=None,
        ),
    )
    sender = f"{KOMMUNE}, Socialafdelingen"
    decision, pdf = letter_with_pdf(
        Letter(
            id="l-karim-decision",
            person_id="p-karim",
            kind="decision",
            title="Afgørelse om bostøtte og misbrugsbehandling",
            department="social",
            sender=sender,
            sent_on=w.day(-3),
            read_at=None,
            summary="Vi har truffet én samlet afgørelse om den hjælp, du får fra "
            "Socialafdelingen og Sundhed.",
            decided="Du får bostøtte 3 timer om ugen fra 1. december. Du får også "
            "dagbehandling for dit misbrug 2 dage om ugen i 12 uger. Vi ser på det igen, "
            "når de 12 uger er gået.",
            legal_basis=f"{SEL85.capitalize()} og sundhedslovens § 141",
            complaint_to="Ankestyrelsen. Du sender klagen til os, og vi ser på sagen igen. "
            "Giver vi dig ikke ret, sender vi klagen videre til Ankestyrelsen.",
            complaint_weeks=4,
            complaint_how="Skriv til os her i Mit Overblik, ring til os eller send et brev. "
            "Skriv, hvad du er uenig i. Du behøver ikke bruge særlige ord.",
            complaint_contact_id="ct-karim-1",
        ),
        [
            "Kære Karim Hassan",
            "Vi har truffet én samlet afgørelse om den hjælp, du får.",
            "Du får bostøtte 3 timer om ugen fra 1. december og dagbehandling for dit "
            "misbrug 2 dage om ugen i 12 uger.",
            "Afgørelsen er truffet efter servicelovens § 85 og sundhedslovens § 141.",
            "Du kan klage inden 4 uger. Send klagen til Nordby Kommune, Socialafdelingen.",
            "Venlig hilsen Lene Bach, koordinerende sagsbehandler",
        ],
        sent_at=w.at(-3, 9, 0),
    )
    letter, letter_pdf = letter_with_pdf(
        Letter(
            id="l-karim-meeting",
            person_id="p-karim",
            kind="letter",
            title="Indkaldelse til opfølgningsmøde",
            department="social",
            sender=sender,
            sent_on=w.day(-12),
            read_at=w.at(-11, 8, 40),
            summary="Vi inviterer dig til et møde om din plan.",
            decided=None,
            legal_basis=None,
            complaint_to=None,
            complaint_weeks=None,
            complaint_how=None,
            complaint_contact_id=None,
        ),
        ["Kære Karim Hassan", "Vi inviterer dig til et møde om din plan hos Socialafdelingen."],
        sent_at=w.at(-12, 9, 0),
    )
    w.add(pdf, letter_pdf)
    w.s.flush()
    w.add(decision, letter)


def load(session: Session, today: date) -> None:
    w = World(session, today)
    reset(session)
    people(w)
    consent_text(w)
    session.flush()
    jonas(w)
    mette(w)
    emma(w)
    karim(w)
    session.flush()
    messages(w)
    log(w, "p-freja", -1, 12, ("p-freja", "Freja Dam", "citizen"), "read", "plan", "self")
    feed(w)
    session.commit()


def feed(w: World) -> None:
    """Some of the changes above as they would have come through the change feed."""
    session = w.s
    session.flush()
    mette_consent = session.get(Consent, "c-mette")
    rows = [
        ("appointment.moved", "p-mette", "appointments/ap-mette-2", -1,
         {"start_at": w.at(12, 13).isoformat(), "previous_start": w.at(8, 13).isoformat()}),
        ("information.requested", "p-emma", "cases/case-emma-efterskole", -20,
         {"document_id": "doc-emma-3", "due_on": w.day(14).isoformat()}),
        ("consent.withdrawn", "p-karim", "consents/c-karim", -10,
         {"departments": ["social", "health", "employment"], "whole": True}),
    ]  # fmt: skip
    if mette_consent is not None:
        rows.append(
            ("consent.expiring", "p-mette", "consents/c-mette", -2,
             {"expires_at": mette_consent.expires_at.astimezone(TZ).isoformat(),
              "departments": [s.department for s in mette_consent.scopes]})
        )  # fmt: skip
    for type_, person_id, resource, day, data in rows:
        w.add(
            Event(
                id=w.next_id("ev"),
                type=type_,
                person_id=person_id,
                resource=resource,
                at=w.at(day, 9),
                data=data,
            )
        )
