#!/usr/bin/env bash
# Start (or stop) a throw-away PostgreSQL server on loopback for tests; prints its URL.
# Usage: scripts/postgres.sh start|stop [port]
# PG_DIR: data directory (default var/test-postgres in this checkout, so another checkout's
# tests or demo never share it); PG_DBS: databases to create. The port: the one given, else
# the one this data directory used before, else one derived from the checkout and free.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${PG_DIR:-$PWD/var/test-postgres}"
port="${2:-$(bash scripts/port_for.sh "$dir" 55000)}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
as_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
case "$1" in
  start)
    if [ ! -f "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"; [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
      as_pg "$bin/initdb -D $dir -A trust -U postgres" >/dev/null
    fi
    if ! as_pg "$bin/pg_ctl -D $dir status" >/dev/null 2>&1; then
      as_pg "$bin/pg_ctl -D $dir -l $dir/server.log -o '-p $port -k /tmp -c listen_addresses=127.0.0.1' -w start" >/dev/null
      echo "$port" > "$dir/port"
    fi
    for db in ${PG_DBS:-planapi_test portal_test}; do
      as_pg "$bin/psql -h 127.0.0.1 -p $port -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='$db'\"" | grep -q 1 \
        || as_pg "$bin/createdb -h 127.0.0.1 -p $port -U postgres $db"
    done
    echo "postgresql+psycopg://postgres@127.0.0.1:$port"
    ;;
  stop)
    as_pg "$bin/pg_ctl -D $dir -m fast stop" >/dev/null 2>&1 || true
    rm -f "$dir/port"
    ;;
esac
