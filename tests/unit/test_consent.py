"""Samtykke: the page, give (explain → scope → summary → receipt), withdraw (whole or one
department), renew from the overview, the outbox (one change per form, honest receipt),
CSRF, and who may change what (never another person's consent, never in preview)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal import waiting
from portal.clients.base import Caller
from portal.extensions import db
from portal.models import OutboxMessage
from portal.views.consent import expiring_consents
from tests.unit import citizen_builders as b
from tests.unit import planapi_paths as paths
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn, assert_refused, normalize
from tests.unit.error_focus import assert_error_focus
from tests.unit.test_outbox import sql_sent

PERSON = "p-mette"
BASE = paths.person(PERSON)
NOW = datetime.now(UTC)
# What the consents built below show; none of it may be on a refusal page.
CONSENT_DATA = ("At lave og følge én samlet plan.", "Oplysninger om employment")


# --- builders of plan-API JSON ---------------------------------------------------------


def text(version: str = "2025-1") -> dict[str, Any]:
    return {
        "version": version,
        "published_on": "2024-07-01",
        "title": {"da": "Samtykke til at dele oplysninger", "en": "Consent to share information"},
        "body": {
            "da": "Du giver samtykke.\n\nDet er altid frivilligt.",
            "en": "You give consent.\n\nIt is always voluntary.",
        },
    }


def scope(department: str, status: str = "active") -> dict[str, Any]:
    return {
        "department": department,
        "information": f"Oplysninger om {department}",
        "status": status,
        "withdrawn_at": (NOW - timedelta(days=1)).isoformat() if status == "withdrawn" else None,
    }


def event(kind: str, days_ago: int, departments: list[str], actor: str = PERSON) -> dict[str, Any]:
    names = {PERSON: "Mette Lund Sørensen", "p-anders": "Anders Kjær Poulsen", "system": "System"}
    kinds = {PERSON: "citizen", "p-anders": "guardian", "system": "system"}
    return {
        "id": f"ce-{kind}-{days_ago}",
        "kind": kind,
        "at": (NOW - timedelta(days=days_ago)).isoformat(),
        "actor": {"id": actor, "name": names[actor], "kind": kinds[actor]},
        "departments": departments,
        "text_version": "2025-1",
    }


def consent(
    consent_id: str = "c-mette",
    *,
    person: str = PERSON,
    status: str = "active",
    departments: tuple[str, ...] = ("employment", "social", "health"),
    withdrawn: tuple[str, ...] = (),
    expires_in_days: int | None = 20,
    history: list[dict[str, Any]] | None = None,
    granted_by: str = PERSON,
) -> dict[str, Any]:
    names = {PERSON: "Mette Lund Sørensen", "p-anders": "Anders Kjær Poulsen"}
    return {
        "id": consent_id,
        "person": {"id": person, "name": names.get(person, "Emma Kjær Poulsen")},
        "status": status,
        "purpose": "At lave og følge én samlet plan.",
        "legal_basis": "Samtykke efter databeskyttelsesforordningens art. 6, stk. 1, litra a",
        "scopes": [scope(d, "withdrawn" if d in withdrawn else "active") for d in departments],
        "text": text(),
        "granted_by": {
            "person": {"id": granted_by, "name": names[granted_by]},
            "kind": "self" if granted_by == person else "guardian",
        },
        "granted_at": (NOW - timedelta(days=345)).isoformat(),
        "expires_at": (NOW + timedelta(days=expires_in_days or -1)).isoformat(),
        "withdrawn_at": NOW.isoformat() if status == "withdrawn" else None,
        "expires_in_days": expires_in_days if status == "active" else None,
        "history": history or [event("granted", 345, list(departments), granted_by)],
    }


def plan(departments: list[str]) -> dict[str, Any]:
    return {"id": "plan-1", "person": {"id": PERSON, "name": "M"}, "departments": departments}


# --- helpers ---------------------------------------------------------------------------


def routes(
    fake: FakePlanAPI,
    consents: list[dict[str, Any]],
    *,
    person: str = PERSON,
    plan_departments: list[str] | None = None,
) -> None:
    fake.on("GET", paths.consents(person), json={"items": consents})
    for c in consents:
        fake.on("GET", paths.consent(person, c["id"]), json=c)
    fake.on("GET", paths.consent_text(), json=text())
    fake.on("GET", paths.consent_text("2025-1"), json=text())
    fake.on("GET", paths.plan(person), json=plan(plan_departments or ["employment", "social"]))


def respond_with(body: dict[str, Any], status: int = 201) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    return handler


def form_of(soup: BeautifulSoup, action: str) -> dict[str, Any]:
    """The fields a browser would send from the form with this action."""
    form = soup.find("form", action=action)
    assert form is not None, f"no form posting to {action}"
    data: dict[str, Any] = {}
    for field in form.find_all("input"):
        kind = field.get("type", "text")
        if kind == "checkbox" and not field.has_attr("checked"):
            continue
        data.setdefault(field["name"], []).append(field.get("value", ""))
    return data


def give_summary(pages: PageChecker, step2: BeautifulSoup | None = None) -> dict[str, Any]:
    """The give flow up to its summary, every offered department kept: the form to send."""
    step2 = step2 or pages.get("/samtykke/giv/omfang?text_version=2025-1")
    summary = pages.post("/samtykke/giv/omfang", form_of(step2, "/samtykke/giv/omfang"))
    return form_of(summary, "/samtykke/giv/send")


def writes(fake: FakePlanAPI) -> list[httpx.Request]:
    return [r for r in fake.requests if r.method == "POST"]


def outbox_count(client: FlaskClient) -> int:
    with client.application.app_context():
        return int(db.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


# --- the page --------------------------------------------------------------------------


def test_page_shows_consent_in_plain_words_with_history(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    sign_in()
    history = [
        event("granted", 345, ["employment", "social", "health"]),
        event("department_withdrawn", 2, ["health"]),
    ]
    routes(fake_planapi, [consent(withdrawn=("health",), history=history)])
    soup = pages.get("/samtykke")
    card = soup.select_one(".consent-card")
    facts = normalize(card.select_one("dl.facts").text)
    assert "At lave og følge én samlet plan." in facts
    # What it means comes first; the law and the text's version only behind "Lovgrundlag".
    assert normalize(card.select_one(".consent-meaning").text).startswith("Afdelingerne herunder")
    assert "databeskyttelsesforordningens" not in facts and "2025-1" not in facts
    legal = card.select_one("details.legal-basis")
    assert normalize(legal.summary.text) == "Lovgrundlag"
    assert "databeskyttelsesforordningens" in legal.text and "Version 2025-1" in legal.text
    rows = {
        normalize(li.strong.text): normalize(li.text) for li in card.select("ul.consent-scopes li")
    }
    assert list(rows) == ["Beskæftigelse (jobcenter)", "Socialområdet for voksne", "Sundhed"]
    shares = [bool(tr.select_one(".badge-success")) for tr in card.select("ul.consent-scopes li")]
    assert shares == [True, True, False]  # health was withdrawn on its own
    # One department can be withdrawn on its own, straight from the table.
    assert card.find("a", href="/samtykke/c-mette/traek-tilbage?afdeling=employment")
    # Expiring within 30 days: a renew button.
    assert card.find("a", href="/samtykke/c-mette/forny")
    # Every department of the plan is covered: nothing more to give.
    assert not soup.find("a", href="/samtykke/giv")
    history_rows = soup.select("ol.consent-history li")
    assert len(history_rows) == 2
    newest = normalize(history_rows[0].text)
    assert "Mette" not in newest  # the person themself is "you"


def test_page_plan_api_refuses_read_is_403(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    sign_in()  # e.g. a basis the plan API no longer accepts
    fake_planapi.on("GET", paths.consents(PERSON), status=403, json={"title": "Forbidden"})
    assert_refused(pages.client.get(pages.url("consent.index")), "no access", hidden=CONSENT_DATA)


@pytest.mark.parametrize("endpoint", ["consent.renew", "consent.withdraw"])
def test_custody_refusal_page_names_nobody(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: SignIn, endpoint: str
) -> None:
    """Custody ended (Emma turned 18) after Anders chose her: the plan API refuses, and its
    refusal page names nobody: not Emma, in the banner or anywhere else."""
    sign_in("p-emma", "Emma Kjær Poulsen", basis="custody", actor=("p-anders", "Anders"), age=17)
    refusal = {"title": "Forbidden", "detail": "custody ended"}
    fake_planapi.on("GET", paths.consent("p-emma", "c-emma"), status=403, json=refusal)
    soup = pages.get(endpoint, consent_id="c-emma", _expected_status=403)
    page = normalize(soup.text)
    assert "Emma" not in page and "Kjær Poulsen" not in page
    assert "custody ended" not in page  # the plan API's wording stays internal
    assert soup.select_one("h1") is not None
    assert [r.url.path for r in fake_planapi.requests] == [paths.consent("p-emma", "c-emma")]


# --- give ------------------------------------------------------------------------------


def test_give_explain_scope_summary_receipt(
    pages: PageChecker, client: FlaskClient, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    sign_in("p-freja", "Freja Dam", age=29)
    routes(fake_planapi, [], person="p-freja", plan_departments=["employment", "social", "health"])
    step1 = pages.get("/samtykke/giv")
    assert "Det er altid frivilligt." in normalize(step1.select_one(".consent-text").text)
    continue_link = step1.find("a", href="/samtykke/giv/omfang?text_version=2025-1")
    assert continue_link is not None

    step2 = pages.get("/samtykke/giv/omfang?text_version=2025-1")
    boxes = step2.select("input[type=checkbox][name=department]")
    assert [b["value"] for b in boxes] == ["employment", "social", "health"]
    assert all(b.has_attr("checked") for b in boxes)  # every department explained and offered
    data = form_of(step2, "/samtykke/giv/omfang")
    form_key = data["form_key"][0]
    data["department"] = ["social"]  # a subset is allowed

    summary = pages.post("/samtykke/giv/omfang", data)
    sent = form_of(summary, "/samtykke/giv/send")
    assert sent["department"] == ["social"] and sent["form_key"] == [form_key]
    assert "2025-1" in normalize(summary.text)

    granted = consent("c-new", person="p-freja", departments=("social",), expires_in_days=365)
    fake_planapi.on(
        "POST",
        paths.consents("p-freja"),
        handler=respond_with(granted | {"person": {"id": "p-freja", "name": "Freja Dam"}}),
    )
    receipt_url = pages.redirect("/samtykke/giv/send", method="POST", data=sent)
    body = fake_planapi.sent_json()
    assert body["text_version"] == "2025-1"
    assert [s["department"] for s in body["scopes"]] == ["social"]
    # The municipality's record is in Danish whatever language the citizen reads.
    assert body["scopes"][0]["information"].startswith("Oplysninger om")
    assert writes(fake_planapi)[-1].headers["Idempotency-Key"].endswith(form_key)

    receipt = pages.get(receipt_url)
    assert receipt.select_one(".alert-success")
    assert "2025-1" in normalize(receipt.select_one(".consent-receipt").text)
    assert receipt.find("a", href="/samtykke")


def test_give_without_a_department_shows_error_summary(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    sign_in("p-freja", "Freja Dam", age=29)
    routes(fake_planapi, [], person="p-freja")
    step2 = pages.get("/samtykke/giv/omfang?text_version=2025-1")
    data = form_of(step2, "/samtykke/giv/omfang")
    data.pop("department")
    soup = pages.post("/samtykke/giv/omfang", data, status=400)
    summary = assert_error_focus(soup)
    assert summary.find("a", href="#department")
    assert soup.find(id="department")
    assert soup.select_one(".form-group.form-error")


def test_double_submit_of_give_is_one_change(
    pages: PageChecker, client: FlaskClient, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    sign_in("p-freja", "Freja Dam", age=29)
    routes(fake_planapi, [], person="p-freja")
    sent = give_summary(pages)
    granted = consent("c-new", person="p-freja", departments=("employment", "social"))
    fake_planapi.on("POST", paths.consents("p-freja"), handler=respond_with(granted))
    first = pages.redirect("/samtykke/giv/send", method="POST", data=sent)
    again = pages.redirect("/samtykke/giv/send", method="POST", data=sent)
    assert first == again
    assert len(writes(fake_planapi)) == 1
    assert outbox_count(client) == 1


def test_give_again_with_a_fresh_form_does_not_grant_twice(
    pages: PageChecker, client: FlaskClient, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    """Back to a freshly fetched form (new key) after the consent was given: not again."""
    sign_in("p-freja", "Freja Dam", age=29)
    routes(fake_planapi, [], person="p-freja")
    step2 = pages.get("/samtykke/giv/omfang?text_version=2025-1")
    sent = form_of(step2, "/samtykke/giv/omfang")
    granted = consent("c-new", person="p-freja", departments=("employment", "social"))
    routes(fake_planapi, [granted], person="p-freja")
    sent["form_key"] = ["0" * 32]
    location = pages.redirect("/samtykke/giv/send", method="POST", data=sent)
    assert location.endswith("/samtykke")
    assert writes(fake_planapi) == []


def test_give_while_plan_api_down_is_queued_and_told_honestly(
    pages: PageChecker, client: FlaskClient, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    sign_in("p-freja", "Freja Dam", age=29)
    routes(fake_planapi, [], person="p-freja")
    sent = give_summary(pages)
    fake_planapi.down("GET", paths.consents("p-freja"))
    fake_planapi.down("POST", paths.consents("p-freja"))
    receipt = pages.get(pages.redirect("/samtykke/giv/send", method="POST", data=sent))
    assert receipt.select_one(".alert-info") and not receipt.select_one(".alert-success")
    with client.application.app_context():
        (message,) = db.session.scalars(select(OutboxMessage)).all()
        assert (message.status, message.kind) == ("pending", "consent.grant")


def test_parent_gives_consent_for_child(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    sign_in("p-emma", "Emma Kjær Poulsen", basis="custody", actor=("p-anders", "Anders"), age=15)
    routes(fake_planapi, [], person="p-emma", plan_departments=["children_family", "school"])
    step2 = pages.get("/samtykke/giv/omfang?text_version=2025-1")
    assert "Emma Kjær Poulsen" in normalize(step2.select_one(".font-lead").text)
    sent = give_summary(pages, step2)
    granted = consent("c-emma2", person="p-emma", departments=("school",), granted_by="p-anders")
    fake_planapi.on("POST", paths.consents("p-emma"), handler=respond_with(granted))
    pages.redirect("/samtykke/giv/send", method="POST", data=sent)
    request = writes(fake_planapi)[-1]
    assert (request.headers["X-Actor-Id"], request.headers["X-Basis"]) == ("p-anders", "custody")


# --- withdraw --------------------------------------------------------------------------


def test_withdraw_one_department_confirm_receipt(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    sign_in()
    routes(fake_planapi, [consent()])
    confirm = pages.get("/samtykke/c-mette/traek-tilbage?afdeling=health")
    assert confirm.select_one("#consequences-heading")
    sent = form_of(confirm, "/samtykke/c-mette/traek-tilbage/send")
    assert sent["department"] == ["health"]
    after = consent(withdrawn=("health",))
    fake_planapi.on("POST", paths.withdrawals(PERSON, "c-mette"), handler=respond_with(after))
    receipt = pages.get(
        pages.redirect("/samtykke/c-mette/traek-tilbage/send", method="POST", data=sent)
    )
    assert fake_planapi.sent_json() == {"departments": ["health"]}
    assert receipt.select_one(".alert-success")
    assert "Sundhed" in normalize(receipt.select_one(".consent-receipt").text)


def test_withdraw_all_takes_no_more_steps_than_giving(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    """From the page: confirm (with the consequences) → receipt."""
    sign_in()
    routes(fake_planapi, [consent()])
    page = pages.get("/samtykke")
    confirm = pages.get(page.find("a", href="/samtykke/c-mette/traek-tilbage")["href"])
    sent = form_of(confirm, "/samtykke/c-mette/traek-tilbage/send")
    assert sent["department"] == ["employment", "social", "health"]
    fake_planapi.on(
        "POST",
        paths.withdrawals(PERSON, "c-mette"),
        handler=respond_with(consent(status="withdrawn")),
    )
    pages.redirect("/samtykke/c-mette/traek-tilbage/send", method="POST", data=sent)
    assert fake_planapi.sent_json() == {"departments": ["employment", "social", "health"]}


def test_withdraw_choose_departments(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    sign_in()
    routes(fake_planapi, [consent()])
    choose = pages.get("/samtykke/c-mette/traek-tilbage?vaelg=1")
    data = form_of(choose, "/samtykke/c-mette/traek-tilbage")
    data["department"] = ["employment", "health", "daycare"]  # daycare is not in the consent
    confirm = pages.post("/samtykke/c-mette/traek-tilbage", data)
    assert form_of(confirm, "/samtykke/c-mette/traek-tilbage/send")["department"] == [
        "employment",
        "health",
    ]
    data["department"] = []
    soup = pages.post("/samtykke/c-mette/traek-tilbage", data, status=400)
    assert_error_focus(soup)


def test_withdraw_twice_is_one_change_and_conflict_is_explained(
    pages: PageChecker, client: FlaskClient, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    sign_in()
    routes(fake_planapi, [consent()])
    sent = form_of(
        pages.get("/samtykke/c-mette/traek-tilbage?afdeling=health"),
        "/samtykke/c-mette/traek-tilbage/send",
    )
    path = paths.withdrawals(PERSON, "c-mette")
    fake_planapi.on("POST", path, handler=respond_with(consent(withdrawn=("health",))))
    first = pages.redirect("/samtykke/c-mette/traek-tilbage/send", method="POST", data=sent)
    assert pages.redirect("/samtykke/c-mette/traek-tilbage/send", method="POST", data=sent) == first
    assert len(writes(fake_planapi)) == 1
    # A fresh form after going back: the plan API refuses the repeat (409), said plainly.
    fake_planapi.on("POST", path, status=409, json={"title": "Conflict", "status": 409})
    sent["form_key"] = ["1" * 32]
    location = pages.redirect("/samtykke/c-mette/traek-tilbage/send", method="POST", data=sent)
    assert location.endswith("/samtykke")


# --- renew and the overview ------------------------------------------------------------


def test_expiring_consent_waits_on_the_overview_and_renews_in_one_step(
    pages: PageChecker,
    fake_planapi: FakePlanAPI,
    sign_in: SignIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sign_in()
    monkeypatch.setattr(waiting, "_sources", [expiring_consents])
    routes(fake_planapi, [consent(expires_in_days=20)])
    fake_planapi.on("GET", paths.plan(PERSON), json=b.plan())
    fake_planapi.on("GET", paths.appointments(PERSON), json=b.items())
    fake_planapi.on("GET", paths.contacts(PERSON), json=b.contact_list(b.contact()))
    fake_planapi.on("GET", paths.involvements(PERSON), json=b.items())
    overview = pages.get("/overblik")
    (item,) = overview.select(".waiting-item")
    assert "waiting-item--soon" in item["class"]
    assert "Forny dit samtykke" in normalize(item.text)
    link = item.find("a")["href"]
    assert link == "/samtykke/c-mette/forny"

    page = pages.get(link)
    sent = form_of(page, "/samtykke/c-mette/forny")
    fake_planapi.on(
        "POST",
        paths.renewals(PERSON, "c-mette"),
        handler=respond_with(consent(expires_in_days=365)),
    )
    receipt = pages.get(pages.redirect("/samtykke/c-mette/forny", method="POST", data=sent))
    assert fake_planapi.sent_json() == {"valid_months": 12}
    assert receipt.select_one(".alert-success")


def test_consent_far_from_expiry_or_preview_is_not_waiting(
    fake_planapi: FakePlanAPI, client: FlaskClient
) -> None:
    routes(fake_planapi, [consent(expires_in_days=200), consent("c-2", expires_in_days=3)])
    with client.application.test_request_context():
        g.acting = SimpleNamespace(read_only=False, basis="self")
        (item,) = expiring_consents(Caller(PERSON, "citizen", "self"), PERSON)
        assert item.url == "/samtykke/c-2/forny"
        g.acting = SimpleNamespace(read_only=True, basis="caseworker_preview")
        preview = Caller("cw-lene", "caseworker", "caseworker_preview", "Opfølgning")
        assert expiring_consents(preview, PERSON) == []


@pytest.mark.parametrize("days", [200, 3])
def test_the_waiting_list_asks_the_portals_database_only_when_a_consent_runs_out(
    fake_planapi: FakePlanAPI, client: FlaskClient, days: int
) -> None:
    """Most days nothing runs out: the overview then does not ask the portal's database
    which renewals are on their way (a connection and a query per page view)."""
    routes(fake_planapi, [consent(expires_in_days=days)])
    with client.application.test_request_context():
        g.acting = SimpleNamespace(read_only=False, basis="self")
        with sql_sent() as statements:
            items = expiring_consents(Caller(PERSON, "citizen", "self"), PERSON)
    outbox_reads = [s for s in statements if "FROM outbox_message" in s]
    if days == 200:
        assert (items, statements) == ([], [])
    else:
        assert [i.url for i in items] == ["/samtykke/c-mette/forny"]
        assert len(outbox_reads) == 1, statements  # a renewal on its way hides the item


# --- who may change what ---------------------------------------------------------------


def test_post_without_csrf_token_is_refused(
    client: FlaskClient, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    sign_in()
    data = {"form_key": "a" * 32, "department": ["health"]}
    for url in (
        "/samtykke/c-mette/traek-tilbage/send",
        "/samtykke/giv/send",
        "/samtykke/c-mette/forny",
    ):
        assert client.post(url, data=data).status_code == 400
    assert fake_planapi.requests == [] and outbox_count(client) == 0


def test_another_persons_consent_id_cannot_be_changed(
    pages: PageChecker, client: FlaskClient, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    """The portal only ever sends the acting person's id; the plan API says 404."""
    sign_in()
    routes(fake_planapi, [consent()])
    fake_planapi.on(
        "GET", paths.consent(PERSON, "c-karim"), status=404, json={"title": "Not found"}
    )
    assert client.get("/samtykke/c-karim/traek-tilbage").status_code == 404
    assert client.get("/samtykke/c-karim/forny").status_code == 404

    confirm = pages.get("/samtykke/c-mette/traek-tilbage?afdeling=health")
    sent = form_of(confirm, "/samtykke/c-mette/traek-tilbage/send")
    sent["person_id"] = ["p-karim"]  # not a field the portal reads
    fake_planapi.on(
        "POST", paths.withdrawals(PERSON, "c-karim"), status=404, json={"title": "Not found"}
    )
    response = client.post("/samtykke/c-karim/traek-tilbage/send", data=sent)
    assert response.status_code == 404
    called = [r.url.path for r in fake_planapi.requests]
    assert all(p.startswith(f"{BASE}/") or p.startswith(paths.consent_text("")) for p in called)
    with client.application.app_context():
        (message,) = db.session.scalars(select(OutboxMessage)).all()
        assert message.status == "rejected"  # never retried
    # Its receipt says plainly that nothing was changed.
    receipt = pages.get(f"/samtykke/kvittering/{sent['form_key'][0]}")
    assert receipt.select_one(".alert-error") and not receipt.select_one(".alert-success")


def test_receipt_of_someone_else_is_404(
    pages: PageChecker, client: FlaskClient, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    sign_in()
    routes(fake_planapi, [consent()])
    sent = form_of(
        pages.get("/samtykke/c-mette/forny"),
        "/samtykke/c-mette/forny",
    )
    fake_planapi.on(
        "POST",
        paths.renewals(PERSON, "c-mette"),
        handler=respond_with(consent(expires_in_days=365)),
    )
    receipt_url = pages.redirect("/samtykke/c-mette/forny", method="POST", data=sent)
    sign_in("p-jonas", "Jonas Holm Nielsen", age=24)
    assert client.get(receipt_url).status_code == 404


@pytest.mark.parametrize(
    "who",
    [
        {"caseworker": ("cw-lene", "Lene Bach")},
        {"basis": "power_of_attorney", "actor": ("p-bent", "Bent Nielsen")},
    ],
    ids=["caseworker-preview", "power-of-attorney"],
)
def test_preview_and_power_of_attorney_see_disabled_actions_and_get_403(
    who: dict[str, Any],
    pages: PageChecker,
    client: FlaskClient,
    fake_planapi: FakePlanAPI,
    sign_in: SignIn,
) -> None:
    reason = "power of attorney" if "actor" in who else "preview read-only"
    if "actor" in who:  # a power of attorney that covers reading consent (not changing it)
        who = {**who, "scope": ["consents:read"]}
    sign_in(**who)
    routes(fake_planapi, [consent()], plan_departments=["employment", "social", "school"])
    soup = pages.get("/samtykke")
    assert not soup.select("main a.button")
    disabled = [normalize(b.text) for b in soup.select("main button[disabled]")]
    assert disabled == [
        "Forny samtykke",
        "Træk samtykke tilbage",
        "Giv samtykke for flere afdelinger",
    ]
    assert not soup.select("ul.consent-scopes a")
    token = soup.find("input", attrs={"name": "csrf_token"})["value"]  # the Log af form's
    data = {"form_key": "a" * 32, "department": ["health"], "text_version": "2025-1"}
    for method, url in (
        ("GET", "/samtykke/giv"),
        ("GET", "/samtykke/c-mette/traek-tilbage"),
        ("GET", "/samtykke/c-mette/forny"),
        ("POST", "/samtykke/giv/send"),
        ("POST", "/samtykke/c-mette/traek-tilbage/send"),
        ("POST", "/samtykke/c-mette/forny"),
    ):
        payload = data | {"csrf_token": token} if method == "POST" else None
        response = client.open(url, method=method, data=payload)
        assert_refused(response, reason, CONSENT_DATA)
    assert writes(fake_planapi) == [] and outbox_count(client) == 0


def test_nothing_left_to_give_goes_back_to_the_page(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    sign_in()
    routes(fake_planapi, [consent()], plan_departments=["employment", "social"])
    assert pages.redirect("/samtykke/giv").endswith("/samtykke")
    assert pages.redirect("/samtykke/giv/omfang?text_version=2025-1").endswith("/samtykke")


def test_renew_again_with_a_fresh_form_is_not_a_second_renewal(
    pages: PageChecker, client: FlaskClient, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    sign_in()
    routes(fake_planapi, [consent(expires_in_days=20)])
    sent = form_of(pages.get("/samtykke/c-mette/forny"), "/samtykke/c-mette/forny")
    routes(fake_planapi, [consent(expires_in_days=365)])  # renewed meanwhile
    assert pages.redirect("/samtykke/c-mette/forny", method="POST", data=sent).endswith("/samtykke")
    assert writes(fake_planapi) == []
    page = pages.get("/samtykke/c-mette/forny")
    assert not page.find("form", action="/samtykke/c-mette/forny")


def test_renew_while_plan_api_down_is_queued_once(
    pages: PageChecker, client: FlaskClient, fake_planapi: FakePlanAPI, sign_in: SignIn
) -> None:
    sign_in()
    routes(fake_planapi, [consent(expires_in_days=20)])
    sent = form_of(pages.get("/samtykke/c-mette/forny"), "/samtykke/c-mette/forny")
    fake_planapi.down("GET", paths.consent(PERSON, "c-mette"))
    fake_planapi.down("POST", paths.renewals(PERSON, "c-mette"))
    receipt = pages.get(pages.redirect("/samtykke/c-mette/forny", method="POST", data=sent))
    assert receipt.select_one(".alert-info") and not receipt.select_one(".alert-success")
    # A fresh form for the same consent while it waits: told it is registered, not queued twice.
    sent["form_key"] = ["2" * 32]
    assert pages.redirect("/samtykke/c-mette/forny", method="POST", data=sent).endswith("/samtykke")
    assert outbox_count(client) == 1


def test_without_a_plan_only_fitting_departments_are_offered() -> None:
    from portal.views.consent import fitting_departments

    freja = fitting_departments(28, cares_for_children=False)
    assert "daycare" not in freja and "school" not in freja and "children_family" not in freja
    assert "youth_education" not in freja and "elderly" not in freja
    assert {"employment", "social", "health"} <= set(freja)
    parent = fitting_departments(41, cares_for_children=True)
    assert {"daycare", "school", "children_family"} <= set(parent)
    assert "elderly" in fitting_departments(70, cares_for_children=False)
    assert "daycare" in fitting_departments(4, cares_for_children=False)
