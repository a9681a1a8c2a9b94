"""Static files for production: content-hashed names, precompressed, served by WhiteNoise.

`flask --app portal static build` copies static/ to STATIC_BUILD_DIR, adds a copy of every
file under a name carrying a hash of its content (`app.css` → `app.3f2a9c1b0d4e.css`, with
`url(...)` references inside CSS rewritten to the hashed names), writes `manifest.json`,
and precompresses with WhiteNoise's compressor (gzip and Brotli). With a build present,
`url_for('static', ...)` gives the hashed name and WhiteNoise serves it with a far-future
`Cache-Control: immutable`, picking `.br` or `.gz` by Accept-Encoding. Django has this as
ManifestStaticFilesStorage; Flask has no equivalent, hence this small module. Without a
build (development) Flask serves static/ as usual.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import shutil
from pathlib import Path
from typing import Any

import click
from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

MANIFEST = "manifest.json"
HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def _hashed_name(name: str, content: bytes) -> str:
    digest = hashlib.md5(content, usedforsecurity=False).hexdigest()[:12]
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{digest}.{ext}" if dot and "/" not in ext else f"{name}.{digest}"


def _rewrite_css(css_name: str, text: str, manifest: dict[str, str]) -> str:
    base = posixpath.dirname(css_name)

    def replace(match: re.Match[str]) -> str:
        quote, url = match.group(1), match.group(2).strip()
        if url.startswith(("data:", "http:", "https:", "//", "/", "#")):
            return match.group(0)
        path, sep, rest = _split_url(url)
        target = posixpath.normpath(posixpath.join(base, path))
        if target not in manifest:
            return match.group(0)
        hashed = posixpath.relpath(manifest[target], base or ".")
        return f"url({quote}{hashed}{sep}{rest}{quote})"

    return CSS_URL.sub(replace, text)


def _split_url(url: str) -> tuple[str, str, str]:
    for index, char in enumerate(url):
        if char in "?#":
            return url[:index], char, url[index + 1 :]
    return url, "", ""


def build(source: Path, target: Path) -> dict[str, str]:
    """Build the hashed, compressed copy of `source` in `target`; return the manifest."""
    if target.exists():
        shutil.rmtree(target)
    files = sorted(p for p in source.rglob("*") if p.is_file())
    manifest: dict[str, str] = {}
    # CSS last: its url(...) references need the hashed names of the files they point to.
    for path in sorted(files, key=lambda p: p.suffix == ".css"):
        name = path.relative_to(source).as_posix()
        content = path.read_bytes()
        if path.suffix == ".css":
            content = _rewrite_css(name, content.decode("utf-8"), manifest).encode("utf-8")
        hashed = _hashed_name(name, content)
        manifest[name] = hashed
        for out_name in (name, hashed):
            out = target / out_name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(content)
    compressor = Compressor(quiet=True)
    for path in sorted(p for p in target.rglob("*") if p.is_file()):
        if compressor.should_compress(path.name):
            for _ in compressor.compress(str(path)):
                pass
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def _add_headers(headers: Any, path: str, url: str) -> None:
    headers["X-Content-Type-Options"] = "nosniff"


def init_app(app: Flask) -> None:
    directory = app.config.get("STATIC_BUILD_DIR") or ""
    manifest_file = Path(directory) / MANIFEST if directory else None

    @app.cli.group("static")
    def static_group() -> None:
        """Production static files: hashed names, gzip and Brotli."""

    @static_group.command("build")
    def build_command() -> None:
        """Build the hashed, precompressed static files into STATIC_BUILD_DIR."""
        if not directory:
            raise click.ClickException("STATIC_BUILD_DIR (PORTAL_STATIC_BUILD_DIR) is not set")
        assert app.static_folder is not None
        manifest = build(Path(app.static_folder), Path(directory))
        click.echo(f"{len(manifest)} static files built in {directory}")

    if manifest_file is None:
        return
    if not manifest_file.is_file():
        app.logger.warning(
            "no static build in %s: run `flask --app portal static build`", directory
        )
        return
    manifest: dict[str, str] = json.loads(manifest_file.read_text())

    @app.url_defaults
    def hashed_static(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]

    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=directory,
        prefix=(app.static_url_path or "/static").strip("/") + "/",
        max_age=3600,
        immutable_file_test=lambda path, url: bool(HASHED.search(url)),
        add_headers_function=_add_headers,
    )
