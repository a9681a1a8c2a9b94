#!/usr/bin/env bash
# Start (or stop) a private Redis server from Debian's redis-server on loopback; prints its URL.
# Usage: scripts/redis.sh start|stop [port]
# REDIS_DIR: data directory (default /tmp/mo-redis-PORT); REDIS_PERSIST=1 keeps an append-only file.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${2:-56379}"
dir="${REDIS_DIR:-/tmp/mo-redis-$port}"
case "$1" in
  start)
    bash scripts/apt_need.sh /usr/bin/redis-server redis-server
    mkdir -p "$dir"
    if ! redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
      persist="no"; [ "${REDIS_PERSIST:-0}" = "1" ] && persist="yes"
      redis-server --port "$port" --bind 127.0.0.1 --protected-mode yes --daemonize yes \
        --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
        --save "" --appendonly "$persist"
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
    ;;
esac
