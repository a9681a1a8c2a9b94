"""The production profile: secrets required, hashed precompressed static files, HSTS."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from flask import Flask

from portal import config, create_app, staticfiles

STATIC = config.ROOT / "static"
CSS = "vendor/dkfds/css/dkfds-borgerdk.min.css"


def test_production_refuses_to_start_without_a_secret_key() -> None:
    with pytest.raises(RuntimeError, match="PORTAL_SECRET_KEY"):
        create_app({"SECRET_KEY": ""}, env="production")


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
    return create_app(
        {
            "SECRET_KEY": "test-production-secret",
            "STATIC_BUILD_DIR": str(build_dir),
            # The same production settings otherwise; no Redis or network in unit tests.
            "SESSION_TYPE": "cachelib",
            "SESSION_DIR": "",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_STORAGE_URI": "memory://",
            "PLANAPI_URL": "http://planapi.invalid",
            "PLANAPI_TRANSPORT": httpx.MockTransport(lambda request: httpx.Response(599)),
        },
        env="production",
    )


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
