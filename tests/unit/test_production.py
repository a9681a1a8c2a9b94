"""The production profile: secrets required, hashed precompressed static files, HSTS."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from flask import Flask

from portal import config, create_app, staticfiles

STATIC = config.ROOT / "static"
CSS = "vendor/dkfds/css/dkfds-borgerdk.min.css"


# A production configuration that is safe: every refusal test changes one thing in it.
SAFE: dict[str, Any] = {
    "SECRET_KEY": "a-real-secret-of-more-than-32-characters-0123456789",
    "PUBLIC_BASE_URL": "https://mitoverblik.demo-kommune.example",
    "OIDC_ISSUER": "https://broker.example/mitid",
    "OIDC_CLIENT_SECRET": "broker-issued-client-secret-0123456789",
    "WORKFORCE_ISSUER": "https://login.demo-kommune.example/adfs",
    "WORKFORCE_CLIENT_SECRET": "workforce-issued-client-secret-0123456789",
    "PLANAPI_SERVICE_TOKEN": "a-real-service-token-of-more-than-32-characters",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",
    "SESSION_TYPE": "redis",
    "SESSION_REDIS_URL": "redis://127.0.0.1:1/0",
    "PLANAPI_URL": "http://planapi.invalid",
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
    "DEMO_USES_SIMULATOR": False,
}


def test_a_safe_production_config_starts() -> None:
    assert create_app(dict(SAFE), env="production").config["ENV_NAME"] == "production"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"SECRET_KEY": ""}, "PORTAL_SECRET_KEY"),
        ({"SECRET_KEY": "demo-secret-not-for-production"}, "PORTAL_SECRET_KEY"),
        ({"DEBUG": True}, "FLASK_DEBUG"),
        ({"OIDC_ISSUER": "http://127.0.0.1:5002/mitid"}, "OIDC_ISSUER"),
        ({"OIDC_ISSUER": "http://localhost:8002/mitid"}, "OIDC_ISSUER"),
        ({"WORKFORCE_ISSUER": "http://[::1]:5002/workforce"}, "WORKFORCE_ISSUER"),
        ({"OIDC_CLIENT_SECRET": "dev-oidc-secret"}, "OIDC_CLIENT_SECRET"),
        ({"WORKFORCE_CLIENT_SECRET": ""}, "WORKFORCE_CLIENT_SECRET"),
        ({"PLANAPI_SERVICE_TOKEN": "dev-planapi-token"}, "PLANAPI_SERVICE_TOKEN"),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "PORTAL_RATELIMIT_STORAGE_URI"),
        ({"SESSION_TYPE": "cachelib", "SESSION_DIR": ""}, "PORTAL_SESSION_TYPE"),
        ({"PUBLIC_BASE_URL": ""}, "PORTAL_PUBLIC_BASE_URL"),
    ],
)
def test_production_refuses_to_start_unsafe(change: dict[str, Any], named: str) -> None:
    with pytest.raises(RuntimeError, match=named) as refused:
        create_app({**SAFE, **change}, env="production")
    message = str(refused.value)
    assert "\n" not in message and message.startswith("refusing to start in production")
    for secret in (v for k, v in SAFE.items() if "SECRET" in k or "TOKEN" in k):
        assert str(secret) not in message


def test_flask_debug_from_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="FLASK_DEBUG"):
        create_app(dict(SAFE), env="production")


def test_the_simulator_in_production_only_when_said_so_with_a_banner(tmp_path: Path) -> None:
    simulator = {
        **SAFE,
        "SESSION_TYPE": "cachelib",
        "SESSION_DIR": str(tmp_path),
        "OIDC_ISSUER": "http://127.0.0.1:8002/mitid",
        "WORKFORCE_ISSUER": "http://127.0.0.1:8002/workforce",
    }
    with pytest.raises(RuntimeError, match="OIDC_ISSUER"):
        create_app(simulator, env="production")
    app = create_app({**simulator, "DEMO_USES_SIMULATOR": True}, env="production")
    app.config["TRUSTED_HOSTS"] = None  # the test client's host is localhost
    soup = BeautifulSoup(app.test_client().get("/").get_data(as_text=True), "html.parser")
    banner = soup.select_one("header .demo-banner")
    assert banner is not None and "simulator" in banner.text.lower()
    plain = create_app(
        {**SAFE, "SESSION_TYPE": "cachelib", "SESSION_DIR": str(tmp_path)}, env="production"
    )
    plain.config["TRUSTED_HOSTS"] = None
    soup = BeautifulSoup(plain.test_client().get("/").get_data(as_text=True), "html.parser")
    assert soup.select_one(".demo-banner") is None


def test_plan_api_refuses_the_demo_service_token_in_production() -> None:
    import planapi

    for token in ("", "dev-planapi-token"):
        with pytest.raises(RuntimeError, match="PLANAPI_SERVICE_TOKEN"):
            planapi.create_app({"PLANAPI_ENV": "production", "PLANAPI_SERVICE_TOKEN": token})
    app = planapi.create_app(
        {
            "PLANAPI_ENV": "production",
            "PLANAPI_SERVICE_TOKEN": SAFE["PLANAPI_SERVICE_TOKEN"],
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    assert app.config["PLANAPI_ENV"] == "production"


def test_the_simulator_refuses_a_production_config() -> None:
    from auth.simulator import create_app as create_simulator

    with pytest.raises(RuntimeError, match="DEMO_USES_SIMULATOR"):
        create_simulator({"PORTAL_ENV": "production"})
    assert create_simulator({"PORTAL_ENV": "production", "DEMO_USES_SIMULATOR": "1"})


def test_production_keeps_sessions_and_static_build_outside_the_process() -> None:
    settings = config.load("production", {"SECRET_KEY": "x"})
    assert settings["SESSION_TYPE"] == "redis"
    assert settings["STATIC_BUILD_DIR"]
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["HSTS"] is True


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("static-build")
    staticfiles.build(STATIC, target)
    return target


@pytest.fixture
def prod_app(build_dir: Path) -> Flask:
    app = create_app(
        {
            **SAFE,
            "STATIC_BUILD_DIR": str(build_dir),
            # The same production settings otherwise; no Redis or network in unit tests.
            "SESSION_TYPE": "cachelib",
            "SESSION_DIR": str(build_dir / "sessions"),
            "PLANAPI_TRANSPORT": httpx.MockTransport(lambda request: httpx.Response(599)),
        },
        env="production",
    )
    app.config["TRUSTED_HOSTS"] = None  # the test client's host is localhost
    return app


def test_build_hashes_names_and_rewrites_css_references(build_dir: Path) -> None:
    manifest = json.loads((build_dir / "manifest.json").read_text())
    hashed_css = manifest[CSS]
    assert re.search(r"\.[0-9a-f]{12}\.css$", hashed_css)
    css = (build_dir / hashed_css).read_text()
    fonts = re.findall(r"url\(([^)]*\.woff2)\)", css)
    assert fonts, "the DKFDS CSS references its fonts"
    for font in fonts:
        assert re.search(r"\.[0-9a-f]{12}\.woff2$", font), font
        assert (build_dir / "vendor/dkfds/css" / font).resolve().is_file(), font
    assert (build_dir / f"{hashed_css}.br").is_file()
    assert (build_dir / f"{hashed_css}.gz").is_file()


def test_pages_link_hashed_assets_and_send_hsts(prod_app: Flask) -> None:
    response = prod_app.test_client().get("/")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assets = [str(link["href"]) for link in soup.select("link[rel=stylesheet]")]
    assets += [str(script["src"]) for script in soup.select("script[src]")]
    assert assets
    for url in assets:
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", url), url


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_hashed_assets_are_immutable_and_precompressed(prod_app: Flask, encoding: str) -> None:
    client = prod_app.test_client()
    html = client.get("/").get_data(as_text=True)
    css_url = re.search(r'href="([^"]*dkfds-borgerdk[^"]*\.css)"', html)
    assert css_url
    with client.get(css_url.group(1), headers={"Accept-Encoding": encoding}) as response:
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == encoding
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=315360000" in response.headers["Cache-Control"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert int(response.headers["Content-Length"]) < (STATIC / CSS).stat().st_size / 4


def test_unhashed_names_are_served_but_not_cached_for_ever(prod_app: Flask) -> None:
    with prod_app.test_client().get(f"/static/{CSS}") as response:
        assert response.status_code == 200
        assert "immutable" not in response.headers["Cache-Control"]
