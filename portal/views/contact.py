"""Contact (kontakt): the primary contact first, then the others around the citizen."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from auth.access import access
from portal import pages
from portal.clients.contacts import Contact, ContactsClient
from portal.pages import fetch

bp = Blueprint("contact", __name__)

ROLES = {
    "coordinating_caseworker": _l("Coordinating caseworker"),
    "housing_support": _l("Housing support (bostøtte)"),
    "youth_guidance_counsellor": _l("Youth guidance counsellor (UU)"),
    "job_consultant": _l("Job consultant"),
    "mentor": _l("Mentor"),
    "contact_person": _l("Contact person"),
    "caseworker": _l("Caseworker"),
}


@bp.app_template_global()
def contact_role(contact: Contact) -> str:
    """The role in the reader's language; the case system's own title for anything else."""
    label = ROLES.get(contact.role)
    return str(label) if label is not None else contact.role_title


@bp.get("/kontakt")
@access("citizen")
def index() -> ResponseReturnValue:
    caller, person_id = pages.caller(), pages.person_id()
    contacts, failed = fetch(lambda: ContactsClient(caller).list_contacts(person_id))
    primary = next((c for c in contacts or [] if c.is_primary), None)
    others = [c for c in contacts or [] if c is not primary]
    return render_template(
        "pages/contact/index.html", primary=primary, others=others, contacts_failed=failed
    )
