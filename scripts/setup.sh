#!/usr/bin/env bash
# Shared setup for the demo and test commands: Python venv with the project installed,
# compiled message catalogs. Idempotent: re-installs only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
# WeasyPrint (the plan as PDF) needs Pango, and HarfBuzz's subsetter to embed only the glyphs
# used (without it, it warns, and the unit tests turn warnings into errors).
bash scripts/apt_need.sh '/usr/lib/*/libpangoft2-1.0.so.0' libpangoft2-1.0-0 \
  '/usr/lib/*/libharfbuzz-subset.so.0' libharfbuzz-subset0
extra="${1:-}"
if [ ! -x .venv/bin/python ]; then
  python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)${extra:+-$extra}"
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install --quiet --upgrade pip
  if [ -n "$extra" ]; then .venv/bin/pip install --quiet -e ".[$extra]"; else .venv/bin/pip install --quiet -e .; fi
  touch "$stamp"
fi
.venv/bin/pybabel compile -d locales --use-fuzzy >/dev/null
