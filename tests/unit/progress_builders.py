"""Builders for questionnaire test data (instruments, due list, responses) as plan-API JSON."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from portal.clients.questionnaires import Instrument

WHO5_DA = (
    "Jeg har været glad og i godt humør",
    "Jeg har følt mig rolig og afslappet",
    "Jeg har følt mig aktiv og energisk",
    "Jeg er vågnet frisk og udhvilet",
    "Min dagligdag har været fyldt med ting, der interesserer mig",
)
WHO5_EN = (
    "I have felt cheerful and in good spirits",
    "I have felt calm and relaxed",
    "I have felt active and vigorous",
    "I woke up feeling fresh and rested",
    "My daily life has been filled with things that interest me",
)
WHO5_OPTIONS = (
    (5, "Hele tiden", "All of the time"),
    (4, "Det meste af tiden", "Most of the time"),
    (3, "Lidt mere end halvdelen af tiden", "More than half of the time"),
    (2, "Lidt mindre end halvdelen af tiden", "Less than half of the time"),
    (1, "Lidt af tiden", "Some of the time"),
    (0, "På intet tidspunkt", "At no time"),
)
EXPERIENCE = (
    "Jeg forstår målet med mine indsatser",
    "Mit forløb har været let at overskue",
    "Jeg har én primær kontaktperson",
    "Jeg har tillid til min sagsbehandler",
    "Medarbejderne samarbejder godt om mig",
    "Der er én samlet plan bag det, jeg får",
)


def text(da: str, en: str | None = None) -> dict[str, str]:
    return {"da": da, "en": en if en is not None else da}


def scale(
    scale_id: str, values: list[int], labels: dict[int, tuple[str, str]] | None = None
) -> dict[str, Any]:
    labels = labels or {}
    return {
        "id": scale_id,
        "min": min(values),
        "max": max(values),
        "options": [{"value": v, "label": text(*labels.get(v, (str(v), str(v))))} for v in values],
    }


def scoring(
    method: str,
    factor: float,
    raw: tuple[float, float],
    reported: tuple[int, int],
    offset: float = 0,
    note: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "method": method,
        "offset": offset,
        "factor": factor,
        "raw_min": raw[0],
        "raw_max": raw[1],
        "reported_min": reported[0],
        "reported_max": reported[1],
        "note": note,
    }


def item(
    item_id: str,
    position: int,
    da: str,
    en: str | None = None,
    scale_id: str = "s",
    sub_goal_id: str | None = None,
) -> dict[str, Any]:
    return {
        "id": item_id,
        "position": position,
        "text": text(da, en),
        "scale_id": scale_id,
        "sub_goal_id": sub_goal_id,
    }


def instrument_json(instrument_id: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": instrument_id,
        "version": 1,
        "title": text(instrument_id),
        "description": text("Beskrivelse", "Description"),
        "instructions": text("Vælg det svar, der passer bedst.", "Choose the best answer."),
        "languages": ["da", "en"],
        "source": {"name": "Nordby Kommune", "attribution": text("Nordby Kommune"), "url": None},
        "scales": [],
        "items": [],
        "scoring": scoring("mean", 1, (0, 10), (0, 10)),
        "generated": False,
        "estimated_minutes": 2,
    }
    data.update(fields)
    return data


def who5(**overrides: Any) -> dict[str, Any]:
    return instrument_json(
        "who-5",
        title=text("Trivsel (WHO-5)", "Well-being (WHO-5)"),
        description=text("Fem spørgsmål om din trivsel.", "Five questions on your well-being."),
        instructions=text(
            "Hvordan har du haft det i de sidste to uger?",
            "Over the last two weeks, how have you been?",
        ),
        source={
            "name": "WHO-5",
            "attribution": text(
                "WHO-5 Trivselsindeks. Psykiatrisk Center Nordsjælland, Region Hovedstaden.",
                "WHO-5 Well-Being Index. Psychiatric Centre North Zealand, Capital Region of "
                "Denmark.",
            ),
            "url": "https://www.psykiatri-regionh.dk/who-5/",
        },
        scales=[
            {
                "id": "who5",
                "min": 0,
                "max": 5,
                "options": [{"value": v, "label": text(da, en)} for v, da, en in WHO5_OPTIONS],
            }
        ],
        items=[
            item(f"who5-{i + 1}", i + 1, da, en, "who5")
            for i, (da, en) in enumerate(zip(WHO5_DA, WHO5_EN, strict=True))
        ],
        scoring=scoring(
            "sum",
            4,
            (0, 25),
            (0, 100),
            note=text(
                "Et trivselsindeks, ikke en diagnose.", "A well-being index, not a diagnosis."
            ),
        ),
        **overrides,
    )


def goals(*names: str, **overrides: Any) -> dict[str, Any]:
    names = names or ("Få en fast bolig", "Starte på uddannelse")
    return instrument_json(
        "plan-goals",
        title=text("Dine mål", "Your goals"),
        instructions=text("Hvor tæt er du på dit delmål?", "How close are you to your sub-goal?"),
        scales=[
            scale(
                "closeness",
                list(range(11)),
                {0: ("0 – langt fra", "0 – far from it"), 10: ("10 – nået", "10 – reached")},
            )
        ],
        items=[
            item(f"g-{i + 1}", i + 1, n, n, "closeness", f"sg-{i + 1}") for i, n in enumerate(names)
        ],
        scoring=scoring("mean", 1, (0, 10), (0, 10)),
        generated=True,
        **overrides,
    )


def experience(**overrides: Any) -> dict[str, Any]:
    labels = {
        1: ("Meget uenig", "Strongly disagree"),
        2: ("Uenig", "Disagree"),
        3: ("Hverken enig eller uenig", "Neither agree nor disagree"),
        4: ("Enig", "Agree"),
        5: ("Meget enig", "Strongly agree"),
    }
    return instrument_json(
        "experience",
        title=text("Dit forløb", "Your course"),
        scales=[scale("agree", [1, 2, 3, 4, 5], labels)],
        items=[item(f"x-{i + 1}", i + 1, s, s, "agree") for i, s in enumerate(EXPERIENCE)],
        scoring=scoring("mean", 25, (1, 5), (0, 100), offset=1),
        **overrides,
    )


def instrument(data: dict[str, Any]) -> Instrument:
    return Instrument.model_validate(data)


def due(
    instrument_id: str = "who-5",
    *,
    due_on: date = date(2025, 3, 10),
    status: str = "due",
    cadence_weeks: int = 4,
    last_answered_at: datetime | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    titles = {
        "who-5": text("Trivsel (WHO-5)", "Well-being (WHO-5)"),
        "plan-goals": text("Dine mål", "Your goals"),
        "experience": text("Dit forløb", "Your course"),
    }
    data: dict[str, Any] = {
        "instrument_id": instrument_id,
        "instrument_version": 1,
        "title": titles.get(instrument_id, text(instrument_id)),
        "status": status,
        "due_on": due_on.isoformat(),
        "cadence_weeks": cadence_weeks,
        "last_answered_at": last_answered_at.isoformat() if last_answered_at else None,
        "item_count": 5,
        "estimated_minutes": 2,
    }
    data.update(overrides)
    return data


def score(
    instrument_id: str = "who-5",
    *,
    at: datetime,
    reported: int,
    raw: float | None = None,
    items: dict[str, int] | None = None,
    reported_range: tuple[int, int] = (0, 100),
) -> dict[str, Any]:
    return {
        "response_id": f"r-{instrument_id}-{at:%Y%m%d%H%M}",
        "instrument_id": instrument_id,
        "answered_at": at.isoformat(),
        "raw": raw if raw is not None else reported / 4,
        "reported": reported,
        "reported_min": reported_range[0],
        "reported_max": reported_range[1],
        "items": [{"item_id": k, "value": v, "label": None} for k, v in (items or {}).items()],
    }


def stored_response(
    instrument_id: str, answers: dict[str, int], reported: int, at: datetime
) -> dict[str, Any]:
    """What submitResponse answers with (201)."""
    return {
        "id": f"r-{at:%Y%m%d%H%M}",
        "person": {"id": "p-mette", "name": "Mette Lund Sørensen"},
        "instrument_id": instrument_id,
        "instrument_version": 1,
        "language": "da",
        "answers": [{"item_id": k, "value": v} for k, v in answers.items()],
        "score": score(instrument_id, at=at, reported=reported, items=answers),
        "answered_at": at.isoformat(),
        "answered_by": {"id": "p-mette", "name": "Mette Lund Sørensen"},
        "basis": "self",
    }
