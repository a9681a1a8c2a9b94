"""Touch targets of at least 44 × 44 px on a phone (375 px): every button, form control,
disclosure and link that stands on its own (a link inside a sentence is exempt, as in
WCAG 2.5.8), on the citizen's pages."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e import conftest as e2e

PAGES = ("/overblik", "/min-plan", "/aftaler", "/kontakt", "/samtykke", "/saadan-gaar-det")

# Elements too small to touch; a link inside running text is not a target of its own.
TOO_SMALL = """() => {
  const small = [];
  const candidates = document.querySelectorAll(
    "a[href], button, summary, select, textarea, .form-radio + label, .form-checkbox + label, "
    + "input:not([type=hidden]):not([type=radio]):not([type=checkbox])");
  for (const el of candidates) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === "hidden") continue;
    if (el.closest(".sr-only, .skipnav, [hidden], [aria-hidden=true]")) continue;
    if (el.tagName === "A") {
      const block = el.parentElement;
      const own = (el.textContent || "").trim().length;
      const around = (block.textContent || "").trim().length;
      if (around > own + 2) continue;  // inline in a sentence
    }
    if (box.height < 43.5 || box.width < 43.5) {
      const name = (el.textContent || el.name || "").trim().slice(0, 40);
      const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
      small.push(`${el.tagName.toLowerCase()} "${name}" ${size}`);
    }
  }
  return small;
}"""


def test_touch_targets_on_a_phone(page: Page) -> None:
    e2e.login_as(page, "Mette Lund Sørensen")
    problems = []
    for path in PAGES:
        page.goto(path)
        problems += [f"{path}: {p}" for p in page.evaluate(TOO_SMALL)]
    assert not problems, "\n".join(problems)
