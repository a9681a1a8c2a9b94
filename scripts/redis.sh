#!/usr/bin/env bash
# Start (or stop) a private Redis server from Debian's redis-server on loopback; prints its URL.
# Usage: scripts/redis.sh start|stop [port]
# REDIS_DIR: data directory (default var/test-redis in this checkout); REDIS_PERSIST=1 keeps
# an append-only file. The port: the one given, else the one this directory used before,
# else one derived from the checkout and free (scripts/port_for.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${REDIS_DIR:-$PWD/var/test-redis}"
port="${2:-$(bash scripts/port_for.sh "$dir" 56000)}"
case "$1" in
  start)
    bash scripts/apt_need.sh /usr/bin/redis-server redis-server
    mkdir -p "$dir"
    if ! redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
      persist="no"; [ "${REDIS_PERSIST:-0}" = "1" ] && persist="yes"
      redis-server --port "$port" --bind 127.0.0.1 --protected-mode yes --daemonize yes \
        --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
        --save "" --appendonly "$persist"
      echo "$port" > "$dir/port"
      for _ in $(seq 50); do
        redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
        sleep 0.1
      done
    fi
    echo "redis://127.0.0.1:$port/0"
    ;;
  stop)
    mode="nosave"; [ "${REDIS_PERSIST:-0}" = "1" ] && mode="save"
    redis-cli -h 127.0.0.1 -p "$port" shutdown "$mode" >/dev/null 2>&1 || true
    rm -f "$dir/port"
    ;;
esac
