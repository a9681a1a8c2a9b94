"""Absolute URLs of the portal come from PUBLIC_BASE_URL, never the Host header."""

from __future__ import annotations

from flask import Flask

from auth.urls import public_host, public_url


def test_absolute_urls_from_the_configured_base(app: Flask) -> None:
    app.config["PUBLIC_BASE_URL"] = "https://portal.example/"
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert public_url("auth.callback") == "https://portal.example/log-ind/callback"
        assert public_host() == "portal.example"
    app.config["PUBLIC_BASE_URL"] = "https://kommune.example/OVERBLIX/"  # a path, too
    with app.test_request_context("/"):
        assert public_url("auth.callback") == "https://kommune.example/OVERBLIX/log-ind/callback"


def test_without_a_base_flask_builds_them_and_the_host_has_a_fixed_name(app: Flask) -> None:
    app.config["PUBLIC_BASE_URL"] = ""
    with app.test_request_context("/"):
        assert public_url("auth.logged_out", reason="timeout") == (
            "http://localhost/logget-af?reason=timeout"
        )
        assert public_host() == "mit-overblik"


def test_a_urls_arguments_are_kept_under_the_base(app: Flask) -> None:
    app.config["PUBLIC_BASE_URL"] = "https://portal.example"
    with app.test_request_context("/"):
        assert public_url("auth.logged_out", reason="timeout") == (
            "https://portal.example/logget-af?reason=timeout"
        )
