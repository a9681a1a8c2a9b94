#!/usr/bin/env bash
# Install Debian packages whose file is missing: apt_need.sh PATH-GLOB PACKAGE [PATH-GLOB PACKAGE...]
set -euo pipefail
missing=()
while [ $# -gt 1 ]; do
  compgen -G "$1" >/dev/null || missing+=("$2")
  shift 2
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing from Debian: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
