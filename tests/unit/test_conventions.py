"""Tests that enforce the project's own conventions."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from flask import Flask

from portal.config import ROOT


def test_every_route_declares_who_may_see_it(app: Flask) -> None:
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and getattr(app.view_functions[rule.endpoint], "_access", None) is None
    ]
    assert not undeclared, f"routes without @access(...): {undeclared}"


def test_paths_are_kebab_case_and_parameters_typed(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        static_parts = re.sub(r"<[^>]+>", "", rule.rule)
        assert re.fullmatch(r"[a-z0-9/\-.]*", static_parts), f"not kebab-case: {rule.rule}"
        for arg in re.findall(r"<([^>]+)>", rule.rule):
            assert ":" in arg, f"untyped URL parameter in {rule.rule}: {arg}"


def test_every_user_visible_string_is_extracted() -> None:
    """The .pot is up to date: extracting now gives the same msgids."""
    out = ROOT / "var" / "check.pot"
    out.parent.mkdir(exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--no-location",
            "--sort-output",
            "-o",
            str(out),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    from babel.messages.pofile import read_po

    def ids(path):  # type: ignore[no-untyped-def]
        with open(path, "rb") as fh:
            return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}

    fresh, committed = ids(out), ids(ROOT / "locales" / "messages.pot")
    assert fresh == committed, (
        f"catalog out of date; run `flask --app portal translate update`. "
        f"new: {sorted(fresh - committed)[:10]} gone: {sorted(committed - fresh)[:10]}"
    )


def test_templates_contain_no_inline_script_or_style() -> None:
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"inline script in {template}"
        assert " style=" not in text and "<style" not in text, f"inline style in {template}"
        assert not re.search(r"(src|href)=\"https?://", text), f"external resource in {template}"


def _imports(path: Path) -> set[str]:
    """The modules a file imports (at any depth: a function-level import counts too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_layers_point_one_way() -> None:
    """auth never reaches up into the portal (the portal hands it a directory and a store
    for logins under way), and no view imports another view (shared page code lives in
    portal/pages.py)."""
    upward = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _imports(path) if m.split(".")[0] == "portal"
        )
        for path in (ROOT / "auth").rglob("*.py")
    }
    assert {k: v for k, v in upward.items() if v} == {}
    views = ROOT / "portal" / "views"
    sideways = {
        path.name: sorted(m for m in _imports(path) if m.startswith("portal.views"))
        for path in views.glob("*.py")
    }
    assert {k: v for k, v in sideways.items() if v} == {}
