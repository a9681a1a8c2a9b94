"""What a notice says: a line that something is waiting and where to log in, nothing more.

E-mail and SMS leave the municipality's systems, so they never name a department, a
diagnosis, a case type or a CPR number; `assert_safe` checks every outgoing text against
`FORBIDDEN` and a channel refuses to send a text that fails (tests check the same list).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

# Words that must never leave in e-mail or SMS (lower case; matched as substrings).
FORBIDDEN = (
    # departments and places
    "jobcenter", "beskæftigelse", "socialområde", "socialforvaltning", "børn og familie",
    "familieafdeling", "ungeindsats", "ungdommens uddannelsesvejledning", "psykiatri",
    "misbrugscenter", "sundhedscenter", "ppr", "employment", "social services",
    # diagnoses
    "depression", "angst", "adhd", "autisme", "skizofreni", "diagnose", "misbrug",
    "diagnosis", "anxiety",
    # case types and benefits
    "kontanthjælp", "uddannelseshjælp", "ressourceforløb", "bostøtte", "§", "anbringelse",
    "underretning", "efterskole", "fleksjob", "førtidspension", "sygedagpenge", "barnets lov",
    "serviceloven", "cash benefit", "placement",
)  # fmt: skip
CPR_RE = re.compile(r"\b\d{6}-?\d{4}\b")


class UnsafeText(ValueError):
    """A notice text would have carried a sensitive word; it is not sent."""


def unsafe_words(text: str) -> list[str]:
    lowered = text.lower()
    found = [word for word in FORBIDDEN if word in lowered]
    if CPR_RE.search(text):
        found.append("CPR number")
    return found


def assert_safe(*texts: str) -> None:
    for text in texts:
        found = unsafe_words(text)
        if found:
            raise UnsafeText(f"notice text contains {', '.join(found)}")


# kind → (sentence with %(url)s, endpoint, kind group the citizen can turn off)
SENTENCES: dict[str, tuple[LazyString, str, str]] = {
    "appointment_new": (
        _l("You have a new appointment. Log in at %(url)s to see it."),
        "appointments.index",
        "appointments",
    ),
    "appointment_moved": (
        _l("One of your appointments has moved. Log in at %(url)s to see the new time."),
        "appointments.index",
        "appointments",
    ),
    "appointment_cancelled": (
        _l("One of your appointments is cancelled. Log in at %(url)s to see more."),
        "appointments.index",
        "appointments",
    ),
    "appointment_reminder": (
        _l("Remember: you have an appointment tomorrow. Log in at %(url)s to see when and where."),
        "appointments.index",
        "appointments",
    ),
    "plan_changed": (
        _l("Your plan has changed. Log in at %(url)s to see it."),
        "plan.index",
        "plan",
    ),
    "questionnaire_due": (
        _l("There is a short questionnaire for you. Log in at %(url)s to answer it."),
        "progress.answer",
        "questionnaires",
    ),
    "questionnaire_reminder": (
        _l("Remember the short questionnaire. Log in at %(url)s to answer it."),
        "progress.answer",
        "questionnaires",
    ),
    "consent_expiring": (
        _l("Your consent runs out soon. Log in at %(url)s to see if you want to renew it."),
        "consent.index",
        "consent",
    ),
    "consent_expired": (
        _l("Your consent has run out. Log in at %(url)s to see more."),
        "consent.index",
        "consent",
    ),
    "information_requested": (
        _l("We need something from you. Log in at %(url)s to see what."),
        "overview.index",
        "information",
    ),
    "message_received": (
        _l("You have a new message. Log in at %(url)s to read it."),
        "messages.index",
        "messages",
    ),
    "message_for_caseworker": (
        _l("A citizen in your caseload has sent you a message. Read it at %(url)s"),
        "inbox.index",
        "advisering",
    ),
    "advisering": (
        _l("A consent for a citizen in your caseload has changed. See it at %(url)s"),
        "notices.advisering",
        "advisering",
    ),
}

GROUPS: dict[str, LazyString] = {
    "appointments": _l("Appointments: new, moved, cancelled, and a reminder the day before"),
    "questionnaires": _l("Questionnaires to answer"),
    "consent": _l("Consent that runs out"),
    "plan": _l("Changes to your plan"),
    "information": _l("When we need something from you"),
    "messages": _l("New messages"),
}


@dataclass(frozen=True)
class Text:
    subject: str
    body: str
    link: str


def group_of(kind: str) -> str:
    return SENTENCES[kind][2]


def compose(kind: str, language: str, public_url: str, resource: str = "") -> Text:
    """The notice in the recipient's language, with the link to the page it is about.
    Needs an app context (for url_for, with SERVER_NAME-free relative paths)."""
    sentence, endpoint, _group = SENTENCES[kind]
    if endpoint == "progress.answer":
        path = url_for(endpoint, instrument_id=resource.rpartition("/")[2] or "who-5")
    else:
        path = url_for(endpoint)
    link = public_url.rstrip("/") + path
    with force_locale(language):
        body = str(sentence) % {"url": link}
        subject = _("News from Mit Overblik")
    return Text(subject=subject, body=body, link=link)
