"""Fill translations into a catalog from a JSON file: {"msgid": "msgstr" | ["singular", "plural"]}.

Usage: python scripts/po_fill.py da my-strings.json
Run `flask --app portal translate update` first so the msgids exist in the catalog.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def main(lang: str, source: str) -> None:
    path = ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    wanted = json.loads(Path(source).read_text(encoding="utf-8"))
    missing = []
    for msgid, msgstr in wanted.items():
        message = catalog.get(msgid)
        if message is None:
            missing.append(msgid)
            continue
        message.string = tuple(msgstr) if isinstance(msgstr, list) else msgstr
        message.flags.discard("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalog, sort_output=True, omit_header=False, width=100)
    print(f"{lang}: filled {len(wanted) - len(missing)}; not in catalog: {missing}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
