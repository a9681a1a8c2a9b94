"""The icon sprite holds exactly the icons the templates use (built by scripts/icon_sprite.py)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parents[2]


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("icon_sprite", ROOT / "scripts/icon_sprite.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_sprite_is_up_to_date_with_the_templates() -> None:
    script = _script()
    assert script.SPRITE.read_text(encoding="utf-8") == script.build(), (
        "run .venv/bin/python scripts/icon_sprite.py"
    )


def test_every_icon_a_template_names_is_in_the_sprite() -> None:
    sprite = (ROOT / "static/img/icons.svg").read_text(encoding="utf-8")
    ids = set(re.findall(r'<symbol id="([^"]+)"', sprite))
    assert {"info", "success", "warning", "error", "check"} <= ids
    assert _script().used_names() <= ids
    assert len(sprite) < 10_000  # the whole DKFDS sprite is 53 KB


def test_an_icon_is_hidden_from_screen_readers_unless_labelled_and_escapes_what_it_is_given(
    app: Flask,
) -> None:
    """`icon()` (portal/__init__.py) is a function, not a macro: it must escape like one."""
    icon = app.jinja_env.globals["icon"]
    with app.test_request_context():
        sprite = app.jinja_env.globals["fixed_url"]("static", "img/icons.svg")
        assert str(icon("check")) == (
            f'<svg class="icon-svg" focusable="false" aria-hidden="true">'
            f'<use href="{sprite}#check"></use></svg>'
        )
        labelled = str(icon('x"><b>', label='Step "1" <done>', classes="a <b>"))
    assert labelled == (
        '<svg class="icon-svg a &lt;b&gt;" focusable="false" role="img"'
        ' aria-label="Step &#34;1&#34; &lt;done&gt;">'
        f'<use href="{sprite}#x&#34;&gt;&lt;b&gt;"></use></svg>'
    )
