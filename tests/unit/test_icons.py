"""The icon sprite holds exactly the icons the templates use (built by scripts/icon_sprite.py)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

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
