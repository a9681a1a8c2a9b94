"""Journeys: a parent as himself sees what his child's plan asks of him and answers the
parents' questions in his own name; a citizen who withdrew his consent sees what it means
now, and nothing overdue that no longer applies."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page, expect

from portal.devstack import Stack
from tests.e2e.conftest import login_as


def responses(stack: Stack, person: str, instrument_id: str) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{stack.planapi_url}/v1/persons/{person}/questionnaires/{instrument_id}/responses",
        headers={
            "Authorization": "Bearer dev-planapi-token",
            "X-Actor-Id": person,
            "X-Actor-Role": "citizen",
            "X-Basis": "self",
        },
    )
    answer.raise_for_status()
    return list(answer.json()["items"])


def test_anders_as_himself_sees_his_task_invitation_and_answers_for_himself(
    page: Page, stack: Stack, axe_check: Any
) -> None:
    before = len(responses(stack, "p-anders", "experience-parent"))
    login_as(page, "Anders Kjær Poulsen")
    page.wait_for_url("**/vaelg-person**")
    page.get_by_label("Dig selv (Anders Kjær Poulsen)").check()
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/overblik")

    # Not "no plan" and "nothing waiting": his part of Emma's plan.
    part = page.locator("#family-pl-emma")
    expect(part).to_contain_text("Du er med i Emma Kjær Poulsens plan")
    expect(part).to_contain_text("Anders sender oplysninger om økonomi til ansøgningen.")
    expect(part).to_contain_text("Sådan sender du det")
    expect(part).to_contain_text("Møde om efterskoleansøgningen")
    waiting = page.locator(".waiting-list")
    expect(waiting).to_contain_text("Anders sender oplysninger om økonomi")
    expect(page.locator("main")).not_to_contain_text("Intet venter på dig")
    axe_check()

    # His own questions, as a parent, in his own name.
    page.goto("/saadan-gaar-det")
    card = page.locator(".questionnaire-card", has_text="Sådan oplever du som forælder forløbet")
    card.get_by_role("link", name="Besvar").click()
    expect(page.locator("h1")).to_have_text("Sådan oplever du som forælder forløbet")
    expect(page.locator("main")).to_contain_text("Tænk på de seneste 12 måneder.")
    axe_check()
    for number in range(1, 6):
        page.get_by_role("group", name=f"{number}.").get_by_label("Enig", exact=True).click()
    page.get_by_role("button", name="Se dine svar").click()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("h1")).to_have_text("Tak for dine svar")
    mine = responses(stack, "p-anders", "experience-parent")
    assert len(mine) == before + 1
    assert mine[-1]["answered_by"]["id"] == "p-anders" and mine[-1]["basis"] == "self"

    # The way into Emma's whole plan, because he has custody.
    page.goto("/overblik")
    page.get_by_role("button", name="Se Emma Kjær Poulsens hele plan").click()
    page.wait_for_url("**/min-plan")
    expect(page.locator(".acting-banner")).to_contain_text("Emma Kjær Poulsen")
    members = page.locator("#members").locator("xpath=..")
    expect(members).to_contain_text("Hvem planen gælder for")
    expect(members).to_contain_text("Familiebehandling")
    axe_check()


def test_karim_after_withdrawal_sees_what_it_means_and_nothing_overdue(
    page: Page, stack: Stack, axe_check: Any
) -> None:
    login_as(page, "Karim Hassan")
    page.wait_for_url("**/overblik")
    expect(page.locator(".waiting-list")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Over fristen")

    page.goto("/samtykke")
    effect = page.locator(".sharing-effect")
    expect(effect).to_contain_text("Det betyder din tilbagetrækning nu")
    expect(effect).to_contain_text("Sundhed")
    expect(effect).to_contain_text("Bostøtte (socialpædagogisk støtte)")
    expect(effect).to_contain_text("Spørgeskemaerne om, hvordan det går, er stoppet")
    axe_check()

    page.goto("/min-plan")
    expect(page.locator(".sector-plan").first).to_contain_text("deles ikke længere")
    axe_check()

    page.goto("/saadan-gaar-det")
    cards = page.locator(".questionnaire-card")
    expect(cards.first).to_contain_text("Stoppet")
    expect(page.locator("main")).not_to_contain_text("Over fristen")
    expect(page.locator(".questionnaire-card a.button")).to_have_count(0)
    axe_check()
