"""Appointments: list, past on request (htmx and plain), .ics, calendar feed, move request."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select

from portal.extensions import db
from portal.models import CalendarFeed, OutboxMessage
from tests.unit import citizen_builders as b
from tests.unit import planapi_paths as paths
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn, assert_refused, normalize
from tests.unit.error_focus import assert_error_focus

BASE = paths.appointments("p-mette")
# What the appointments served below show; none of it may be on a refusal page.
APPOINTMENT_DATA = ("Møde med bostøtten", "Første samtale")


@pytest.fixture(autouse=True)
def mette(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    SignIn(client)()


def serve_list(fake: FakePlanAPI) -> None:
    upcoming = b.items(
        b.appointment(),
        b.appointment(id="ap-2", title="Møde med bostøtten", start=b.at(9, 13), end=b.at(9, 14)),
    )
    past = b.items(
        b.appointment(
            id="ap-0", title="Første samtale", start=b.at(-20), end=b.at(-20, 11), status="held"
        )
    )

    def respond(request: httpx.Request) -> httpx.Response:
        when = request.url.params.get("when")
        return httpx.Response(
            200,
            json={
                "upcoming": upcoming,
                "past": past,
                "all": b.items(*upcoming["items"], *past["items"]),
            }[when],
        )

    fake.on("GET", BASE, handler=respond)


def serve_one(fake: FakePlanAPI, **kw: object) -> None:
    fake.on("GET", f"{BASE}/ap-1", json=b.appointment(**kw))


def test_upcoming_first_past_only_on_request(fake_planapi: FakePlanAPI, pages: PageChecker) -> None:
    serve_list(fake_planapi)
    soup = pages.get("/aftaler")
    titles = [normalize(t.text) for t in soup.select(".appointment-title")]
    assert titles == ["Opfølgning på planen", "Møde med bostøtten"]
    more = soup.select_one("#past-appointments a")
    assert more["href"].startswith("/aftaler?vis=tidligere")
    assert more["hx-get"] == "/aftaler?vis=tidligere"
    assert all(r.url.params["when"] == "upcoming" for r in fake_planapi.requests)
    soup = pages.get(more["href"])
    assert "Første samtale" in normalize(soup.select_one("#past-appointments").text)


def test_past_as_htmx_fragment(fake_planapi: FakePlanAPI, client: FlaskClient) -> None:
    serve_list(fake_planapi)
    response = client.get("/aftaler?vis=tidligere", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="past-appointments"')
    assert "Første samtale" in html and "<html" not in html
    assert [r.url.params["when"] for r in fake_planapi.requests] == ["past"]


def test_ics_download_has_copenhagen_time(fake_planapi: FakePlanAPI, client: FlaskClient) -> None:
    serve_one(fake_planapi)
    response = client.get("/aftaler/ap-1/kalender.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    calendar = Calendar.from_ical(response.data)
    event = next(iter(calendar.walk("VEVENT")))
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "Europe/Copenhagen"
    assert (start.hour, start.minute) == (10, 0)
    assert start.date() == b.TODAY + timedelta(days=2)
    assert "Rådhuspladsen 1" in str(event["location"])
    assert str(event["summary"]) == "Opfølgning på planen"
    assert "BEGIN:VTIMEZONE" in response.get_data(as_text=True)
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("trigger") == -timedelta(days=1)
    assert str(alarm["action"]) == "DISPLAY"
    assert "Rådhuspladsen" not in str(alarm["description"])


def test_unknown_appointment_is_404(fake_planapi: FakePlanAPI, client: FlaskClient) -> None:
    fake_planapi.on("GET", f"{BASE}/nope", status=404, json={"title": "not found", "status": 404})
    assert client.get("/aftaler/nope/kalender.ics").status_code == 404


def move_form(pages: PageChecker) -> dict[str, str]:
    soup = pages.get("/aftaler/ap-1/flyt")
    form = soup.select_one("form[action='/aftaler/ap-1/flyt']")
    fields = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    assert len(fields["form_key"]) == 32
    return fields


def tomorrow_plus(days: int) -> str:
    return (b.TODAY + timedelta(days=days)).isoformat()


def test_move_request_form_summary_receipt(
    fake_planapi: FakePlanAPI, pages: PageChecker, client: FlaskClient
) -> None:
    serve_one(fake_planapi)
    fields = move_form(pages)
    data = fields | {
        "reason": "Jeg skal til lægen.",
        "date_1": tomorrow_plus(3),
        "part_1": "morning",
    }
    soup = pages.post("/aftaler/ap-1/flyt", data)
    summary = normalize(soup.select_one("#move-request table").text)
    assert "Jeg skal til lægen." in summary and "08.00–12.00" in summary
    send = soup.select_one("form[action='/aftaler/ap-1/flyt/send']")
    payload = {i["name"]: i.get("value", "") for i in send.select("input")}

    fake_planapi.on(
        "POST",
        f"{BASE}/ap-1/change-requests",
        status=201,
        json={
            "id": "cr-1",
            "appointment_id": "ap-1",
            "reason": "x",
            "preferred_times": [],
            "status": "received",
            "created_at": b.at(0),
            "created_by": b.person_ref(),
        },
    )
    response = client.post("/aftaler/ap-1/flyt/send", data=payload)
    assert response.status_code == 303
    receipt_url = response.location
    sent = fake_planapi.sent_json()
    assert sent["reason"] == "Jeg skal til lægen."
    window = sent["preferred_times"][0]
    assert window["start"].startswith(tomorrow_plus(3) + "T08:00:00+0")
    key = fake_planapi.requests[-1].headers["Idempotency-Key"]
    assert key == f"appointment_change_request:p-mette:p-mette:ap-1:{fields['form_key']}"

    soup = pages.get(receipt_url)
    assert "Din anmodning er afleveret" in normalize(soup.select_one(".alert-success").text)
    assert "Jeg skal til lægen." in normalize(soup.text)

    # A double click (same key) records one change.
    again = client.post("/aftaler/ap-1/flyt/send", data=payload)
    assert again.status_code == 303 and again.location == receipt_url
    posts = [r for r in fake_planapi.requests if r.method == "POST"]
    assert len(posts) == 1


def test_a_form_key_from_another_citizens_form_cannot_hide_their_request(
    fake_planapi: FakePlanAPI, pages: PageChecker, client: FlaskClient, app: Flask
) -> None:
    """The key is made on the server and bound to person, actor and appointment: Jonas
    sending Mette's form key records his own request, and Mette's later request with that
    same key is still delivered (it was swallowed behind a true-looking receipt before)."""
    change_request = {
        "id": "cr-1",
        "appointment_id": "ap-1",
        "reason": "x",
        "preferred_times": [],
        "status": "received",
        "created_at": b.at(0),
        "created_by": b.person_ref(),
    }
    form_key = "0123456789abcdef0123456789abcdef"
    data = {"reason": "Syg", "date_1": tomorrow_plus(5), "part_1": "day", "form_key": form_key}
    data["idempotency_key"] = form_key  # the field the key was once taken from, as is
    jonas_path = paths.change_requests("p-jonas", "ap-1")
    fake_planapi.on("POST", jonas_path, status=201, json=change_request)
    fake_planapi.on("GET", paths.appointment("p-jonas", "ap-1"), json=b.appointment())
    SignIn(client)("p-jonas", "Jonas Holm Nielsen", age=24)
    data["csrf_token"] = pages.csrf_token("/aftaler/ap-1/flyt")
    assert client.post("/aftaler/ap-1/flyt/send", data=data).status_code == 303

    SignIn(client)()  # Mette, with the very same form key
    serve_one(fake_planapi)
    fake_planapi.on("POST", f"{BASE}/ap-1/change-requests", status=201, json=change_request)
    data["csrf_token"] = pages.csrf_token("/aftaler/ap-1/flyt")
    response = client.post("/aftaler/ap-1/flyt/send", data=data | {"reason": "Tandlæge"})
    assert response.status_code == 303
    posts = [r for r in fake_planapi.requests if r.method == "POST"]
    assert [r.url.path for r in posts] == [jonas_path, f"{BASE}/ap-1/change-requests"]
    assert json.loads(posts[1].content)["reason"] == "Tandlæge"
    keys = [r.headers["Idempotency-Key"] for r in posts]
    assert keys[0] != keys[1] and all(form_key in k for k in keys)
    assert "Tandlæge" in normalize(pages.get(response.location).text)
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(m.person_id, m.resource_id, m.status) for m in rows] == [
            ("p-jonas", "ap-1", "delivered"),
            ("p-mette", "ap-1", "delivered"),
        ]
    # Jonas's receipt is not Mette's to see, even with the key in the address.
    jonas_receipt = f"/aftaler/ap-1/flyt/kvittering/{form_key}"
    assert "Syg" not in normalize(pages.get(jonas_receipt).text)


def test_move_request_errors_keep_what_was_typed(
    fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    serve_one(fake_planapi)
    fields = move_form(pages)
    data = fields | {
        "reason": "",
        "date_1": "31.02.2020",
        "part_1": "afternoon",
        "date_2": tomorrow_plus(-1),
    }
    soup = pages.post("/aftaler/ap-1/flyt", data, status=400)
    summary = soup.select_one(".error-summary")
    links = [a["href"] for a in summary.select("a")]
    assert links == ["#reason", "#date-1", "#date-2"]
    assert_error_focus(soup)
    assert soup.select_one("#date-1")["value"] == "31.02.2020"
    assert soup.select_one("#part-1 option[selected]")["value"] == "afternoon"
    assert soup.select_one("#reason")["aria-invalid"] == "true"


def test_move_request_while_plan_api_down_is_queued_and_told_honestly(
    fake_planapi: FakePlanAPI, pages: PageChecker, client: FlaskClient, app: Flask
) -> None:
    serve_one(fake_planapi)
    fields = move_form(pages)
    fake_planapi.down("POST", f"{BASE}/ap-1/change-requests")
    fake_planapi.down("GET", f"{BASE}/ap-1")
    data = fields | {"reason": "Syg", "date_1": tomorrow_plus(5), "part_1": "day"}
    response = client.post("/aftaler/ap-1/flyt/send", data=data)
    assert response.status_code == 303
    soup = pages.get(response.location)
    assert "registreret og bliver afleveret" in normalize(soup.select_one(".alert-info").text)
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        assert message.status == "pending" and message.kind == "appointment_change_request"


def test_read_only_preview_cannot_ask_to_move(
    client: FlaskClient, fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    SignIn(client)(caseworker=("cw-lene", "Lene Bach"))
    serve_list(fake_planapi)
    soup = pages.get("/aftaler")
    assert not soup.select("a[href$='/flyt']")
    token = soup.find("input", attrs={"name": "csrf_token"})["value"]  # the Log af form's
    before = len(fake_planapi.requests)
    move = pages.client.get("/aftaler/ap-1/flyt")
    assert_refused(move, "preview read-only", hidden=APPOINTMENT_DATA)
    send = pages.client.post(
        "/aftaler/ap-1/flyt/send", data={"reason": "Jeg er syg", "csrf_token": token}
    )
    assert_refused(send, "preview read-only", hidden=APPOINTMENT_DATA)
    assert fake_planapi.requests[before:] == [], "refused before any plan-API call"
    with pages.client.application.app_context():
        assert db.session.scalar(select(OutboxMessage)) is None


def test_calendar_feed_is_secret_hashed_and_revocable(
    fake_planapi: FakePlanAPI, pages: PageChecker, client: FlaskClient, app: Flask
) -> None:
    serve_list(fake_planapi)
    soup = pages.get("/aftaler/kalender")
    token_field = soup.select_one("form[action='/aftaler/kalender'] input[name=csrf_token]")
    soup = pages.post("/aftaler/kalender", {"csrf_token": token_field["value"]})
    url = soup.select_one("#feed-url")["value"]
    token = re.search(r"/kalender/([^/]+)\.ics$", url).group(1)
    with app.app_context():
        feed = db.session.scalar(select(CalendarFeed))
        assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in feed.token_hash

    response = client.get(f"/kalender/{token}.ics")
    assert response.status_code == 200
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert len(events) == 3
    alarms = [e.walk("VALARM") for e in events if str(e["status"]) == "CONFIRMED"]
    assert alarms and all(a[0].decoded("trigger") == -timedelta(days=1) for a in alarms)
    assert fake_planapi.requests[-1].headers["X-Basis"] == "self"

    client.post("/aftaler/kalender/stop", data={"csrf_token": token_field["value"]})
    assert client.get(f"/kalender/{token}.ics").status_code == 404
    assert client.get("/kalender/guess.ics").status_code == 404


def test_feed_only_for_own_data(client: FlaskClient) -> None:
    SignIn(client)("p-emma", "Emma", basis="custody", actor=("p-anders", "Anders Kjær Poulsen"))
    soup = assert_refused(client.get("/aftaler/kalender"), "custody", hidden=("/kalender/",))
    token = soup.find("input", attrs={"name": "csrf_token"})["value"]  # the Log af form's
    made = client.post("/aftaler/kalender", data={"csrf_token": token})
    assert_refused(made, "custody", hidden=("/kalender/",))
    with client.application.app_context():
        assert db.session.scalar(select(CalendarFeed)) is None


def test_appointments_down_shows_notice(fake_planapi: FakePlanAPI, pages: PageChecker) -> None:
    fake_planapi.down("GET", BASE)
    soup = pages.get("/aftaler")
    assert "Vi kan ikke vise dine aftaler lige nu" in normalize(
        soup.select_one(".alert-warning").text
    )


def test_move_form_steps_as_htmx_fragments(
    fake_planapi: FakePlanAPI, pages: PageChecker, client: FlaskClient
) -> None:
    serve_one(fake_planapi)
    fields = move_form(pages)
    data = fields | {"reason": "Tandlæge", "date_1": tomorrow_plus(4), "part_1": "day"}
    response = client.post("/aftaler/ap-1/flyt", data=data, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'id="move-request"' in html and "/aftaler/ap-1/flyt/send" in html
    edit = client.post(
        "/aftaler/ap-1/flyt", data=data | {"edit": "1"}, headers={"HX-Request": "true"}
    )
    assert 'value="Tandlæge"' in edit.get_data(as_text=True) or ">Tandlæge<" in edit.get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("status", "text"),
    [("accepted", "was accepted"), ("declined", "could not be met"), ("received", "asked to move")],
)
def test_the_answer_to_a_move_request_is_shown(
    fake_planapi: FakePlanAPI, pages: PageChecker, status: str, text: str
) -> None:
    request = {
        "id": "cr-1",
        "appointment_id": "ap-1",
        "reason": "Jeg er syg",
        "preferred_times": [],
        "status": status,
        "created_at": b.at(-1),
        "created_by": "p-mette",
    }
    items = b.items(b.appointment(change_requests=[request]))
    fake_planapi.on("GET", BASE, json={**items})
    card = normalize(pages.get("/aftaler", headers={"Accept-Language": "en"}).text)
    assert text in card
    others = {"was accepted", "could not be met", "asked to move"} - {text}
    assert not any(other in card for other in others)
