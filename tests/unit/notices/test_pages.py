""" "Beskeder til dig" and the caseworker's advisering list (real SMTP and SMS gateway for
the one-time codes)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.notices import channels
from portal.notices.models import NoticeEvent, NoticeSettings, NoticeSettingsChange
from tests.unit import citizen_builders as b
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn, normalize
from tests.unit.notices.conftest import Gateway, Mailbox, notices_config


@pytest.fixture
def wired(app: Flask, mailbox: Mailbox, sms_gateway: Gateway, tmp_path: Path) -> Flask:
    app.config.update(notices_config(mailbox, sms_gateway, tmp_path / "dp"))
    app.extensions["notice_channels"] = channels.from_config(app.config)
    return app


def code_in(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found, text
    return found.group(1)


def test_citizen_adds_email_and_mobile_and_confirms_each_with_a_code(
    wired: Flask, pages: PageChecker, sign_in: SignIn, mailbox: Mailbox, sms_gateway: Gateway,
    client: FlaskClient,
) -> None:  # fmt: skip
    sign_in()
    soup = pages.get("/beskeder-til-dig")
    assert "Beskeder til dig" in soup.h1.text
    token = soup.select_one("form input[name=csrf_token]")["value"]
    form = {
        "csrf_token": token,
        "email": "mette@example.dk",
        "mobile": "20 30 40 50",
        "language": "en",
        "kinds_shown": "1",
        "kinds": ["appointments", "questionnaires"],
    }
    assert pages.redirect("/beskeder-til-dig", "POST", data=form).endswith(
        "/beskeder-til-dig/bekraeft/email"
    )
    (mail,) = mailbox.messages
    assert mail["To"] == "mette@example.dk" and "Your code for Mit Overblik" in mail["Subject"]
    (sms,) = sms_gateway.messages()
    assert sms["to"] == "+4520304050"
    # A wrong code is refused and nothing is confirmed.
    bad = "000000" if code_in(mailbox.texts()[0]) != "000000" else "111111"
    wrong = pages.post(
        "/beskeder-til-dig/bekraeft/email", {"csrf_token": token, "code": bad}, status=400
    )
    assert wrong.select_one(".form-error-message")
    with wired.app_context():
        assert db.session.get(NoticeSettings, "p-mette").email is None
    assert pages.redirect(
        "/beskeder-til-dig/bekraeft/email", "POST",
        data={"csrf_token": token, "code": code_in(mailbox.texts()[0])},
    ).endswith("/beskeder-til-dig/bekraeft/mobile")  # fmt: skip
    assert pages.redirect(
        "/beskeder-til-dig/bekraeft/mobile", "POST",
        data={"csrf_token": token, "code": code_in(sms["text"])},
    ).endswith("/beskeder-til-dig")  # fmt: skip
    with wired.app_context():
        saved = db.session.get(NoticeSettings, "p-mette")
        assert (saved.email, saved.mobile, saved.language) == (
            "mette@example.dk", "+4520304050", "en",
        )  # fmt: skip
        assert saved.email_confirmed_at and saved.mobile_confirmed_at
        assert set(saved.muted) == {"consent", "plan", "information", "messages"}
        logged = db.session.scalars(select(NoticeSettingsChange.what)).all()
        assert {"language", "kinds", "email_confirmed", "mobile_confirmed"} <= set(logged)
    # A used code does not work twice.
    pages.post("/beskeder-til-dig/bekraeft/mobile",
               {"csrf_token": token, "code": code_in(sms["text"])}, status=400)  # fmt: skip
    page = normalize(pages.get("/beskeder-til-dig").text)
    assert "mette@example.dk" in page and "+4520304050" in page and "Mobilnummer bekræftet" in page


def test_invalid_addresses_are_refused_with_a_message(
    wired: Flask, pages: PageChecker, sign_in: SignIn, mailbox: Mailbox
) -> None:
    sign_in()
    token = pages.csrf_token("/beskeder-til-dig")
    soup = pages.post("/beskeder-til-dig", {"csrf_token": token, "email": "not-an-address",
                      "mobile": "123"}, status=400)  # fmt: skip
    errors = {a["href"] for a in soup.select(".error-summary a")}
    assert errors == {"#email", "#mobile"} and mailbox.messages == []


def test_caseworker_preview_sees_the_settings_read_only(
    wired: Flask, pages: PageChecker, sign_in: SignIn, client: FlaskClient
) -> None:
    with wired.app_context():
        db.session.add(NoticeSettings(person_id="p-mette", email="m@example.dk",
                       email_confirmed_at=datetime.now(UTC), language="da", muted=[]))  # fmt: skip
        db.session.commit()
    sign_in(caseworker=("cw-lene", "Lene Bach"))
    soup = pages.get("/beskeder-til-dig")
    assert "m@example.dk" in soup.text
    assert not soup.select("form[action='/beskeder-til-dig']")
    token = pages.csrf_token("/")
    assert (
        client.post("/beskeder-til-dig", data={"csrf_token": token, "email": "x@y.dk"}).status_code
        == 403
    )
    with wired.app_context():
        assert db.session.get(NoticeSettings, "p-mette").email == "m@example.dk"


def test_a_parent_chooses_for_the_child(
    wired: Flask, pages: PageChecker, sign_in: SignIn, mailbox: Mailbox
) -> None:
    sign_in("p-emma", "Emma Kjær Poulsen", basis="custody",
            actor=("p-anders", "Anders Kjær Poulsen"), age=15)  # fmt: skip
    soup = pages.get("/beskeder-til-dig")
    assert "Du vælger for Emma Kjær Poulsen" in normalize(soup.text)
    token = soup.select_one("form input[name=csrf_token]")["value"]
    pages.redirect(
        "/beskeder-til-dig", "POST", data={"csrf_token": token, "email": "far@example.dk"}
    )
    pages.redirect("/beskeder-til-dig/bekraeft/email", "POST",
                   data={"csrf_token": token, "code": code_in(mailbox.texts()[0])})  # fmt: skip
    with wired.app_context():
        assert db.session.get(NoticeSettings, "p-emma").email == "far@example.dk"
        assert db.session.get(NoticeSettings, "p-anders") is None
        change = db.session.scalars(select(NoticeSettingsChange)).all()[-1]
        assert (change.actor_id, change.basis) == ("p-anders", "custody")


def test_advisering_lists_consent_events_of_the_caseload_and_marks_them_seen(
    wired: Flask, pages: PageChecker, sign_in: SignIn, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.on("GET", "/v1/caseworkers/cw-lene/caseload", json={
        "caseworker": b.caseworker_ref(),
        "items": [{"person": b.person_ref("p-karim", "Karim Hassan"), "age": 35, "has_plan": True}],
    })  # fmt: skip
    with wired.app_context():
        for n, (person, type_) in enumerate(
            [("p-karim", "consent.withdrawn"), ("p-karim", "consent.expiring"),
             ("p-freja", "consent.withdrawn"), ("p-karim", "plan.changed")], start=1,
        ):  # fmt: skip
            db.session.add(NoticeEvent(
                event_id=f"ev-{n}", seq=n, type=type_, person_id=person,
                resource="consents/c-1", at=datetime(2026, 11, 20, 9, tzinfo=UTC),
                data={"departments": ["social", "health"], "expires_at": "2026-12-20T10:00+01:00"},
            ))  # fmt: skip
        db.session.commit()
    sign_in(caseworker=("cw-lene", "Lene Bach"))
    soup = pages.get("/medarbejder/advisering")
    cards = [normalize(c.text) for c in soup.select(".card")]
    assert len(cards) == 2  # Freja is not in the caseload; a plan change is no advisering
    assert "Karim Hassan" in cards[0] and "Samtykket udløber snart" in cards[0]
    assert "20. december 2026" in cards[0] and "Sundhed" in cards[0]
    assert "Samtykke trukket tilbage" in cards[1]
    token = soup.select_one("form input[name=csrf_token]")["value"]
    pages.redirect("/medarbejder/advisering/ev-1/set", "POST", data={"csrf_token": token})
    soup = pages.get("/medarbejder/advisering")
    assert len(soup.select("form[action$='/set']")) == 1  # one left to mark
    pages.get("/medarbejder/advisering/ev-3/set", status=405)
