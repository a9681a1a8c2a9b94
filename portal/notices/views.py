""" "Beskeder til dig" (the citizen's notice settings) and the caseworker's advisering list.

The settings are the acting person's: a parent with custody chooses for the child, a
caseworker's preview shows them read-only, a power of attorney sees them read-only too
(notices about the person reach the holder through the holder's own settings).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from wtforms import HiddenField, RadioField, SelectMultipleField, StringField, ValidationError

from auth.access import access
from auth.session import ActingAs, AuthSession
from identity import Caller
from portal.clients.persons import PersonsClient
from portal.extensions import db
from portal.forms import PortalForm, choices, strip
from portal.i18n import TZ, language
from portal.notices import settings as notice_settings
from portal.notices.channels import ChannelError
from portal.notices.models import AdviseringSeen, NoticeEvent
from portal.notices.texts import GROUPS, UnsafeText

bp = Blueprint("notices", __name__)

ADVISERING_TYPES = ("consent.withdrawn", "consent.expiring", "consent.expired")


def _acting() -> ActingAs:
    acting: ActingAs | None = g.get("acting")
    if acting is None:
        abort(403)
    return acting


def _may_change(acting: ActingAs) -> bool:
    return not acting.read_only and acting.basis in ("self", "custody")


LANGUAGES = {
    "da": Markup('<span lang="da">Dansk</span>'),
    "en": Markup('<span lang="en">English</span>'),
}


class SettingsForm(PortalForm):
    """Where and about what the person is told; a new address is confirmed with a code."""

    email = StringField(_l("E-mail address"), filters=[strip(320)])
    mobile = StringField(_l("Mobile number"), filters=[strip(40)])
    kinds = SelectMultipleField(
        _l("What we tell you about by e-mail and text message"),
        choices=choices(GROUPS.items()),
        validate_choice=False,
    )
    kinds_shown = HiddenField(default="1")
    language = RadioField(
        _l("Language of the notices"), choices=choices(LANGUAGES.items()), validate_choice=False
    )
    remove = StringField()  # the value of a "Stop e-mails" / "Stop text messages" button

    def validate_email(self, field: Any) -> None:
        if field.data and not notice_settings.EMAIL_RE.match(field.data):
            raise ValidationError(_("Write an e-mail address like name@example.dk"))

    def validate_mobile(self, field: Any) -> None:
        if field.data and notice_settings.normalise_mobile(field.data) is None:
            raise ValidationError(_("Write a Danish mobile number with 8 digits"))


class CodeForm(PortalForm):
    code = StringField(_l("Code (6 digits)"), filters=[strip(20)])


def _page(form: SettingsForm | None = None, status: int = 200) -> ResponseReturnValue:
    acting = _acting()
    saved = notice_settings.get(acting.subject_id)
    if form is None:
        form = SettingsForm(
            formdata=None,
            email=saved.email if saved and saved.email else "",
            mobile=saved.mobile if saved and saved.mobile else "",
            kinds=[code for code in GROUPS if not saved or code not in (saved.muted or [])],
            language=saved.language if saved else language(),
        )
    return (
        render_template(
            "pages/notices/settings.html",
            saved=saved,
            groups=GROUPS,
            muted=set(saved.muted or []) if saved else set(),
            may_change=_may_change(acting),
            history=notice_settings.history(acting.subject_id),
            form=form,
        ),
        status,
    )


@bp.get("/beskeder-til-dig")
@access("citizen")
def settings() -> ResponseReturnValue:
    return _page()


@bp.post("/beskeder-til-dig")
@access("citizen_write")
def save() -> ResponseReturnValue:
    acting = _acting()
    if not _may_change(acting):
        abort(403)
    form = SettingsForm()
    language = form.language.data if form.language.data in ("da", "en") else "da"
    wanted = {g_ for g_ in form.kinds.data or [] if g_ in GROUPS}
    if form.remove.data in ("email", "mobile"):
        notice_settings.remove(acting, form.remove.data)
        flash(_("Removed."), "success")
        return redirect(url_for("notices.settings"))
    if not form.validate():
        return _page(form, 400)
    email = form.email.data
    mobile = notice_settings.normalise_mobile(form.mobile.data) if form.mobile.data else None
    if form.kinds_shown.data or form.language.data:
        notice_settings.save_choices(acting, language, wanted)
    saved = notice_settings.get(acting.subject_id)
    to_confirm = []
    if email and (saved is None or saved.email != email or not saved.email_confirmed_at):
        to_confirm.append(("email", email))
    if mobile and (saved is None or saved.mobile != mobile or not saved.mobile_confirmed_at):
        to_confirm.append(("mobile", mobile))
    for field, address in to_confirm:
        message = notice_settings.start_confirmation(acting, field, address, language)
        channel = current_app.extensions["notice_channels"][notice_settings.CHANNEL_OF[field]]
        try:
            channel.send(message)
        except (ChannelError, UnsafeText):
            form.add_error(
                field, _("We could not send a code just now. Try again in a little while.")
            )
            return _page(form, 503)
    if to_confirm:
        return redirect(url_for("notices.confirm", field=to_confirm[0][0]))
    flash(_("Your choices are saved."), "success")
    return redirect(url_for("notices.settings"))


@bp.route("/beskeder-til-dig/bekraeft/<string:field>", methods=["GET", "POST"])
@access("citizen_write")
def confirm(field: str) -> ResponseReturnValue:
    acting = _acting()
    if field not in notice_settings.CHANNEL_OF:
        abort(404)
    if not _may_change(acting):
        abort(403)
    pending = notice_settings.pending_code(acting.subject_id, field)
    form = CodeForm()
    status = 200
    if request.method == "POST":
        outcome = notice_settings.confirm(acting, field, form.code.data or "")
        if outcome == "ok":
            flash(
                _("Your e-mail address is confirmed.")
                if field == "email"
                else _("Your mobile number is confirmed."),
                "success",
            )
            other = "mobile" if field == "email" else "email"
            if notice_settings.pending_code(acting.subject_id, other) is not None:
                return redirect(url_for("notices.confirm", field=other))
            return redirect(url_for("notices.settings"))
        form.validate()
        form.add_error(
            "code",
            {
                "wrong": _("The code is not right. Check it and try again."),
                "expired": _("The code no longer works. Ask for a new one."),
                "none": _("There is no code waiting. Ask for a new one."),
            }[outcome],
        )
        status = 400
        pending = notice_settings.pending_code(acting.subject_id, field)
    return (
        render_template("pages/notices/confirm.html", field=field, pending=pending, form=form),
        status,
    )


# -- the caseworker's advisering -------------------------------------------------------


def _caseworker_id() -> str:
    current = AuthSession.load()
    assert current is not None  # behind @access("caseworker")
    return current.actor_id


def _advisering(caseworker_id: str) -> list[dict[str, Any]]:
    caller = Caller.preview(caseworker_id)
    caseload = PersonsClient(caller=caller).get_caseload(caseworker_id)
    names = {entry.person.id: entry.person.name for entry in caseload.items}
    if not names:
        return []
    rows = db.session.scalars(
        select(NoticeEvent)
        .where(NoticeEvent.type.in_(ADVISERING_TYPES), NoticeEvent.person_id.in_(list(names)))
        .order_by(NoticeEvent.seq.desc())
        .limit(200)
    ).all()
    seen = set(
        db.session.scalars(
            select(AdviseringSeen.event_id).where(AdviseringSeen.caseworker_id == caseworker_id)
        )
    )
    return [
        {
            "id": row.event_id,
            "type": row.type,
            "name": names[row.person_id],
            "at": row.at,
            "expires_at": _day(row.data.get("expires_at")),
            "departments": row.data.get("departments") or [],
            "seen": row.event_id in seen,
        }
        for row in rows
    ]


def _day(raw: object) -> date | None:
    try:
        return datetime.fromisoformat(str(raw)).astimezone(TZ).date() if raw else None
    except ValueError:
        return None


ADVISERING_LABELS = {
    "consent.withdrawn": _l("Consent withdrawn"),
    "consent.expiring": _l("Consent runs out soon"),
    "consent.expired": _l("Consent has run out"),
}
CHANGE_LABELS = {
    "language": _l("Language changed"),
    "kinds": _l("Kinds of notice changed"),
    "email_code_sent": _l("Code sent to a new e-mail address"),
    "mobile_code_sent": _l("Code sent to a new mobile number"),
    "email_confirmed": _l("E-mail address confirmed"),
    "mobile_confirmed": _l("Mobile number confirmed"),
    "email_removed": _l("E-mails stopped"),
    "mobile_removed": _l("Text messages stopped"),
}


@bp.app_template_global()
def advisering_label(kind: str) -> str:
    return str(ADVISERING_LABELS.get(kind, kind))


@bp.app_template_global()
def change_label(what: str) -> str:
    return str(CHANGE_LABELS.get(what, what))


@bp.get("/medarbejder/advisering")
@access("caseworker")
def advisering() -> ResponseReturnValue:
    items = _advisering(_caseworker_id())
    return render_template(
        "pages/notices/advisering.html",
        unseen=[i for i in items if not i["seen"]],
        seen=[i for i in items if i["seen"]],
    )


@bp.post("/medarbejder/advisering/<string:event_id>/set")
@access("caseworker")
def advisering_seen(event_id: str) -> ResponseReturnValue:
    caseworker_id = _caseworker_id()
    if event_id not in {i["id"] for i in _advisering(caseworker_id)}:
        abort(404)
    if db.session.get(AdviseringSeen, (caseworker_id, event_id)) is None:
        db.session.add(
            AdviseringSeen(
                caseworker_id=caseworker_id, event_id=event_id, seen_at=datetime.now(UTC)
            )
        )
        db.session.commit()
    return redirect(url_for("notices.advisering"))
