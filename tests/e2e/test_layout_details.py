"""Layout details a tester finds at 375 px and at desktop width: the next appointment's time
on at most two lines, the 0-10 scale never leaving "10" alone on a row, case-step titles not
underlined like links, and the parent's overview naming the child."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e import conftest as e2e

DESKTOP = {"width": 1280, "height": 900}


def lines_of(page: Page, selector: str) -> float:
    return page.eval_on_selector(
        selector,
        "e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)",
    )


def rows_of_scale(page: Page, question: int) -> list[list[str]]:
    """The options of one 0-10 question, row by row as laid out."""
    return page.evaluate(
        """(n) => {
          const scale = document.querySelectorAll('.answer-scale--row')[n];
          const rows = {};
          for (const label of scale.querySelectorAll('label')) {
            const top = Math.round(label.getBoundingClientRect().top);
            (rows[top] = rows[top] || []).push(label.textContent.trim());
          }
          return Object.keys(rows).sort((a, b) => a - b).map(k => rows[k]);
        }""",
        question,
    )


def test_mette_at_375_and_desktop(page: Page) -> None:
    e2e.login_as(page, "Mette Lund Sørensen")
    for size in (e2e.PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.goto("/overblik")
        assert lines_of(page, ".appointment-when") <= 2.1, size
        page.goto("/saadan-gaar-det/plan-goals/besvar")
        rows = rows_of_scale(page, 0)
        assert sum(len(r) for r in rows) == 11
        assert all(len(r) > 1 for r in rows), f"an option alone on a row at {size}: {rows}"
        if size == DESKTOP:
            assert len(rows) == 1


def test_parent_sees_the_childs_name_and_plain_case_steps(page: Page) -> None:
    e2e.login_as(page, "Anders Kjær Poulsen")
    page.wait_for_url("**/vaelg-person**")
    page.get_by_label("Emma Kjær Poulsen").check()
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/overblik")
    expect(page.locator("#goal-heading")).to_have_text("Emmas mål")
    expect(page.locator("#next-heading")).to_have_text("Emmas næste aftale")
    page.goto("/min-plan")
    titles = page.locator(".case-steps .step-title")
    expect(titles.first).to_be_visible()
    decorations = titles.evaluate_all("ts => ts.map(t => getComputedStyle(t).textDecorationLine)")
    assert set(decorations) == {"none"}
