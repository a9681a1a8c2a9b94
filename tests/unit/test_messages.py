"""Messages, documents, letters and the caseworker inbox in the portal, against the real
plan API in process (httpx's WSGI transport, demo data reloaded for each test)."""

from __future__ import annotations

import io
import shutil
import socket
import struct
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from planapi import MIGRATIONS
from planapi import create_app as create_planapi
from planapi.demo import load
from planapi.extensions import db as planapi_db
from planapi.models import Document, Message, MissingDocument
from portal import create_app
from portal.extensions import db
from portal.models import OutboxMessage
from tests.unit.conftest import PageChecker, SignIn, normalize

TOKEN = "messages-test-token"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.4\n" + b"1 0 obj\n<<>>\nendobj\n" * 10
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.fixture(scope="module")
def planapi_app() -> Iterator[Flask]:
    folder = Path(tempfile.mkdtemp(prefix="mo-messages-"))
    app = create_planapi(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'planapi.db'}",
            "PLANAPI_SERVICE_TOKEN": TOKEN,
        }
    )
    with app.app_context():
        upgrade(directory=MIGRATIONS)
    yield app
    with app.app_context():
        planapi_db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


class Switch:
    """The plan API, or a 500 in its place when `broken` is set."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.broken = False

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.broken:
            start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "application/json")])
            return [b'{"status": 500}']
        return self.app(environ, start_response)


@pytest.fixture
def switch(planapi_app: Flask) -> Switch:
    with planapi_app.app_context():
        load(planapi_db.session(), __import__("planapi").clock.today())
        planapi_db.session.remove()
    return Switch(planapi_app)


@pytest.fixture
def portal(switch: Switch) -> Iterator[Flask]:
    app = create_app(
        {
            "PLANAPI_TRANSPORT": httpx.WSGITransport(app=switch),
            "PLANAPI_SERVICE_TOKEN": TOKEN,
            "WTF_CSRF_ENABLED": False,
            "PORTAL_UPLOAD_MAX_BYTES": 10 * 1024 * 1024,
        },
        env="test",
    )
    with app.app_context():
        db.create_all()
    yield app


@pytest.fixture
def web(portal: Flask) -> FlaskClient:
    return portal.test_client()


def count(planapi_app: Flask, model: type, *where: Any) -> int:
    with planapi_app.app_context():
        return int(
            planapi_db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0
        )


def mette(web: FlaskClient) -> None:
    SignIn(web)("p-mette", "Mette Lund Sørensen")


def anders_for_emma(web: FlaskClient) -> None:
    SignIn(web)(
        "p-emma",
        "Emma Kjær Poulsen",
        basis="custody",
        actor=("p-anders", "Anders Kjær Poulsen"),
        age=15,
    )


def send(
    web: FlaskClient,
    body: str = "Her er brevet",
    file: tuple[bytes, str] | None = None,
    url: str = "/beskeder",
    **extra: Any,
) -> Any:
    """A multipart form post, encoded in memory (the test client would spool a large one to
    a temporary file)."""
    fields: dict[str, Any] = {"contact_id": "ct-mette-1", "body": body, **extra}
    if file is not None:
        fields["file"] = FileStorage(io.BytesIO(file[0]), filename=file[1])
    boundary, data = encode_multipart(fields)
    return web.post(url, data=data, content_type=f"multipart/form-data; boundary={boundary}")


def test_mette_reads_her_conversation_and_lene_sees_the_read_receipt(
    web: FlaskClient, planapi_app: Flask
) -> None:
    mette(web)
    soup = PageChecker(web).get("/beskeder")
    items = [normalize(li.text) for li in soup.select(".conversation .message")]
    assert items[0].startswith("Lene Bach") and "Hun er velkommen" in items[0]
    assert "Læst af Lene Bach" in items[1]
    labels = [normalize(label.text) for label in soup.select("label[for^=contact-id]")]
    assert "svarer normalt inden for 2 hverdage" in labels[0]
    with planapi_app.app_context():
        lene_said = planapi_db.session.get(Message, "m-mette-3")
        assert lene_said is not None and lene_said.read_by_name == "Mette Lund Sørensen"


def test_mette_writes_with_a_photo_and_lene_answers_from_the_inbox(
    web: FlaskClient, portal: Flask, planapi_app: Flask
) -> None:
    mette(web)
    response = send(web, file=(PNG, "IMG_0001.png"))
    assert response.status_code == 303 and "sendt=1" in response.location
    soup = PageChecker(web).get("/beskeder?sendt=1")
    assert "Din besked er sendt" in normalize(soup.select_one("#receipt").text)
    newest = soup.select_one(".conversation .message")
    assert "Her er brevet" in normalize(newest.text) and "Ikke læst endnu" in normalize(newest.text)
    photo = newest.select_one(".message-attachments a")
    assert web.get(photo["href"]).data == PNG
    lene = portal.test_client()
    SignIn(lene)("p-mette", "Mette Lund Sørensen", caseworker=("cw-lene", "Lene Bach"))
    with lene.session_transaction() as session:
        session["auth"]["acting"] = None
    inbox = PageChecker(lene).get("/medarbejder/beskeder")
    first = inbox.select_one(".inbox li")
    assert "Mette Lund Sørensen" in normalize(first.text) and "1 ulæst" in normalize(first.text)
    talk = PageChecker(lene).get(first.select_one("a")["href"])
    assert web.get(talk.select_one(".message-attachments a")["href"]).status_code == 403
    assert lene.get(talk.select_one(".message-attachments a")["href"]).data == PNG
    answer = lene.post(
        first.select_one("a")["href"],
        data={"body": "Tak, Mette. Jeg har fået brevet.", "form_key": "a" * 32},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303
    soup = PageChecker(web).get("/beskeder")
    newest, mine = soup.select(".conversation .message")[:2]
    assert "Jeg har fået brevet" in normalize(newest.text)
    assert "Læst af Lene Bach" in normalize(mine.text)


@pytest.mark.parametrize(
    ("file", "reason"),
    [
        ((b"%PDF-1.4\n" + b"x" * (20 * 1024 * 1024), "stor.pdf"), "for stor"),
        ((EXE, "faktura.pdf"), "skal være en PDF eller et billede"),
        ((b"", "tom.pdf"), "tom"),
    ],
    ids=["20-mb", "renamed-executable", "empty"],
)
def test_bad_files_are_refused_on_the_form_and_nothing_is_stored(
    web: FlaskClient, planapi_app: Flask, file: tuple[bytes, str], reason: str
) -> None:
    mette(web)
    before = count(planapi_app, Document), count(planapi_app, Message)
    response = send(web, body="Se vedhæftet", file=file)
    assert response.status_code == 400
    soup = PageChecker.check(response.get_data(as_text=True))
    assert reason in normalize(soup.select_one("#file-error").text)
    assert soup.select_one("textarea#body").text == "Se vedhæftet"  # the text is kept
    assert (count(planapi_app, Document), count(planapi_app, Message)) == before


def test_a_file_while_the_plan_api_answers_500_is_refused_honestly(
    web: FlaskClient, portal: Flask, planapi_app: Flask, switch: Switch
) -> None:
    mette(web)
    before = count(planapi_app, Document), count(planapi_app, Message)
    switch.broken = True
    response = send(web, file=(PNG, "foto.png"))
    switch.broken = False
    assert response.status_code == 400
    error = normalize(
        PageChecker.check(response.get_data(as_text=True)).select_one("#file-error").text
    )
    assert "intet blev sendt" in error
    assert (count(planapi_app, Document), count(planapi_app, Message)) == before
    with portal.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_message_without_a_file_waits_in_the_outbox_while_the_plan_api_is_down(
    web: FlaskClient, portal: Flask, planapi_app: Flask, switch: Switch
) -> None:
    mette(web)
    switch.broken = True
    response = send(web, body="Kan vi flytte mødet?")
    switch.broken = False
    assert response.status_code == 303 and "venter=1" in response.location
    assert count(planapi_app, Message, Message.body == "Kan vi flytte mødet?") == 0
    soup = PageChecker(web).get("/beskeder?venter=1")  # the visit delivers it
    assert count(planapi_app, Message, Message.body == "Kan vi flytte mødet?") == 1
    assert "Kan vi flytte mødet?" in normalize(soup.select_one(".conversation .message").text)


def test_anders_sends_the_economy_statement_and_it_shows_received(
    web: FlaskClient, planapi_app: Flask
) -> None:
    anders_for_emma(web)
    plan = PageChecker(web).get("/min-plan")
    link = plan.select_one("a[href='/send-dokument/doc-emma-4']")
    assert link is not None and "Send dokument" in normalize(link.text)
    form = PageChecker(web).get(link["href"])
    assert form.select_one("input[type=file]")["accept"] == "image/*,application/pdf"
    response = send(web, file=(PDF, "oekonomi.pdf"), url=link["href"], form_key="b" * 32)
    assert response.status_code == 303
    plan = PageChecker(web).get("/min-plan")
    received = normalize(plan.select_one("#missing-doc-emma-4").text)
    assert "Modtaget" in received and not plan.select_one("a[href='/send-dokument/doc-emma-4']")
    with planapi_app.app_context():
        item = planapi_db.session.get(MissingDocument, "doc-emma-4")
        assert item is not None and item.status == "received" and item.document_id


def test_karim_opens_the_decision_and_starts_a_complaint(web: FlaskClient) -> None:
    SignIn(web)("p-karim", "Karim Hassan", age=36)
    letters = PageChecker(web).get("/breve")
    first = letters.select_one(".letter-list li")
    assert "Ulæst" in normalize(first.text) and "Afgørelse" in normalize(first.text)
    decision = PageChecker(web).get(first.select_one("a")["href"])
    text = normalize(decision.text)
    assert "Du kan klage indtil" in text and "Ankestyrelsen" in text
    assert (
        "servicelovens § 85" in normalize(decision.select_one("details.legal-basis").text).lower()
    )
    pdf = web.get(decision.select_one("a[href$='/pdf']")["href"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    complain = decision.select_one("a.button-primary")
    assert normalize(complain.text) == "Klag over afgørelsen"
    form = PageChecker(web).get(complain["href"])
    assert form.select_one("input[name=letter_id]")["value"] == "l-karim-decision"
    assert form.select_one("input[name=contact_id][checked]")["value"] == "ct-karim-1"
    opened = PageChecker(web).get("/breve").select_one(".letter-list li")
    assert "Ulæst" not in normalize(opened.text)  # opening it marked it read


def test_preview_shows_the_conversation_read_only(web: FlaskClient, planapi_app: Flask) -> None:
    SignIn(web)("p-mette", "Mette Lund Sørensen", caseworker=("cw-lene", "Lene Bach"))
    soup = PageChecker(web).get("/beskeder")
    assert soup.select(".conversation .message") and not soup.select("form[action='/beskeder']")
    assert send(web).status_code == 403
    with planapi_app.app_context():
        lene_said = planapi_db.session.get(Message, "m-mette-3")
        assert lene_said is not None and lene_said.read_at is None  # a preview reads nothing


def test_power_of_attorney_outside_its_scope_gets_no_messages(web: FlaskClient) -> None:
    SignIn(web)(
        "p-mette",
        "Mette Lund Sørensen",
        basis="power_of_attorney",
        actor=("p-bent", "Bent Nielsen"),
    )
    for url in ("/beskeder", "/breve", "/send-dokument/doc-emma-4"):
        response = web.get(url)
        assert response.status_code == 403 and "velkommen" not in response.get_data(as_text=True)


class FakeClamd:
    """A clamd on a loopback socket speaking INSTREAM, finding EICAR."""

    EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.scanned: list[bytes] = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                assert conn.recv(10) == b"zINSTREAM\0"
                data = b""
                while True:
                    (size,) = struct.unpack("!L", self._exact(conn, 4))
                    if size == 0:
                        break
                    data += self._exact(conn, size)
                self.scanned.append(data)
                found = self.EICAR in data
                conn.sendall(b"stream: Eicar-Signature FOUND\0" if found else b"stream: OK\0")

    @staticmethod
    def _exact(conn: socket.socket, size: int) -> bytes:
        out = b""
        while len(out) < size:
            out += conn.recv(size - len(out))
        return out


def test_the_virus_scanner_refuses_an_infected_file(
    web: FlaskClient, portal: Flask, planapi_app: Flask
) -> None:
    clamd = FakeClamd()
    portal.config["PORTAL_CLAMD_ADDRESS"] = clamd.address
    mette(web)
    before = count(planapi_app, Document)
    infected = PDF + FakeClamd.EICAR
    response = send(web, file=(infected, "brev.pdf"))
    assert response.status_code == 400
    assert "virus" in normalize(
        PageChecker.check(response.get_data(as_text=True)).select_one("#file-error").text
    )
    assert count(planapi_app, Document) == before
    assert send(web, file=(PNG, "foto.png")).status_code == 303
    assert clamd.scanned == [infected, PNG] and count(planapi_app, Document) == before + 1
    clamd.sock.close()


def _pdf_facts(content: bytes) -> tuple[str, set[str], bool]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    fonts: set[str] = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (
                font.get("/FontDescriptor")
                or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            )
            descriptor = descriptor.get_object()
            if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                fonts.add(str(font["/BaseFont"]))
    root = reader.trailer["/Root"]
    tagged = "/StructTreeRoot" in root and bool(root.get("/MarkInfo", {}).get("/Marked"))
    return " ".join(text.split()), fonts, tagged


def test_the_plan_as_pdf_is_tagged_with_the_fonts_embedded(web: FlaskClient, portal: Flask) -> None:
    mette(web)
    response = web.get("/min-plan/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text, fonts, tagged = _pdf_facts(response.data)
    assert tagged and fonts and all("IBM-Plex-Sans" in f for f in fonts), fonts
    assert "Min plan" in text and "Lene Bach" in text
    fridge = web.get("/min-plan/koeleskabsplan/pdf")
    assert "Hvem jeg ringer til" in _pdf_facts(fridge.data)[0]


def test_plan_pdf_for_digital_post_outside_a_request(portal: Flask) -> None:
    """How the notification service calls it: an app context and a caller, no request."""
    from portal.clients.base import Caller
    from portal.pdf import plan_pdf

    with portal.app_context():
        content = plan_pdf(
            Caller("p-mette", "citizen", "self"), "p-mette", kind="fridge", language="en"
        )
    text, _fonts, tagged = _pdf_facts(content)
    assert tagged and "My plan" in text and "Who I call" in text


def test_the_same_plan_is_laid_out_once_and_another_plan_never_comes_from_the_cache(
    portal: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PDF cache is keyed by the whole HTML: a second download of the same plan costs no
    layout, and another person's plan (or another language) is laid out for itself."""
    from weasyprint import HTML

    from portal import pdf
    from portal.clients.base import Caller

    layouts: list[str] = []
    write_pdf = HTML.write_pdf

    def counted(self: HTML, *args: Any, **kwargs: Any) -> Any:
        layouts.append("x")
        return write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(HTML, "write_pdf", counted)
    monkeypatch.setattr(pdf, "_cache", type(pdf._cache)())
    mettes = Caller("p-mette", "citizen", "self")
    with portal.app_context():
        first = pdf.plan_pdf(mettes, "p-mette", kind="fridge")
        again = pdf.plan_pdf(mettes, "p-mette", kind="fridge")
        english = pdf.plan_pdf(mettes, "p-mette", kind="fridge", language="en")
        karims = pdf.plan_pdf(Caller("p-karim", "citizen", "self"), "p-karim", kind="fridge")
    assert again == first and len(layouts) == 3
    assert "Mette" in _pdf_facts(first)[0] and "Mette" not in _pdf_facts(karims)[0]
    assert "Who I call" in _pdf_facts(english)[0]


def test_htmx_sends_and_refreshes_only_the_conversation_and_plain_posts_still_work(
    web: FlaskClient, portal: Flask
) -> None:
    mette(web)
    hx = {"HX-Request": "true"}
    part = web.get("/beskeder", headers=hx)
    assert part.status_code == 200 and "HX-Request" in part.headers["Vary"]
    assert b"<html" not in part.data and part.data.lstrip().startswith(
        b'<div id="conversation-area"'
    )
    assert b"<html" in web.get("/beskeder").data
    boundary, data = encode_multipart({"contact_id": "ct-mette-1", "body": ""})
    form = {"data": data, "content_type": f"multipart/form-data; boundary={boundary}"}
    refused = web.post("/beskeder", headers=hx, **form)  # htmx swaps only a 2xx answer
    assert refused.status_code == 200 and b"<html" not in refused.data
    assert b"form-error-message" in refused.data
    assert web.post("/beskeder", **form).status_code == 400  # without JavaScript
    sent = send(web, body="Hej fra htmx")
    assert sent.status_code == 303  # htmx's request follows the redirect with its header
    receipt = web.get(sent.location, headers=hx)
    assert b"<html" not in receipt.data and "Din besked er sendt" in receipt.text
    assert "Hej fra htmx" in receipt.text

    lene = portal.test_client()
    SignIn(lene)("p-mette", "Mette Lund Sørensen", caseworker=("cw-lene", "Lene Bach"))
    with lene.session_transaction() as session:
        session["auth"]["acting"] = None
    talk = lene.get("/medarbejder/beskeder/cv-mette-lene", headers=hx)
    assert talk.status_code == 200 and b"<html" not in talk.data
    assert "Hej fra htmx" in talk.text and "HX-Request" in talk.headers["Vary"]
    empty = lene.post(
        "/medarbejder/beskeder/cv-mette-lene",
        data={"body": "", "form_key": "b" * 32},
        content_type="multipart/form-data",
        headers=hx,
    )
    assert empty.status_code == 200 and b"form-error-message" in empty.data
