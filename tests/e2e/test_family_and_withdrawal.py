"""Journeys: a parent as himself sees what his child's plan asks of him and answers the
parents' questions in his own name; a citizen who withdrew his consent sees what it means
now, and nothing overdue that no longer applies.

Kept short for a loaded machine: each journey visits few pages (axe checks every page a
journey reaches, at two widths in two languages), and the servers are the suite's."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page, expect

from portal.devstack import Stack
from tests.e2e.conftest import login_as


def as_himself(page: Page, name: str) -> None:
    login_as(page, name)
    page.wait_for_url("**/vaelg-person**")
    page.get_by_label(f"Dig selv ({name})").check()
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/overblik")


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


def test_anders_as_himself_sees_his_task_and_invitation(page: Page, axe_check: Any) -> None:
    as_himself(page, "Anders Kjær Poulsen")

    # Not "no plan" and "nothing waiting": his part of Emma's plan.
    part = page.locator("#family-pl-emma")
    expect(part).to_contain_text("Du er med i Emma Kjær Poulsens plan")
    expect(part).to_contain_text("Anders sender oplysninger om økonomi til ansøgningen.")
    expect(part).to_contain_text("Sådan sender du det")
    expect(part).to_contain_text("Møde om efterskoleansøgningen")
    expect(page.locator(".waiting-list")).to_contain_text("Anders sender oplysninger om økonomi")
    expect(page.locator("main")).not_to_contain_text("Intet venter på dig")
    axe_check()  # his overview with the family part (other journeys' overviews have none)

    # The way into Emma's whole plan, because he has custody; it names Emma, not "you".
    page.get_by_role("button", name="Se Emma Kjær Poulsens hele plan").click()
    page.wait_for_url("**/min-plan")
    expect(page.locator(".acting-banner")).to_contain_text("Emma Kjær Poulsen")
    expect(page.locator("#goal")).to_have_text("Emmas mål")
    members = page.locator("#members").locator("xpath=..")
    expect(members).to_contain_text("Hvem planen gælder for")
    expect(members).to_contain_text("Familiebehandling")


def test_anders_answers_the_parents_questions_in_his_own_name(page: Page, stack: Stack) -> None:
    before = len(responses(stack, "p-anders", "experience-parent"))
    as_himself(page, "Anders Kjær Poulsen")
    page.goto("/saadan-gaar-det/experience-parent/besvar")
    expect(page.locator("h1")).to_have_text("Sådan oplever du som forælder forløbet")
    expect(page.locator("main")).to_contain_text("Tænk på de seneste 12 måneder.")
    for number in range(1, 6):
        page.get_by_role("group", name=f"{number}.").get_by_label("Enig", exact=True).click()
    page.get_by_role("button", name="Se dine svar").click()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("h1")).to_have_text("Tak for dine svar")
    mine = responses(stack, "p-anders", "experience-parent")
    assert len(mine) == before + 1
    assert mine[-1]["answered_by"]["id"] == "p-anders" and mine[-1]["basis"] == "self"


def test_karim_after_withdrawal_sees_what_it_means_and_nothing_overdue(page: Page) -> None:
    login_as(page, "Karim Hassan")
    page.wait_for_url("**/overblik")
    # The questionnaires stopped with his withdrawal: none waits for him, nothing is late.
    expect(page.locator(".waiting-item", has_text="WHO-5")).to_have_count(0)
    expect(page.locator(".waiting-item--overdue")).to_have_count(0)

    page.goto("/samtykke")
    effect = page.locator(".sharing-effect")
    expect(effect).to_contain_text("Det betyder din tilbagetrækning nu")
    expect(effect).to_contain_text("Sundhed")
    expect(effect).to_contain_text("Spørgeskemaerne om, hvordan det går, er stoppet")

    page.goto("/saadan-gaar-det")
    cards = page.locator(".questionnaire-card")
    expect(cards.first).to_contain_text("Stoppet")
    expect(cards.filter(has_text="Stoppet")).to_have_count(cards.count())
    expect(page.locator("main")).not_to_contain_text("Klar til dig")
    expect(page.locator(".questionnaire-card a.button")).to_have_count(0)
