"""The templates' url_for (portal/__init__.py `page_url`): built once per endpoint and
values, and never one address for another."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, url_for

import portal


def test_the_templates_url_for_gives_what_flasks_gives(app: Flask) -> None:
    page_url = app.jinja_env.globals["url_for"]
    cases: list[tuple[str, dict[str, Any]]] = [
        ("overview.index", {}),
        ("appointments.ics", {"appointment_id": "a-1"}),
        ("appointments.ics", {"appointment_id": "a-2"}),
        ("appointments.move", {"appointment_id": "a-1"}),
        ("messages.index", {"til": "cw-1", "_anchor": "write-heading"}),
        ("about.set_language", {"lang": "en", "next": "/overblik?x=1"}),
        ("static", {"filename": "css/app.css"}),
    ]
    for host, root in (("localhost", ""), ("localhost", "/kommune"), ("other.example", "")):
        with app.test_request_context(base_url=f"http://{host}{root}"):
            for _ in range(2):  # built, then kept
                for endpoint, values in cases:
                    assert page_url(endpoint, **values) == url_for(endpoint, **values)
            assert page_url("overview.index").startswith(root + "/")
            external = page_url("overview.index", _external=True)
            assert external == url_for("overview.index", _external=True)
            assert external.startswith(f"http://{host}{root}/")
            assert page_url("appointments.ics", appointment_id=["a", "b"]) == url_for(
                "appointments.ics", appointment_id=["a", "b"]
            )


def test_a_relative_endpoint_is_built_in_its_blueprint_each_time(app: Flask) -> None:
    page_url = app.jinja_env.globals["url_for"]
    with app.test_request_context("/aftaler"):
        assert page_url(".index") == "/aftaler"
    with app.test_request_context("/kontakt"):
        assert page_url(".index") == "/kontakt"


def test_the_kept_addresses_are_bounded(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(portal, "URLS_KEPT", 3)
    page_url = app.jinja_env.globals["url_for"]
    kept = next(c.cell_contents for c in page_url.__closure__ if isinstance(c.cell_contents, dict))
    with app.test_request_context():
        for n in range(10):
            assert (
                page_url("appointments.ics", appointment_id=f"a-{n}")
                == f"/aftaler/a-{n}/kalender.ics"
            )
            assert len(kept) <= 3
