#!/usr/bin/env bash
# The README's third command: run like production on this machine. PostgreSQL and Redis from
# Debian's packages (private data directories under var/prod, loopback ports), demo data,
# hashed precompressed static files, gunicorn with gunicorn.conf.py and the production config.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/apt_need.sh '/usr/lib/postgresql/*/bin/initdb' postgresql /usr/bin/redis-server redis-server
bash scripts/setup.sh
mkdir -p var/prod
pg_port="${PROD_PG_PORT:-55433}"
redis_port="${PROD_REDIS_PORT:-56380}"
pg_url="$(PG_DIR="$PWD/var/prod/postgres" PG_DBS="planapi portal" bash scripts/postgres.sh start "$pg_port")"
redis_url="$(REDIS_DIR="$PWD/var/prod/redis" REDIS_PERSIST=1 bash scripts/redis.sh start "$redis_port")"
# One secret for every worker and restart (sessions survive); kept out of git under var/.
[ -s var/prod/secret_key ] || (umask 077; .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))' > var/prod/secret_key)
export PORTAL_SECRET_KEY="$(cat var/prod/secret_key)"
export PORTAL_DATABASE_URL="$pg_url/portal" PLANAPI_DATABASE_URL="$pg_url/planapi" PORTAL_REDIS_URL="$redis_url"
# This machine has no TLS in front of the portal, and a Secure cookie never comes back over
# plain http. Behind a TLS-terminating load balancer, leave PORTAL_COOKIE_SECURE unset (= 1).
export PORTAL_COOKIE_SECURE="${PORTAL_COOKIE_SECURE:-0}"
# Production refuses the MitID simulator (it logs anyone in as a test person) unless told,
# in so many words, that this is a demonstration; every page then says so in a banner.
# Against a real broker: unset this and set OIDC_ISSUER etc. (README, "Connecting to your MitID broker").
export DEMO_USES_SIMULATOR=1
echo "PostgreSQL: $pg_url (data in var/prod/postgres)   Redis: $redis_url (data in var/prod/redis)"
echo "Stop them with: PG_DIR=\$PWD/var/prod/postgres scripts/postgres.sh stop $pg_port; scripts/redis.sh stop $redis_port"
exec .venv/bin/python -m portal.devstack --production
