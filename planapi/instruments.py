"""Questionnaire instruments as data: versioned items, answer scales, scoring, da/en, source.

`plan-goals` is a template: its items are generated per person from the plan's active
sub-goals (their text is the plan's own wording, so Danish and English show the same text).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ACTIVE_SUB_GOAL = ("not_started", "in_progress")


def _t(da: str, en: str) -> dict[str, str]:
    return {"da": da, "en": en}


WHO5_SCALE = {
    "id": "who5-frequency",
    "min": 0,
    "max": 5,
    "options": [
        {"value": 5, "label": _t("Hele tiden", "All of the time")},
        {"value": 4, "label": _t("Det meste af tiden", "Most of the time")},
        {"value": 3, "label": _t("Lidt mere end halvdelen af tiden", "More than half of the time")},
        {
            "value": 2,
            "label": _t("Lidt mindre end halvdelen af tiden", "Less than half of the time"),
        },
        {"value": 1, "label": _t("Lidt af tiden", "Some of the time")},
        {"value": 0, "label": _t("På intet tidspunkt", "At no time")},
    ],
}

WHO5_ITEMS = [
    _t(
        "I de sidste 2 uger har jeg været glad og i godt humør",
        "Over the last two weeks I have felt cheerful and in good spirits",
    ),
    _t(
        "I de sidste 2 uger har jeg følt mig rolig og afslappet",
        "Over the last two weeks I have felt calm and relaxed",
    ),
    _t(
        "I de sidste 2 uger har jeg følt mig aktiv og energisk",
        "Over the last two weeks I have felt active and vigorous",
    ),
    _t(
        "I de sidste 2 uger er jeg vågnet frisk og udhvilet",
        "Over the last two weeks I woke up feeling fresh and rested",
    ),
    _t(
        "I de sidste 2 uger har min dagligdag været fyldt med ting, der interesserer mig",
        "Over the last two weeks my daily life has been filled with things that interest me",
    ),
]

WHO5: dict[str, Any] = {
    "id": "who-5",
    "version": 1,
    "title": _t("WHO-5 Trivselsindeks", "WHO-5 Well-Being Index"),
    "description": _t(
        "Fem spørgsmål om, hvordan du har haft det de sidste 2 uger. Det er et mål for "
        "trivsel, ikke en diagnose.",
        "Five questions about how you have been feeling over the last two weeks. It measures "
        "well-being; it is not a diagnosis.",
    ),
    "instructions": _t(
        "Angiv for hvert af de fem udsagn, hvad der er tættest på, hvordan du har følt dig "
        "i de sidste 2 uger.",
        "Please indicate for each of the five statements which is closest to how you have "
        "been feeling over the last two weeks.",
    ),
    "languages": ["da", "en"],
    "source": {
        "name": "WHO-5 Trivselsindeks, Psykiatrisk Center Nordsjælland",
        "attribution": _t(
            "WHO-5 Trivselsindeks. © Psykiatrisk Center Nordsjælland, Region Hovedstadens "
            "Psykiatri. Gengivet med den officielle danske ordlyd.",
            "WHO-5 Well-Being Index. © Psychiatric Research Unit, Mental Health Centre North "
            "Zealand. Reproduced with the official wording.",
        ),
        "url": "https://www.psykiatri-regionh.dk/who-5/",
    },
    "scales": [WHO5_SCALE],
    "items": [
        {
            "id": f"who5-{n}",
            "position": n,
            "text": text,
            "scale_id": "who5-frequency",
            "sub_goal_id": None,
        }
        for n, text in enumerate(WHO5_ITEMS, start=1)
    ],
    "scoring": {
        "method": "sum",
        "offset": 0,
        "factor": 4,
        "raw_min": 0,
        "raw_max": 25,
        "reported_min": 0,
        "reported_max": 100,
        "note": _t(
            "Summen (0-25) ganges med 4 og vises som 0-100. Et trivselsindeks, ikke en diagnose.",
            "The sum (0-25) is multiplied by 4 and shown as 0-100. A well-being index, not a "
            "diagnosis.",
        ),
    },
    "generated": False,
    "estimated_minutes": 1,
    "audience": "person",
}

GOAL_SCALE = {
    "id": "goal-0-10",
    "min": 0,
    "max": 10,
    "min_label": _t("Slet ikke nået", "Not reached at all"),
    "max_label": _t("Helt nået", "Fully reached"),
    "options": [{"value": v, "label": _t(str(v), str(v))} for v in range(11)],
}

PLAN_GOALS: dict[str, Any] = {
    "id": "plan-goals",
    "version": 1,
    "title": _t("Mine mål", "My goals"),
    "description": _t(
        "Hvor langt er du med målene i din plan?",
        "How far have you come with the goals in your plan?",
    ),
    "instructions": _t(
        "Sæt et tal fra 0 (slet ikke nået) til 10 (helt nået) for hvert mål.",
        "Give each goal a number from 0 (not reached at all) to 10 (fully reached).",
    ),
    "languages": ["da", "en"],
    "source": {
        "name": "Kommunens egne spørgsmål om planens mål",
        "attribution": _t(
            "Spørgsmålene er målene i din egen plan.",
            "The questions are the goals in your own plan.",
        ),
        "url": None,
    },
    "scales": [GOAL_SCALE],
    "items": [],
    "scoring": {
        "method": "mean",
        "offset": 0,
        "factor": 10,
        "raw_min": 0,
        "raw_max": 10,
        "reported_min": 0,
        "reported_max": 100,
        "note": None,
    },
    "generated": True,
    "estimated_minutes": 1,
    "audience": "person",
}

AGREE_SCALE = {
    "id": "agree-5",
    "min": 1,
    "max": 5,
    "options": [
        {"value": 1, "label": _t("Meget uenig", "Strongly disagree")},
        {"value": 2, "label": _t("Uenig", "Disagree")},
        {"value": 3, "label": _t("Hverken enig eller uenig", "Neither agree nor disagree")},
        {"value": 4, "label": _t("Enig", "Agree")},
        {"value": 5, "label": _t("Meget enig", "Strongly agree")},
    ],
}

# The wording, period and answer scale of the municipality's 2025 citizen survey on
# helhedsorienteret indsats, so that answers can be compared with that baseline (there,
# 7 of 16 agreed that their course had been easy to overview).
SURVEY_PERIOD = _t("Tænk på de seneste 12 måneder.", "Think of the last 12 months.")

EXPERIENCE_ITEMS = [
    (
        "exp-overview",
        _t(
            "Mit forløb med kommunen har været overskueligt",
            "My course with the municipality has been easy to overview",
        ),
    ),
    (
        "exp-contact",
        _t(
            "Jeg har haft én fast kontaktperson i kommunen",
            "I have had one regular contact person at the municipality",
        ),
    ),
    (
        "exp-goal",
        _t(
            "Jeg har forstået målet med den hjælp, jeg har fået",
            "I have understood the goal of the help I have received",
        ),
    ),
    (
        "exp-together",
        _t(
            "Medarbejderne i kommunen har arbejdet sammen om min situation",
            "The staff at the municipality have worked together on my situation",
        ),
    ),
    (
        "exp-one-plan",
        _t(
            "Jeg har haft én samlet plan for den hjælp, jeg får",
            "I have had one joint plan for the help I get",
        ),
    ),
    (
        "exp-trust",
        _t(
            "Jeg har haft tillid til de medarbejdere, jeg har mødt i kommunen",
            "I have trusted the staff I have met at the municipality",
        ),
    ),
]

PARENT_ITEMS = [
    (
        "par-overview",
        _t(
            "Mit barns forløb med kommunen har været overskueligt for mig",
            "My child's course with the municipality has been easy for me to overview",
        ),
    ),
    (
        "par-contact",
        _t(
            "Jeg har vidst, hvem jeg skulle kontakte i kommunen om mit barn",
            "I have known whom to contact at the municipality about my child",
        ),
    ),
    (
        "par-involved",
        _t(
            "Jeg er blevet inddraget i planen for mit barn",
            "I have been involved in the plan for my child",
        ),
    ),
    (
        "par-together",
        _t(
            "Medarbejderne i kommunen har arbejdet sammen om mit barns situation",
            "The staff at the municipality have worked together on my child's situation",
        ),
    ),
    (
        "par-trust",
        _t(
            "Jeg har haft tillid til de medarbejdere, jeg har mødt i kommunen",
            "I have trusted the staff I have met at the municipality",
        ),
    ),
]

SURVEY_SOURCE = {
    "name": "Borgerundersøgelsen om helhedsorienteret indsats (2025)",
    "attribution": _t(
        "Samme periode (de seneste 12 måneder) og samme svarskala som kommunens "
        "borgerundersøgelse om helhedsorienteret indsats i 2025, så svarene kan sammenlignes.",
        "The same period (the last 12 months) and the same answer scale as the municipality's "
        "2025 citizen survey on holistic interventions, so that answers can be compared.",
    ),
    "url": None,
}
MEAN_1_5 = {
    "method": "mean",
    "offset": 1,
    "factor": 25,
    "raw_min": 1,
    "raw_max": 5,
    "reported_min": 0,
    "reported_max": 100,
    "note": None,
}


def _agree_items(items: list[tuple[str, dict[str, str]]]) -> list[dict[str, Any]]:
    return [
        {"id": item_id, "position": n, "text": text, "scale_id": "agree-5", "sub_goal_id": None}
        for n, (item_id, text) in enumerate(items, start=1)
    ]


EXPERIENCE: dict[str, Any] = {
    "id": "experience",
    "version": 2,
    "audience": "person",
    "title": _t("Sådan oplever du forløbet", "Your experience of the course"),
    "description": _t(
        "Seks korte udsagn om, hvordan du har oplevet samarbejdet med kommunen.",
        "Six short statements about how you have experienced working with the municipality.",
    ),
    "instructions": _t(
        f"{SURVEY_PERIOD['da']} Hvor enig eller uenig er du i hvert udsagn?",
        f"{SURVEY_PERIOD['en']} How much do you agree or disagree with each statement?",
    ),
    "languages": ["da", "en"],
    "source": SURVEY_SOURCE,
    "scales": [AGREE_SCALE],
    "items": _agree_items(EXPERIENCE_ITEMS),
    "scoring": MEAN_1_5,
    "generated": False,
    "estimated_minutes": 1,
}

EXPERIENCE_PARENT: dict[str, Any] = {
    "id": "experience-parent",
    "version": 1,
    "audience": "family_member",
    "title": _t("Sådan oplever du som forælder forløbet", "Your experience as a parent"),
    "description": _t(
        "Fem korte udsagn om, hvordan du som forælder har oplevet samarbejdet med kommunen. "
        "Du svarer for dig selv, ikke for dit barn.",
        "Five short statements about how you as a parent have experienced working with the "
        "municipality. You answer for yourself, not for your child.",
    ),
    "instructions": _t(
        f"{SURVEY_PERIOD['da']} Hvor enig eller uenig er du i hvert udsagn?",
        f"{SURVEY_PERIOD['en']} How much do you agree or disagree with each statement?",
    ),
    "languages": ["da", "en"],
    "source": SURVEY_SOURCE,
    "scales": [AGREE_SCALE],
    "items": _agree_items(PARENT_ITEMS),
    "scoring": MEAN_1_5,
    "generated": False,
    "estimated_minutes": 1,
}

INSTRUMENTS: dict[str, dict[str, Any]] = {
    i["id"]: i for i in (WHO5, PLAN_GOALS, EXPERIENCE, EXPERIENCE_PARENT)
}
# Experience items, summed up over all citizens for the municipality (caseworker area).
EXPERIENCE_IDS = ("experience", "experience-parent")


def for_audience(audience: str) -> list[str]:
    return [i for i, inst in INSTRUMENTS.items() if inst.get("audience", "person") == audience]


def for_person(instrument_id: str, sub_goals: list[Any]) -> dict[str, Any]:
    """The instrument as one person answers it; plan-goals gets one item per active sub-goal."""
    instrument = dict(INSTRUMENTS[instrument_id])
    if instrument["generated"]:
        active = [g for g in sub_goals if g.status in ACTIVE_SUB_GOAL]
        instrument["items"] = [
            {
                "id": goal.id,
                "position": n,
                "text": _t(goal.title, goal.title),
                "scale_id": "goal-0-10",
                "sub_goal_id": goal.id,
            }
            for n, goal in enumerate(active, start=1)
        ]
    return instrument


def score(instrument: dict[str, Any], answers: dict[str, int]) -> tuple[float, int]:
    """(raw, reported) for complete, validated answers."""
    values = [answers[item["id"]] for item in instrument["items"]]
    scoring = instrument["scoring"]
    # Half up, as people round and as the portal does: 12.5 is reported as 13, not 12.
    exact = (
        Decimal(sum(values)) if scoring["method"] == "sum" else Decimal(sum(values)) / len(values)
    )
    reported = int(
        ((exact - Decimal(str(scoring["offset"]))) * Decimal(str(scoring["factor"]))).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )
    raw_rounded = float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return raw_rounded, max(scoring["reported_min"], min(scoring["reported_max"], reported))


def check_answers(
    instrument: dict[str, Any], answers: list[dict[str, int]]
) -> list[dict[str, str]]:
    """Every item answered exactly once, every value one of the scale's options."""
    items = {item["id"]: item for item in instrument["items"]}
    scales = {scale["id"]: scale for scale in instrument["scales"]}
    errors: list[dict[str, str]] = []
    seen: set[Any] = set()
    for index, answer in enumerate(answers):
        item = items.get(answer["item_id"])
        if item is None:
            errors.append(
                {
                    "field": f"answers.{index}.item_id",
                    "message": "not an item of this questionnaire",
                }
            )
            continue
        if answer["item_id"] in seen:
            errors.append({"field": f"answers.{index}.item_id", "message": "answered twice"})
        seen.add(answer["item_id"])
        allowed = {o["value"] for o in scales[item["scale_id"]]["options"]}
        if answer["value"] not in allowed:
            low, high = min(allowed), max(allowed)
            errors.append(
                {
                    "field": f"answers.{index}.value",
                    "message": f"must be a whole number from {low} to {high}",
                }
            )
    for item_id in items:
        if item_id not in seen:
            errors.append({"field": "answers", "message": f"item {item_id} is not answered"})
    return errors
