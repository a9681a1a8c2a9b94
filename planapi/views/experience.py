"""The experience items summed up for the municipality: every citizen's latest answer.

Comparable with the 2025 citizen survey (same wording, period and scale). Numbers are only
given when at least `MIN_RESPONDENTS` people answered, so no one can be singled out.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from planapi import clock
from planapi.access import authorize_caseworker
from planapi.extensions import db
from planapi.instruments import EXPERIENCE_IDS, INSTRUMENTS
from planapi.models import QuestionnaireResponse

bp = Blueprint("experience", __name__, url_prefix="/v1")

MIN_RESPONDENTS = 5
PERIOD = timedelta(days=365)  # the survey's "de seneste 12 måneder"
AGREE = (4, 5)  # Enig, Meget enig


def summary(instrument_id: str) -> dict[str, Any]:
    instrument = INSTRUMENTS[instrument_id]
    since = clock.now() - PERIOD
    rows = db.session.scalars(
        select(QuestionnaireResponse)
        .where(
            QuestionnaireResponse.instrument_id == instrument_id,
            QuestionnaireResponse.answered_at >= since,
        )
        .order_by(QuestionnaireResponse.answered_at)
    ).all()
    latest = {r.person_id: r for r in rows}  # each person once: the newest answer
    respondents = len(latest)
    items = None
    if respondents >= MIN_RESPONDENTS:
        items = []
        for item in instrument["items"]:
            values = [
                a["value"] for r in latest.values() for a in r.answers if a["item_id"] == item["id"]
            ]
            counts = {
                o["value"]: values.count(o["value"]) for o in instrument["scales"][0]["options"]
            }
            items.append(
                {
                    "item_id": item["id"],
                    "text": item["text"],
                    "answered": len(values),
                    "agree": sum(counts[v] for v in AGREE),
                    "counts": [{"value": v, "count": c} for v, c in counts.items()],
                }
            )
    return {
        "instrument_id": instrument_id,
        "title": instrument["title"],
        "respondents": respondents,
        "min_respondents": MIN_RESPONDENTS,
        "since": since.date().isoformat(),
        "items": items,
    }


@bp.get("/caseworkers/<id:caseworker_id>/experience-summary")
def experience_summary(caseworker_id: str) -> ResponseReturnValue:
    authorize_caseworker(caseworker_id)
    return jsonify({"items": [summary(i) for i in EXPERIENCE_IDS]})
