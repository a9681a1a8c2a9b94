#!/usr/bin/env bash
# The port a checkout's own test server uses: the one recorded in its data directory, else
# one derived from the checkout's path (so two checkouts differ) and moved on while taken.
# Usage: scripts/port_for.sh DATA_DIR BASE   (prints the port; BASE e.g. 55000 or 56000)
set -euo pipefail
dir="$1"; base="$2"
if [ -s "$dir/port" ]; then cat "$dir/port"; exit 0; fi
root="$(cd "$(dirname "$0")/.." && pwd)"
port=$(( base + $(printf '%s' "$root" | cksum | cut -d' ' -f1) % 900 ))
taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
while taken "$port"; do port=$((port + 1)); done
echo "$port"
