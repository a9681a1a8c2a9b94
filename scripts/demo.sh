#!/usr/bin/env bash
# The README's first command: install and start the whole demo on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m portal.devstack
