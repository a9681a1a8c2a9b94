"""A person's notice settings: addresses confirmed with a one-time code, kinds, language;
every change written to `notice_settings_change`."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from auth.session import ActingAs
from portal.extensions import db
from portal.notices.channels import Outgoing
from portal.notices.models import NoticeCode, NoticeSettings, NoticeSettingsChange
from portal.notices.texts import GROUPS

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[a-z]{2,}$", re.IGNORECASE)
MAX_TRIES = 5
CHANNEL_OF = {"email": "email", "mobile": "sms"}


def normalise_mobile(raw: str) -> str | None:
    """A Danish mobile number as +45 and eight digits, or None."""
    digits = re.sub(r"[\s-]", "", raw)
    if digits.startswith("+45"):
        digits = digits[3:]
    elif digits.startswith("0045"):
        digits = digits[4:]
    return f"+45{digits}" if re.fullmatch(r"[2-9]\d{7}", digits) else None


def get(person_id: str) -> NoticeSettings | None:
    return db.session.get(NoticeSettings, person_id)


def get_or_new(person_id: str) -> NoticeSettings:
    found = get(person_id)
    if found is None:
        found = NoticeSettings(person_id=person_id, language="da", muted=[])
        db.session.add(found)
    return found


def log(acting: ActingAs, what: str, **detail: Any) -> None:
    db.session.add(
        NoticeSettingsChange(
            person_id=acting.subject_id,
            actor_id=acting.actor_id,
            actor_name=acting.actor_name,
            basis=acting.basis,
            what=what,
            detail=detail,
            at=datetime.now(UTC),
        )
    )


def history(person_id: str) -> list[NoticeSettingsChange]:
    return list(
        db.session.scalars(
            select(NoticeSettingsChange)
            .where(NoticeSettingsChange.person_id == person_id)
            .order_by(NoticeSettingsChange.at.desc(), NoticeSettingsChange.id.desc())
            .limit(20)
        )
    )


def save_choices(acting: ActingAs, language: str, wanted: set[str]) -> None:
    settings = get_or_new(acting.subject_id)
    muted = sorted(set(GROUPS) - wanted)
    if language != settings.language:
        log(acting, "language", value=language)
        settings.language = language
    if muted != sorted(settings.muted or []):
        log(acting, "kinds", muted=muted)
        settings.muted = muted
    settings.updated_at = datetime.now(UTC)
    db.session.commit()


def _hash(code: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def start_confirmation(acting: ActingAs, field: str, address: str, language: str) -> Outgoing:
    """Store a new code for this address (earlier ones stop working) and return the message
    that carries it; the caller sends it at once, the citizen is waiting."""
    person_id = acting.subject_id
    now = datetime.now(UTC)
    db.session.execute(
        update(NoticeCode)
        .where(
            NoticeCode.person_id == person_id,
            NoticeCode.channel == field,
            NoticeCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    minutes = int(current_app.config["NOTICES_CODE_MINUTES"])
    row = NoticeCode(
        person_id=person_id,
        channel=field,
        address=address,
        code_hash=_hash(code),
        expires_at=now + timedelta(minutes=minutes),
        tries=0,
    )
    db.session.add(row)
    log(acting, f"{field}_code_sent")
    db.session.commit()
    with force_locale(language):
        text = _(
            "Your code for Mit Overblik is %(code)s. It works for %(minutes)d minutes.",
            code=code,
            minutes=minutes,
        )
        subject = _("Your code for Mit Overblik")
    return Outgoing(
        reference=f"code-{row.id}",
        to=address,
        subject=subject,
        text=text,
        html=f'<!doctype html><html lang="{language}"><p>{text}</p></html>',
        language=language,
    )


def pending_code(person_id: str, field: str) -> NoticeCode | None:
    return db.session.scalar(
        select(NoticeCode)
        .where(
            NoticeCode.person_id == person_id,
            NoticeCode.channel == field,
            NoticeCode.used_at.is_(None),
        )
        .order_by(NoticeCode.id.desc())
        .limit(1)
    )


def confirm(acting: ActingAs, field: str, code: str) -> str:
    """'ok', 'wrong', 'expired' or 'none'. A right code makes the address the one in use."""
    row = pending_code(acting.subject_id, field)
    now = datetime.now(UTC)
    if row is None:
        return "none"
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires < now or row.tries >= MAX_TRIES:
        row.used_at = now
        db.session.commit()
        return "expired"
    if not hmac.compare_digest(row.code_hash, _hash(code.strip())):
        row.tries += 1
        db.session.commit()
        return "wrong"
    row.used_at = now
    settings = get_or_new(acting.subject_id)
    if field == "email":
        settings.email, settings.email_confirmed_at = row.address, now
    else:
        settings.mobile, settings.mobile_confirmed_at = row.address, now
    settings.updated_at = now
    log(acting, f"{field}_confirmed", address=row.address)
    db.session.commit()
    return "ok"


def remove(acting: ActingAs, field: str) -> None:
    settings = get_or_new(acting.subject_id)
    if field == "email":
        settings.email, settings.email_confirmed_at = None, None
    else:
        settings.mobile, settings.mobile_confirmed_at = None, None
    log(acting, f"{field}_removed")
    db.session.commit()
