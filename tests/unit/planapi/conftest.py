"""Plan API fixtures: one database per session (SQLite or PLANAPI_TEST_DATABASE_URL), schema
built by the Alembic migration, demo data reloaded for every test, and small builders."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.test import TestResponse

from planapi import MIGRATIONS, create_app
from planapi.demo import load
from planapi.extensions import db

TOKEN = "test-service-token"
TODAY = date(2026, 11, 23)


# In memory-backed /dev/shm when there is one: SQLite syncs on every commit.
_SHM = Path("/dev/shm")  # noqa: S108 - a private mkdtemp directory inside it
_SCRATCH = Path(tempfile.mkdtemp(prefix="planapi-tests-", dir=_SHM if _SHM.is_dir() else None))
DATABASE_URL = os.environ.get("PLANAPI_TEST_DATABASE_URL") or f"sqlite:///{_SCRATCH / 'planapi.db'}"
if os.environ.get("PLANAPI_TEST_DATABASE_URL") and os.environ.get("PYTEST_XDIST_WORKER"):
    # Tests run in parallel (pytest -n): each worker its own database, e.g. planapi_test_gw1
    # (scripts/test.sh creates them), as each rebuilds the schema.
    DATABASE_URL += f"_{os.environ['PYTEST_XDIST_WORKER']}"

# One app for the whole run, made at import so that schemathesis can load the contract
# from it while collecting (its lazy fixture loader does not work with pytest 9).
# Creating the app touches nothing; the database is prepared by `planapi_app`.
APP = create_app(
    {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "PLANAPI_SERVICE_TOKEN": TOKEN,
        "PLANAPI_TODAY": TODAY,
    }
)


@pytest.fixture(scope="session")
def planapi_app() -> Iterator[Flask]:
    app = APP
    # Made again when one process runs the suite twice (mutmut does): the last run's
    # teardown removed it.
    _SCRATCH.mkdir(exist_ok=True)
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade(directory=MIGRATIONS)
    yield app
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(_SCRATCH, ignore_errors=True)


@pytest.fixture
def api_app(planapi_app: Flask) -> Iterator[Flask]:
    planapi_app.config["PLANAPI_TODAY"] = TODAY
    with planapi_app.app_context():
        load(db.session, TODAY)
        db.session.remove()
    yield planapi_app
    planapi_app.config["PLANAPI_TODAY"] = TODAY


@dataclass(frozen=True)
class As:
    """A caller context, as the portal would send it."""

    actor_id: str
    role: str = "citizen"
    basis: str = "self"
    purpose: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {"X-Actor-Id": self.actor_id, "X-Actor-Role": self.role, "X-Basis": self.basis}
        if self.purpose:
            headers["X-Purpose"] = quote(self.purpose)
        return headers


def citizen(person_id: str) -> As:
    return As(person_id)


def guardian(person_id: str) -> As:
    return As(person_id, basis="custody")


def attorney(person_id: str) -> As:
    return As(person_id, basis="power_of_attorney")


def caseworker(caseworker_id: str, purpose: str = "Forberedelse af møde") -> As:
    return As(caseworker_id, role="caseworker", basis="caseworker_preview", purpose=purpose)


def staff(caseworker_id: str) -> As:
    """A caseworker reading their own caseload or notifications (no person basis)."""
    return As(caseworker_id, role="caseworker", basis="self")


@dataclass
class PlanAPI:
    """The test client with the service token, caller headers and idempotency keys."""

    client: FlaskClient
    token: str = TOKEN
    sent_keys: list[str] = field(default_factory=list)

    def _headers(self, who: As | None, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if who:
            headers.update(who.headers())
        headers.update(extra or {})
        return headers

    def get(
        self,
        path: str,
        who: As | None = None,
        *,
        query: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> TestResponse:
        return self.client.get(path, headers=self._headers(who, headers), query_string=query)

    def post(
        self,
        path: str,
        body: Any = None,
        who: As | None = None,
        *,
        key: str | None = "auto",
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> TestResponse:
        extra = dict(headers or {})
        if key == "auto":
            key = str(uuid.uuid4())
        if key is not None:
            extra["Idempotency-Key"] = key
            self.sent_keys.append(key)
        if raw is not None:
            return self.client.post(
                path, data=raw, content_type=content_type, headers=self._headers(who, extra)
            )
        return self.client.post(path, json=body, headers=self._headers(who, extra))


@pytest.fixture
def api(api_app: Flask) -> PlanAPI:
    return PlanAPI(api_app.test_client())


def set_today(app: Flask, day: date) -> None:
    app.config["PLANAPI_TODAY"] = day


# Body builders -------------------------------------------------------------------------


def who5(
    values: list[int] | None = None, *, version: int = 1, language: str = "da"
) -> dict[str, Any]:
    values = values if values is not None else [3, 3, 3, 3, 3]
    return {
        "instrument_version": version,
        "language": language,
        "answers": [{"item_id": f"who5-{n}", "value": v} for n, v in enumerate(values, start=1)],
    }


def change_request(reason: str = "Jeg er til lægen den dag", **extra: Any) -> dict[str, Any]:
    return {"reason": reason, **extra}


def window(start: str, end: str) -> dict[str, str]:
    return {"start": start, "end": end}


def consent_grant(
    departments: tuple[str, ...] = ("employment", "social"), **extra: Any
) -> dict[str, Any]:
    return {
        "text_version": "2025-1",
        "purpose": "At lave én samlet plan",
        "scopes": [{"department": d, "information": f"Oplysninger fra {d}"} for d in departments],
        **extra,
    }


def problem(response: TestResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status and body["title"] and body["type"].startswith("https://")
    return body


def ok(response: TestResponse, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response.get_json()
