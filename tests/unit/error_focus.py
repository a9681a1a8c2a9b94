"""The one behaviour after a failed submit (components/forms.html, layouts/base.html)."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

from tests.unit.conftest import normalize

PREFIX = {"da": "Fejl:", "en": "Error:"}


def assert_error_focus(soup: BeautifulSoup, lang: str = "da", *, fragment: bool = False) -> Tag:
    """Focus goes to the error summary with and without JavaScript, and (for a whole page)
    the title starts with "Fejl:"/"Error:"; every link of the summary reaches a field."""
    if not fragment:
        assert normalize(soup.title.text).startswith(PREFIX[lang] + " "), soup.title.text
    focused = soup.select("[autofocus]")
    assert len(focused) == 1, "one element takes focus: the error summary"
    summary = focused[0]
    assert summary.get("id") == "error-summary" and summary["tabindex"] == "-1"
    assert summary["data-module"] == "error-summary"  # DKFDS focuses it and its links
    assert summary["data-title-prefix"] == PREFIX[lang]  # htmx swaps: app.js sets the title
    links = summary.select("a")
    assert links
    for link in links:
        assert soup.find(id=link["href"][1:]), f"{link['href']} goes nowhere"
    return summary
