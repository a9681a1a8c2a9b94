"""Breve og afgørelser: the case's letters (date, sender, title, read or not) that open as
PDF, and a decision in plain words with the law and how to complain, by when."""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, current_app, render_template
from flask.typing import ResponseReturnValue

from auth.access import access
from portal import pages
from portal.clients.base import PlanAPIError, PlanAPIUnavailable
from portal.clients.messages import Letter, MessagesClient

bp = Blueprint("letters", __name__)


def _person_id() -> str:
    return pages.person_id()


@bp.get("/breve")
@access("citizen")
def index() -> ResponseReturnValue:
    letters: list[Letter] | None = None
    try:
        letters = MessagesClient(pages.caller()).list_letters(_person_id())
    except PlanAPIUnavailable:
        letters = None
    return render_template("pages/letters/index.html", letters=letters)


@bp.get("/breve/<string:letter_id>")
@access("citizen")
def show(letter_id: str) -> ResponseReturnValue:
    client = MessagesClient(pages.caller())
    letter = client.get_letter(_person_id(), letter_id)
    if letter.read_at is None and not pages.acting().read_only:
        try:
            client.mark_letter_read(_person_id(), letter.id, secrets.token_hex(16))
        except PlanAPIError as exc:  # shown as unread until the next visit
            current_app.logger.info("letter not marked read: %s", exc)
    complaint = letter.decision.complaint if letter.decision else None
    may_complain = (
        complaint is not None
        and complaint.contact_id is not None
        and not pages.acting().read_only
        and pages.acting().covers("messages:write")
    )
    return render_template("pages/letters/show.html", letter=letter, may_complain=may_complain)


@bp.get("/breve/<string:letter_id>/pdf")
@access("citizen")
def pdf(letter_id: str) -> ResponseReturnValue:
    file = MessagesClient(pages.caller()).letter_pdf(_person_id(), letter_id)
    response = Response(file.content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{letter_id}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
