"""Write static/img/icons.svg: only the DKFDS icons our templates use (53 KB → ~3 KB).

Run after changing which icons the templates use; tests/unit/test_icons.py fails until then.
    .venv/bin/python scripts/icon_sprite.py
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR_SPRITE = ROOT / "static" / "vendor" / "dkfds" / "img" / "all-svg-icons.svg"
SPRITE = ROOT / "static" / "img" / "icons.svg"
# Names chosen at run time, not written as icon("name") in a template: the alert variants.
DYNAMIC = {"info", "success", "warning", "error"}


def used_names() -> set[str]:
    names = set(DYNAMIC)
    for template in (ROOT / "templates").rglob("*.html"):
        names |= set(re.findall(r"""icon\(\s*["']([a-z0-9-]+)["']""", template.read_text()))
    return names


def build() -> str:
    source = VENDOR_SPRITE.read_text(encoding="utf-8")
    symbols = {
        m.group(1): m.group(0)
        for m in re.finditer(r'(?s)<symbol id="([^"]+)"[^>]*>.*?</symbol>', source)
    }
    missing = used_names() - symbols.keys()
    if missing:
        raise SystemExit(f"not in the DKFDS sprite: {sorted(missing)}")
    kept = "".join(symbols[name] for name in sorted(used_names()))
    return (
        "<!-- Icons from Det Fælles Designsystem's sprite (Material Symbols, Apache 2.0; see "
        "static/vendor/dkfds/LICENSE.md), the ones we use; built by scripts/icon_sprite.py -->\n"
        f'<svg xmlns="http://www.w3.org/2000/svg">{kept}</svg>\n'
    )


if __name__ == "__main__":
    SPRITE.write_text(build(), encoding="utf-8")
    print(f"{SPRITE.relative_to(ROOT)}: {len(used_names())} icons, {SPRITE.stat().st_size} bytes")
