"""Consent journeys on the real stack: Freja gives consent and withdraws one department;
Mette renews her expiring consent from the overview (a double click and a resent form
record one renewal); Anders withdraws for Emma while the plan API is stopped, gets the
honest receipt, and the withdrawal is delivered exactly once after the restart.

Each journey changes a different person's consent, so the shared stack's other
journeys keep their demo data (Mette's consent stays active, only later)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from portal.devstack import Stack
from tests.e2e.conftest import login_as, outbox_settled


def consents(stack: Stack, person_id: str, actor: str | None = None) -> list[dict[str, Any]]:
    """The person's consents as the plan API holds them (read with the service token)."""
    answer = httpx.get(
        f"{stack.planapi_url}/v1/persons/{person_id}/consents",
        headers={
            "Authorization": f"Bearer {stack.env()['PLANAPI_SERVICE_TOKEN']}",
            "X-Actor-Id": actor or person_id,
            "X-Actor-Role": "citizen",
            "X-Basis": "custody" if actor else "self",
        },
        timeout=5,
    )
    answer.raise_for_status()
    return list(answer.json()["items"])


def events(stack: Stack, person_id: str, kind: str, actor: str | None = None) -> int:
    return sum(
        1
        for consent in consents(stack, person_id, actor)
        for event in consent["history"]
        if event["kind"] == kind
    )


def test_give_then_withdraw_one_department(page: Page, stack: Stack, axe_check: Any) -> None:
    login_as(page, "Freja Dam")
    page.goto("/samtykke")
    expect(page.locator("h1")).to_have_text("Samtykke")
    axe_check()

    page.get_by_role("link", name="Giv samtykke").click()
    expect(page.locator("h1")).to_have_text("Hvad samtykke betyder")
    version = consents_text_version(stack)
    expect(page.locator(".consent-text")).to_contain_text(version)
    axe_check()

    page.get_by_role("link", name="Fortsæt").click()
    expect(page.locator("h1")).to_have_text("Vælg afdelinger")
    axe_check()
    scope_url = page.url

    # The POST-only states in English: the error summary, then the summary page.
    set_language(page, stack, "en")
    page.goto(scope_url)
    ids = [box.get_attribute("id") for box in page.locator("input[name=department]").all()]
    for box_id in ids:  # all start ticked
        page.locator(f"label[for='{box_id}']").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".error-summary a[href='#department']")).to_be_visible()
    axe_check(reload=False)
    page.locator("label[for='department']").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Check your consent")
    axe_check(reload=False)
    set_language(page, stack, "da")
    page.goto(scope_url)
    boxes = page.locator("input[name=department]")
    count = boxes.count()
    assert count >= 2
    for n in range(count):  # keep two departments, leave the rest out (a subset)
        if n >= 2:
            page.locator("label[for='" + str(boxes.nth(n).get_attribute("id")) + "']").click()
    page.get_by_role("button", name="Fortsæt").click()
    expect(page.locator("h1")).to_have_text("Tjek dit samtykke")
    axe_check(reload=False)

    page.get_by_role("button", name="Giv samtykke").click()
    expect(page.locator("h1")).to_have_text("Kvittering: samtykke givet")
    expect(page.locator(".alert-success")).to_contain_text("Afleveret til kommunen")
    expect(page.locator(".consent-receipt")).to_contain_text(f"Version {version}")
    axe_check()

    (given,) = [c for c in consents(stack, "p-freja") if c["status"] == "active"]
    assert given["text"]["version"] == version and len(given["scopes"]) == 2
    page.get_by_role("link", name="Gå til siden Samtykke").click()
    rows = page.locator("ul.consent-scopes li")
    expect(rows).to_have_count(2)

    # Withdraw the second department only: confirm (with consequences) → receipt.
    second = given["scopes"][1]["department"]
    page.locator(f"a[href$='traek-tilbage?afdeling={second}']").click()
    expect(page.locator("#consequences-heading")).to_be_visible()
    axe_check()
    page.get_by_role("button", name="Træk samtykke tilbage").click()
    expect(page.locator("h1")).to_have_text("Kvittering: samtykke trukket tilbage")
    axe_check()

    page.goto("/samtykke")
    history = page.locator("ol.consent-history li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("Trukket tilbage for nogle afdelinger")
    expect(history.nth(1)).to_contain_text("Samtykke givet")
    expect(history.nth(0)).to_contain_text("Dig")
    assert events(stack, "p-freja", "department_withdrawn") == 1


def set_language(page: Page, stack: Stack, lang: str) -> None:
    page.context.add_cookies([{"name": "mo_lang", "value": lang, "url": stack.portal_url}])


def consents_text_version(stack: Stack) -> str:
    answer = httpx.get(
        f"{stack.planapi_url}/v1/consent-texts/current",
        headers={"Authorization": f"Bearer {stack.env()['PLANAPI_SERVICE_TOKEN']}"},
        timeout=5,
    )
    answer.raise_for_status()
    return str(answer.json()["version"])


def test_renew_from_the_overview_once_despite_double_submit(
    page: Page, stack: Stack, axe_check: Any
) -> None:
    before = events(stack, "p-mette", "renewed")
    login_as(page, "Mette Lund Sørensen")
    item = page.locator(".waiting-item", has_text="Forny dit samtykke")
    expect(item).to_have_count(1)
    item.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Forny samtykke")
    axe_check()

    form = page.locator("form.consent-send")
    fields = {
        name: str(form.locator(f"input[name={name}]").get_attribute("value"))
        for name in ("csrf_token", "form_key")
    }
    action = str(form.get_attribute("action"))
    form.get_by_role("button", name="Forny samtykke").dblclick()
    expect(page.locator("h1")).to_have_text("Kvittering: samtykke fornyet")
    axe_check()
    # Back and send the same form again: the same receipt, no second renewal.
    again = page.request.post(action, form=fields)
    assert again.ok and "Kvittering: samtykke fornyet" in again.text()
    assert events(stack, "p-mette", "renewed") == before + 1

    page.goto("/overblik")
    expect(page.locator(".waiting-item", has_text="Forny dit samtykke")).to_have_count(0)


@pytest.mark.timeout(120)
def test_parent_withdraws_for_child_while_plan_api_is_down(
    page: Page, stack: Stack, axe_check: Any
) -> None:
    before = events(stack, "p-emma", "department_withdrawn", actor="p-anders")
    login_as(page, "Anders Kjær Poulsen")
    page.get_by_label("Emma Kjær Poulsen").check()
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/overblik")
    page.goto("/samtykke")
    expect(page.locator(".font-lead")).to_contain_text("Emma")
    page.locator("a[href$='traek-tilbage?afdeling=school']").click()
    expect(page.locator("main")).to_contain_text("på vegne af Emma")
    stack.servers["planapi"].crash()
    try:
        page.get_by_role("button", name="Træk samtykke tilbage").click()
        expect(page.locator("h1")).to_have_text("Kvittering: samtykke trukket tilbage")
        expect(page.locator(".alert-info")).to_contain_text("Registreret – bliver afleveret")
        expect(page.locator(".alert-success")).to_have_count(0)
        axe_check()  # the receipt reads only the portal's outbox: both languages work
    finally:
        stack.servers["planapi"].start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
        events(stack, "p-emma", "department_withdrawn", actor="p-anders") == before
    ):
        page.goto("/samtykke")  # also delivers this person's pending changes
        time.sleep(0.5)
    page.goto("/samtykke")
    # Every write for Emma is delivered and none will be sent again: the count is final.
    statuses = outbox_settled(stack, "p-emma")
    assert statuses[-1] == "delivered" and "pending" not in statuses, statuses
    assert events(stack, "p-emma", "department_withdrawn", actor="p-anders") == before + 1
    expect(page.locator("ol.consent-history li").first).to_contain_text(
        "Trukket tilbage for nogle afdelinger"
    )
    expect(page.locator(".alert", has_text="Registreret – bliver afleveret")).to_have_count(0)


def test_caseworker_preview_sees_consent_with_every_action_disabled(
    page: Page, stack: Stack
) -> None:
    before = consents(stack, "p-karim")
    login_as(page, "Lene Bach", employee=True)
    page.wait_for_url("**/medarbejder/borgere")
    page.get_by_role("link", name="Se Karim Hassans visning").click()
    page.get_by_label("Formål med visningen").fill("Tjek af samtykke før mødet")
    page.get_by_role("button", name="Vis borgerens visning").click()
    page.wait_for_url("**/overblik")
    page.goto("/samtykke")
    expect(page.locator("ol.consent-history li")).to_have_count(2)
    expect(page.locator("main a.button")).to_have_count(0)
    expect(page.locator("main form[method=post]")).to_have_count(0)
    expect(page.locator("main button[disabled]", has_text="Giv samtykke")).to_have_count(1)

    csrf = page.locator(".acting-banner input[name=csrf_token]").get_attribute("value")
    assert csrf is not None
    form = {"csrf_token": csrf, "form_key": "a" * 32, "department": "social"}
    for url in ("/samtykke/giv/send", "/samtykke/c-karim/traek-tilbage/send"):
        assert page.request.post(url, form=form | {"text_version": "2025-1"}).status == 403
    assert consents(stack, "p-karim") == before
