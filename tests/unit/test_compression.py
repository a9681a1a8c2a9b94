"""HTML compressed in the app, with BREACH kept out: a CSRF token masked afresh in every
response (and still valid), nothing compressed that reflects the request's input."""

from __future__ import annotations

import gzip

import brotli
import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from portal.compression import mask, unmask
from tests.unit import citizen_builders as b
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn

BASE = "/v1/persons/p-mette"


@pytest.fixture(autouse=True)
def mette(sign_in: SignIn, fake_planapi: FakePlanAPI) -> None:
    sign_in()
    fake_planapi.on("GET", f"{BASE}/plan", json=b.plan())
    fake_planapi.on("GET", f"{BASE}/cases", json=b.items())


def tokens(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [str(i["value"]) for i in soup.find_all("input", attrs={"name": "csrf_token"})]


@pytest.mark.parametrize(
    ("accept", "encoding", "unpack"),
    [("gzip, deflate, br", "br", brotli.decompress), ("gzip", "gzip", gzip.decompress)],
)
def test_a_page_is_compressed_for_a_client_that_takes_it(
    client: FlaskClient, accept: str, encoding: str, unpack: object
) -> None:
    response = client.get("/min-plan", headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    html = unpack(response.get_data()).decode()  # type: ignore[operator]
    assert "Jeg vil have et job" in html
    assert int(response.headers["Content-Length"]) == len(response.get_data()) < len(html) / 2
    PageChecker.check(html)


def test_not_compressed_without_accept_encoding(client: FlaskClient) -> None:
    response = client.get("/min-plan")
    assert "Content-Encoding" not in response.headers
    assert "Jeg vil have et job" in response.get_data(as_text=True)


def test_a_response_that_reflects_the_query_is_not_compressed(client: FlaskClient) -> None:
    response = client.get("/min-plan?q=reflected", headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers


def test_the_csrf_token_is_masked_afresh_in_every_response_and_still_validates(
    client: FlaskClient,
) -> None:
    first = tokens(client.get("/min-plan").get_data(as_text=True))
    second = tokens(client.get("/min-plan").get_data(as_text=True))
    assert len(first) >= 2
    every = first + second
    assert len(set(every)) == len(every), "a masked token repeats"
    # Unmasked, each is Flask-WTF's signed token: the session's token, then a timestamp.
    assert len({unmask(t).split(".")[0] for t in every}) == 1, "they carry one session token"
    # Any one of them, as a form field or as the X-CSRFToken header, is accepted...
    sent = client.post("/log-af", data={"csrf_token": second[-1]})
    assert sent.status_code in (302, 303), sent.status_code


def test_the_header_token_is_unmasked_too(client: FlaskClient) -> None:
    [token, *_] = tokens(client.get("/min-plan").get_data(as_text=True))
    sent = client.post("/log-af", headers={"X-CSRFToken": token})
    assert sent.status_code in (302, 303), sent.status_code


@pytest.mark.parametrize("forged", ["", "not-base64!", "AAAA", "raw"])
def test_a_forged_or_unmasked_token_is_refused(client: FlaskClient, forged: str) -> None:
    [token, *_] = tokens(client.get("/min-plan").get_data(as_text=True))
    if forged == "raw":  # the session's token itself, unmasked, is not what forms carry
        forged = unmask(token)
    sent = client.post("/log-af", data={"csrf_token": forged})
    assert sent.status_code == 400
    assert "log-af" not in (sent.location or "")


def test_mask_round_trips_and_never_repeats() -> None:
    masked = {mask("secret-token.abc") for _ in range(50)}
    assert len(masked) == 50
    assert {unmask(m) for m in masked} == {"secret-token.abc"}
