"""Reliability fixtures: the real stack (gunicorn processes on loopback), a fault-injecting
proxy in front of the plan API, and citizens logged in through the MitID simulator with httpx.

The stacks here are built on `portal.devstack.Stack`, like the e2e stack, plus the outbox
deliverer (`flask --app portal outbox run`) that production runs beside the portal.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import Connection, Row, create_engine, func, select, text

from planapi.models import Consent, ConsentEvent, IdempotencyRecord, QuestionnaireResponse
from portal.devstack import ROOT, Stack, free_port
from portal.models import OutboxMessage

pytestmark = pytest.mark.reliability

# Marked `waits`, in these groups: scripts/test.sh runs them with `-m waits -n 2 --dist
# loadgroup`, the two nothing-lost runs (mostly waiting on outages and the outbox) in one
# process and, beside them, the tests that mostly wait on servers starting, leases and
# restarts. The rest (`-m "not waits"`: 100 citizens, timed answers) run one at a time after.
_GROUPS = {
    "test_nothing_lost.py": "outages",
    "test_notice_workers.py": "servers",
    "test_side_by_side.py": "servers",
    "test_security.py": "servers",
}


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by the marks added here
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if group := _GROUPS.get(item.path.name):
            item.add_marker(pytest.mark.waits)
            item.add_marker(pytest.mark.xdist_group(group))


Profile = Literal["sqlite", "postgres+redis"]

# A questionnaire a persona may answer, and how: (persona, instrument id). Filled with the
# instruments of the demo plans that the persona answers for themself.
ANSWERERS = ("p-jonas", "p-mette", "p-karim")


# --- the stack -----------------------------------------------------------------------------


@dataclass
class ReliabilityStack(Stack):
    """The demo stack (with its outbox deliverer) on any database profile, maybe behind a proxy."""

    outbox_interval: float = 0.5
    notices: bool = False  # the notice worker is tested in test_notice_workers.py
    plan_db_url: str = ""
    portal_db_url: str = ""
    redis_url: str = ""
    proxy: FaultProxy | None = field(default=None)

    def env(self) -> dict[str, str]:
        env = super().env()
        if self.plan_db_url:
            env["PLANAPI_DATABASE_URL"] = self.plan_db_url
        if self.portal_db_url:
            env["PORTAL_DATABASE_URL"] = self.portal_db_url
        if self.redis_url:
            env["PORTAL_SESSION_TYPE"] = "redis"
            env["PORTAL_REDIS_URL"] = self.redis_url
            env["PORTAL_RATELIMIT_STORAGE_URI"] = self.redis_url
            # Stacks run side by side on one Redis: each counts only its own requests.
            env["PORTAL_RATELIMIT_KEY_PREFIX"] = f"stack-{self.portal_port}"
        if self.proxy is not None:
            env["PLANAPI_URL"] = self.proxy.url
        return env

    @property
    def plan_db(self) -> str:
        return self.plan_db_url or f"sqlite:///{self.var / 'planapi.db'}"

    @property
    def portal_db(self) -> str:
        return self.portal_db_url or f"sqlite:///{self.var / 'portal.db'}"

    def restart(self, name: str) -> None:
        self.servers[name].stop(discard_spare=False)  # a spare (Server.keep_warm) starts it
        self.servers[name].start()

    def dump_logs(self) -> None:
        for log in (self.var / "logs").glob("*.log"):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}")


def _start(stack: ReliabilityStack) -> ReliabilityStack:
    stack.prepare()
    try:
        stack.start()
    except RuntimeError:
        stack.stop()
        stack.dump_logs()
        raise
    return stack


def new_stack(
    var: Path,
    *,
    profile: Profile = "sqlite",
    proxy: FaultProxy | None = None,
    workers: int = 2,
    extra_env: dict[str, str] | None = None,
) -> ReliabilityStack:
    stack = ReliabilityStack(
        var=var,
        portal_port=free_port(),
        planapi_port=free_port(),
        simulator_port=free_port(),
        workers=workers,
        extra_env={
            "SIMULATOR_TEST_MODE": "1",
            # Many simulated citizens share a handful of personas and one address here; the
            # limits themselves are tested in test_security.py.
            "PORTAL_RATELIMIT_LOGIN": "100000 per minute",
            "PORTAL_RATELIMIT_SUBMISSIONS": "100000 per minute",
            **(extra_env or {}),
        },
        proxy=proxy,
    )
    if profile == "postgres+redis":
        server = postgres_url()
        suffix = uuid.uuid4().hex[:8]
        stack.plan_db_url = create_database(server, f"rel_plan_{suffix}")
        stack.portal_db_url = create_database(server, f"rel_portal_{suffix}")
        stack.redis_url = redis_url()
    if proxy is not None:
        proxy.upstream = stack.planapi_url
    return _start(stack)


# --- PostgreSQL and Redis --------------------------------------------------------------------

_services: dict[str, str] = {}
_REDIS_PORT = str(free_port())


def _script(name: str, *args: str) -> str:
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / name), *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def postgres_url() -> str:
    """The test PostgreSQL server (scripts/postgres.sh; test.sh passes its URL along)."""
    if "postgres" not in _services:
        _services["postgres"] = os.environ.get("RELIABILITY_POSTGRES_URL") or _script(
            "postgres.sh", "start"
        )
    return _services["postgres"]


def redis_url() -> str:
    if "redis" not in _services:
        _services["redis"] = os.environ.get("RELIABILITY_REDIS_URL") or _script(
            "redis.sh", "start", _REDIS_PORT
        )
    return _services["redis"]


def create_database(server_url: str, name: str) -> str:
    engine = create_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{server_url}/{name}"


@pytest.fixture(scope="session", autouse=True)
def _stop_services() -> Iterator[None]:
    yield
    if "postgres" in _services and not os.environ.get("RELIABILITY_POSTGRES_URL"):
        _script("postgres.sh", "stop")
    if "redis" in _services and not os.environ.get("RELIABILITY_REDIS_URL"):
        _script("redis.sh", "stop", _REDIS_PORT)


# --- the fault proxy -------------------------------------------------------------------------

Mode = Literal["pass", "down", "slow", "error", "malformed"]


class FaultProxy:
    """A reverse proxy in front of the real plan API that misbehaves on demand.

    Modes: `pass` forwards; `down` closes the listening socket (connection refused);
    `slow` waits `delay` seconds before forwarding; `error` answers 500 with a problem;
    `malformed` answers 200 with broken JSON.
    """

    def __init__(self, delay: float = 6.0) -> None:
        self.port = free_port()
        self.upstream = ""
        self.mode: Mode = "pass"
        self.delay = delay
        self._server: ThreadingHTTPServer | None = None
        self._connections: set[socket.socket] = set()
        self._http = httpx.Client(timeout=30.0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set(self, mode: Mode) -> None:
        if mode == "down":
            self._stop()
        elif self._server is None:
            self._start()
        self.mode = mode

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                proxy._connections.add(self.connection)

            def finish(self) -> None:
                proxy._connections.discard(self.connection)
                # The portal may have given up waiting (slow mode): nothing to tell it then.
                with contextlib.suppress(OSError):
                    super().finish()

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                mode = proxy.mode
                if mode == "error":
                    self._answer(
                        500,
                        b'{"type":"about:blank","title":"Internal Server Error","status":500,'
                        b'"detail":"Traceback (most recent call last): psycopg.OperationalError"}',
                        "application/problem+json",
                    )
                    return
                if mode == "malformed":
                    self._answer(200, b'{"items": [{"id": "p-', "application/json")
                    return
                if mode == "slow":
                    time.sleep(proxy.delay)
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "content-length", "connection")
                }
                upstream = proxy._http.request(
                    self.command, proxy.upstream + self.path, headers=headers, content=body
                )
                try:
                    self._answer(
                        upstream.status_code,
                        upstream.content,
                        upstream.headers.get("content-type", "application/json"),
                    )
                except OSError:  # the portal gave up waiting (slow mode)
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        return Handler

    def _start(self) -> None:
        server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server

    def _stop(self) -> None:
        """Refuse new connections and cut the kept-alive ones, like a stopped server."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for connection in list(self._connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stop()
        self._http.close()


# --- citizens --------------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def session_cookie(client: httpx.Client) -> str:
    return next(str(c.value) for c in client.cookies.jar if c.name == "mo_session")


# --- answering a questionnaire through the portal's forms ------------------------------------


class Unavailable(Exception):
    """The portal could not take the step now (plan API down, portal restarting): retry."""


def _form_fields(html: str, form_selector: str, rng: random.Random | None) -> dict[str, str]:
    form = BeautifulSoup(html, "html.parser").select_one(form_selector)
    assert form is not None, f"no {form_selector} in the page"
    fields: dict[str, str] = {}
    radios: dict[str, list[str]] = {}
    for tag in form.select("input[name]"):
        name, value = str(tag["name"]), str(tag.get("value", ""))
        if tag.get("type") == "radio":
            radios.setdefault(name, []).append(value)
        else:
            fields[name] = value
    for name, values in radios.items():
        fields[name] = (rng or random.Random(0)).choice(values)
    return fields


def _step(response: httpx.Response, expected: int = 200) -> httpx.Response:
    if response.status_code == 503:
        raise Unavailable(response.url)
    assert response.status_code == expected, (response.status_code, response.url)
    return response


@dataclass
class Sent:
    form_key: str
    queued: bool


def answer_questionnaire(client: httpx.Client, instrument_id: str, rng: random.Random) -> Sent:
    """Answer (random choices), see the summary and send it: the citizen's three steps."""
    return send_summary(client, instrument_id, fill_in(client, instrument_id, rng))


def fill_in(client: httpx.Client, instrument_id: str, rng: random.Random) -> dict[str, str]:
    """The first two steps: the form, answered at random, then its summary's fields.

    Raises `Unavailable` (or an httpx transport error) when a step could not be taken now.
    """
    path = f"/saadan-gaar-det/{instrument_id}"
    fields = _form_fields(_step(client.get(f"{path}/besvar")).text, "form.questionnaire", rng)
    fields["action"] = "review"
    summary = _step(client.post(f"{path}/besvar", data=fields))
    return _form_fields(summary.text, 'form[action$="/send"]', None)


def send_summary(client: httpx.Client, instrument_id: str, fields: dict[str, str]) -> Sent:
    """Send the summary's form; sending the same fields again is always safe (one record)."""
    receipt = _step(client.post(f"/saadan-gaar-det/{instrument_id}/send", data=fields))
    assert "/kvittering/" in receipt.url.path, receipt.url
    return Sent(fields["form_key"], queued="alert-success" not in receipt.text)


# --- counting in the databases ----------------------------------------------------------------


@contextlib.contextmanager
def _connection(url: str) -> Iterator[Connection]:
    """A connection of its own to a stack's database, closed with its engine after use."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _ids_by_person(rows: Iterable[Row[Any]]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for row in rows:  # (person id, id of what they made)
        found.setdefault(row[0], set()).add(row[1])
    return found


def wait_until_delivered(portal_db: str, deadline: float) -> dict[str, int]:
    while True:
        with _connection(portal_db) as conn:
            counts = dict(
                conn.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                ).all()
            )
        if not counts.get("pending"):
            return {str(k): int(v) for k, v in counts.items()}
        assert time.monotonic() < deadline, f"outbox not drained: {counts}"
        time.sleep(0.5)


def responses_by_person(plan_db: str) -> dict[str, set[str]]:
    with _connection(plan_db) as conn:
        return _ids_by_person(
            conn.execute(select(QuestionnaireResponse.person_id, QuestionnaireResponse.id))
        )


def recorded_keys(plan_db: str, prefix: str = "questionnaire.") -> dict[str, str]:
    """Idempotency key → the id of what it created (a response; a consent)."""
    with _connection(plan_db) as conn:
        rows = conn.execute(
            select(IdempotencyRecord.key, IdempotencyRecord.body).where(
                IdempotencyRecord.key.startswith(prefix)
            )
        )
        return {key: body["id"] for key, body in rows}


def keys_of(keys: dict[str, str], person: str) -> dict[str, str]:
    """The recorded keys the person sent themself, by form key (the outbox's keys are
    `kind:person:actor:resource:form key`)."""
    mine = {}
    for key in keys:
        _kind, subject, actor, _resource, form_key = key.split(":")
        if subject == person:
            assert actor == person, f"{key}: sent by someone else"
            mine[form_key] = key
    return mine


def assert_recorded_once(
    plan_db: str, before: dict[str, set[str]], sent: set[tuple[str, str]]
) -> None:
    """Every (person, form key) sent made exactly one response, and nothing else did."""
    after = responses_by_person(plan_db)
    keys = recorded_keys(plan_db)
    for person in {p for p, _ in sent}:
        new = after.get(person, set()) - before.get(person, set())
        expected = {key for p, key in sent if p == person}
        recorded = keys_of(keys, person)
        assert set(recorded) == expected, f"{person}: idempotency keys differ"
        assert sorted(keys[k] for k in recorded.values()) == sorted(new), f"{person}: responses"
        assert len(new) == len(expected)


# --- giving and withdrawing consent through the portal's forms -------------------------------

_WITHDRAW_LINK = re.compile(r'href="/samtykke/([^/"?]+)/traek-tilbage"')


def _pairs(html: str, form_selector: str) -> list[tuple[str, str]]:
    """A form's fields as the browser sends them (hidden, text, ticked boxes)."""
    form = BeautifulSoup(html, "html.parser").select_one(form_selector)
    assert form is not None, f"no {form_selector} in the page"
    return [
        (str(tag["name"]), str(tag.get("value", "")))
        for tag in form.select("input[name]")
        if tag.get("type") not in ("checkbox", "radio") or tag.has_attr("checked")
    ]


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


def _receipt(response: httpx.Response, key: str) -> Sent | None:
    """The receipt after a consent change; None if the portal said no change was made."""
    response = _step(response)
    if "/kvittering/" not in response.url.path:
        return None  # e.g. "already given": sent back to the consent page with a message
    return Sent(key, queued="alert-success" not in response.text)


def active_consents(client: httpx.Client) -> list[str]:
    """The ids of the consents the citizen can withdraw now (needs the plan API)."""
    return _WITHDRAW_LINK.findall(_step(client.get("/samtykke")).text)


Change = tuple[str, list[tuple[str, str]]]  # where to post, and the fields


def prepare_grant(client: httpx.Client, rng: random.Random) -> Change | None:
    """Give consent for one department: explanation → scope → summary (None: nothing left)."""
    explain = _step(client.get("/samtykke/giv"))
    link = BeautifulSoup(explain.text, "html.parser").select_one('a[href*="/samtykke/giv/omfang"]')
    if link is None:
        return None
    scope = _step(client.get(str(link["href"])))
    fields = _pairs(scope.text, 'form[action$="/giv/omfang"]')
    departments = [v for k, v in fields if k == "department"]
    assert departments, "no department to choose"
    fields = [(k, v) for k, v in fields if k != "department"]
    fields.append(("department", rng.choice(departments)))
    summary = _step(client.post("/samtykke/giv/omfang", data=_multi(fields)))
    return "/samtykke/giv/send", _pairs(summary.text, "form.consent-send")


def prepare_withdrawal(client: httpx.Client, consent_id: str) -> Change:
    """Withdraw a whole consent: the confirm step."""
    confirm = _step(client.get(f"/samtykke/{consent_id}/traek-tilbage"))
    fields = _pairs(confirm.text, "form.consent-send")
    assert [v for k, v in fields if k == "department"], "nothing to withdraw"
    return f"/samtykke/{consent_id}/traek-tilbage/send", fields


def send_change(client: httpx.Client, change: Change) -> Sent | None:
    """Send a consent change; sending the same fields again is always safe (one record)."""
    url, fields = change
    return _receipt(client.post(url, data=_multi(fields)), dict(fields)["form_key"])


def pending_count(portal_db: str, person_id: str, kind_prefix: str) -> int:
    with _connection(portal_db) as conn:
        return int(
            conn.execute(
                select(func.count()).where(
                    OutboxMessage.person_id == person_id,
                    OutboxMessage.status == "pending",
                    OutboxMessage.kind.startswith(kind_prefix),
                )
            ).scalar_one()
        )


def consent_events(plan_db: str) -> dict[str, set[str]]:
    """Person → the ids of the consent events a person made (granted, withdrawn)."""
    with _connection(plan_db) as conn:
        return _ids_by_person(
            conn.execute(
                select(Consent.person_id, ConsentEvent.id)
                .join(Consent, Consent.id == ConsentEvent.consent_id)
                .where(ConsentEvent.actor_kind != "system")
            )
        )
