"""Print the msgids a catalog has not translated yet, as a JSON skeleton for po_fill.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def missing(lang: str) -> dict[str, object]:
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    out: dict[str, object] = {}
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            out[key] = ["", ""] if isinstance(message.id, tuple) else ""
    return out


if __name__ == "__main__":
    print(
        json.dumps(
            missing(sys.argv[1] if len(sys.argv) > 1 else "da"), ensure_ascii=False, indent=1
        )
    )
