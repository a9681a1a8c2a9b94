"""Journeys: a parent follows the child's efterskole case; a caseworker previews a citizen
read-only (and is refused an action and a citizen outside the caseload); the citizen then
sees the preview in "who has seen my data" and downloads everything."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import Page, expect

from portal.devstack import Stack
from tests.e2e.conftest import login_as, text_of


def log_out(page: Page) -> None:
    page.locator(".portal-user button.log-off").click()
    page.wait_for_load_state()


def test_parent_follows_the_childs_efterskole_case(page: Page, stack: Stack) -> None:
    login_as(page, "Anders Kjær Poulsen")
    page.wait_for_url("**/vaelg-person**")
    page.get_by_label("Emma Kjær Poulsen").check()
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/overblik")
    expect(page.locator(".acting-banner")).to_contain_text("Emma Kjær Poulsen, 15 år")

    page.goto("/min-plan")
    case = page.locator("#case-case-emma-efterskole")
    expect(case).to_contain_text("Barnets Lov § 35, stk. 4")
    steps = [s.strip() for s in case.locator(".step-title").all_inner_texts()]
    assert steps == [
        "Ansøgning modtaget",
        "Vi beder skolen og PPR om en udtalelse",
        "Møde med Emma og hendes far",
        "Afgørelse",
    ]
    expect(case.locator("[aria-current=step]")).to_contain_text(
        "Vi beder skolen og PPR om en udtalelse"
    )
    # The statements still missing come first (a received document lists apart).
    missing = text_of(page, "#case-case-emma-efterskole .missing-list >> nth=0")
    assert "Udtalelse fra skolen" in missing and "Nordby Skole" in missing
    assert "Udtalelse fra PPR" in missing and "Ansøgningsskema" not in missing

    # Anders's reads are in Emma's log, in his own words, behind "your own visits".
    page.goto("/hvem-har-set-mine-oplysninger")
    expect(page.locator(".access-log-own")).to_contain_text("Du har selv kigget")
    page.get_by_role("link", name="Vis også dine egne besøg").click()
    own = page.locator(".access-log__entry", has_text="Anders Kjær Poulsen (du selv)").first
    expect(own).to_contain_text("Forældremyndighed")


def test_caseworker_preview_is_read_only_logged_and_seen_by_the_citizen(
    page: Page, stack: Stack, axe_check: Any
) -> None:
    login_as(page, "Lene Bach", employee=True)
    page.wait_for_url("**/medarbejder/borgere")
    expect(page.locator(".caseload")).to_contain_text("Mette Lund Sørensen")
    page.get_by_role("link", name="Se Mette Lund Sørensens visning").click()

    # The purpose is required.
    page.get_by_role("button", name="Vis borgerens visning").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe_check(reload=False)
    page.get_by_label("Formål med visningen").fill("Forberede opfølgningsmødet")
    page.get_by_role("button", name="Vis borgerens visning").click()
    page.wait_for_url("**/overblik")
    banner = page.locator(".acting-banner--preview")
    expect(banner).to_contain_text("Du ser borgerens visning som sagsbehandler")
    expect(banner).to_contain_text("Mette Lund Sørensen")

    # No action in the page; forced anyway, the server refuses it.
    page.goto("/aftaler")
    expect(page.locator("main form[method=post]")).to_have_count(0)
    csrf = page.locator(".acting-banner input[name=csrf_token]").get_attribute("value")
    appointment = page.locator("main a[href$='kalender.ics']").first.get_attribute("href")
    assert appointment is not None and csrf is not None
    move = appointment.replace("/kalender.ics", "/flyt")
    refused = page.request.post(move, form={"csrf_token": csrf, "reason": "Syg"})
    assert refused.status == 403
    assert "En forhåndsvisning kan kun læses" in refused.text()

    # End the preview; someone outside the caseload is refused, and that is logged.
    page.get_by_role("button", name="Afslut visningen").click()
    page.wait_for_url("**/medarbejder/borgere")
    response = page.goto("/medarbejder/borgere/p-freja")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("Du kan ikke se denne borgers visning")
    expect(page.locator("main")).not_to_contain_text("Freja")
    axe_check(reload=False)
    # Only an attempt to start (a POST) is logged for her; a link (GET) writes nothing.
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token is not None
    attempt = page.request.post(
        "/medarbejder/borgere/p-freja", form={"csrf_token": token, "purpose": "Opfølgning"}
    )
    assert attempt.status == 403
    log_out(page)

    login_as(page, "Mette Lund Sørensen")
    page.goto("/hvem-har-set-mine-oplysninger?hvem=caseworker")
    entries = page.locator(".access-log__entry")
    expect(entries.first).to_contain_text("Lene Bach (din sagsbehandler)")
    # One visit can hold several purposes (an answer in the inbox, then the preview).
    expect(page.locator("main")).to_contain_text(
        re.compile(r"Formål: [^·]*Forberede opfølgningsmødet")
    )
    expect(page.locator("main")).to_contain_text("Sagsbehandlers visning")
    log_out(page)

    login_as(page, "Freja Dam")
    page.goto("/hvem-har-set-mine-oplysninger")
    refusal = page.locator(".access-log__entry--refused").first
    expect(refusal).to_contain_text("Lene Bach")
    expect(refusal).to_contain_text("Afvist")


def test_export_has_plan_appointments_consents_responses_and_log(page: Page, stack: Stack) -> None:
    login_as(page, "Mette Lund Sørensen")
    page.goto("/mine-data")
    page.get_by_role("button", name="Se alle oplysninger som en side").click()
    page.wait_for_url("**/mine-data/oplysninger")
    for heading in ("Plan", "Aftaler", "Samtykker", "Svar på spørgeskemaer"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Hent som JSON (til computere)").first.click()
    path = download_info.value.path()
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert data["person"]["id"] == "p-mette"
    assert data["plan"]["overall_goal"]
    assert data["appointments_upcoming"] or data["appointments_past"]
    assert data["consents"] and data["consents"][0]["history"]
    assert data["questionnaire_responses"] and data["questionnaire_responses"][0]["score"]
    assert any(e["action"] == "export" for e in data["access_log"])


def test_power_of_attorney_works_within_its_scope(page: Page, stack: Stack, axe_check: Any) -> None:
    """Bent holds a power of attorney for Mette for her plan and appointments, nothing more."""
    login_as(page, "Bent Nielsen")
    page.wait_for_url("**/vaelg-person**")
    page.get_by_label("Mette Lund Sørensen").check()
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/overblik")
    expect(page.locator(".acting-banner")).to_contain_text("Mette Lund Sørensen")
    menu = [a.strip() for a in page.locator(".portal-nav__bar a").all_inner_texts()]
    assert "Min plan" in menu and "Aftaler" in menu
    assert "Samtykke" not in menu and "Kontakt" not in menu

    page.goto("/min-plan")
    expect(page.locator("h1")).to_have_text("Min plan")
    page.goto("/aftaler")
    expect(page.locator("h1")).to_have_text("Aftaler")

    # Outside the scope: a clear page, and none of Mette's consent data.
    response = page.goto("/samtykke")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("Din fuldmagt dækker ikke dette")
    expect(page.locator("main")).not_to_contain_text("Beskæftigelse")
    axe_check()
