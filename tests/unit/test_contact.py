"""Contact: the primary contact first with a tap-to-call link, then the others."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.unit import citizen_builders as b
from tests.unit import planapi_paths as paths
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn, normalize

URL = paths.contacts("p-jonas")


@pytest.fixture(autouse=True)
def jonas(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    SignIn(client)("p-jonas", "Jonas Holm Nielsen")


def test_primary_contact_first_then_the_others(
    fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    mentor = b.contact(
        id="c-ali", role="mentor", role_title="Mentor", name="Ali Khan", is_primary=False
    )
    uu = b.contact(
        id="c-uu",
        role="other",
        role_title="Særlig vejleder",
        name="Sara Lind",
        is_primary=False,
        phone=None,
    )
    fake_planapi.on("GET", URL, json=b.contact_list(mentor, b.contact(), uu))
    soup = pages.get("/kontakt")
    primary = soup.select_one("section[aria-labelledby=primary-heading] .contact-card")
    assert "Lene Bach" in normalize(primary.text)
    assert "Koordinerende sagsbehandler" in normalize(primary.text)
    assert primary.select_one("a.contact-call.button-primary")["href"] == "tel:+4570102031"
    assert "Mandag–torsdag 9–15" in normalize(primary.text)
    assert "Alt om din samlede plan" in normalize(primary.text)
    others = [
        normalize(c.select_one(".contact-name").text)
        for c in soup.select(".card-list .contact-card")
    ]
    assert others == ["Ali Khan", "Sara Lind"]
    assert "Særlig vejleder" in normalize(soup.select(".card-list .contact-card")[1].text)


def test_no_contacts_points_to_the_municipality(
    fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    fake_planapi.on("GET", URL, json=b.contact_list())
    soup = pages.get("/kontakt")
    assert soup.select_one("main a[href='tel:70102030']")


def test_plan_api_down(fake_planapi: FakePlanAPI, pages: PageChecker) -> None:
    fake_planapi.down("GET", URL)
    soup = pages.get("/kontakt")
    assert "70 10 20 30" in normalize(soup.select_one(".alert-warning").text)
