#!/usr/bin/env bash
# The README's second command: install what the tests need, then run every check.
# Order: lint and types, unit tests (SQLite), plan API suite again on PostgreSQL, e2e in Chromium,
# then the reliability suite (faults, nothing lost, load, hostile input, security).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/apt_need.sh /usr/bin/chromium chromium '/usr/lib/postgresql/*/bin/initdb' postgresql \
  /usr/bin/redis-server redis-server
bash scripts/setup.sh dev
export PATH="$PWD/.venv/bin:$PATH"

# Two commands, not "a && b": set -e does not stop at a failure on the left of &&, so a lint
# error was printed and the run went on (and passed).
echo "== ruff"; ruff check .; ruff format --check .
echo "== mypy"; mypy
# Unit tests and the plan API's on PostgreSQL in two processes (pytest-xdist): they are
# independent and CPU-bound, and the machine has two cores. Each worker its own database.
echo "== unit tests"; pytest tests/unit -q -p no:cacheprovider -n 2 --durations=10
echo "== plan API tests on PostgreSQL"
pg_url="$(PG_DBS="planapi_test planapi_test_gw0 planapi_test_gw1 portal_test" bash scripts/postgres.sh start)"
trap 'bash scripts/postgres.sh stop' EXIT
PLANAPI_TEST_DATABASE_URL="$pg_url/planapi_test" pytest tests/unit/planapi -q -p no:cacheprovider -n 2
# Two processes, each with its own servers and browser (a journey never depends on another's).
echo "== end-to-end tests (Chromium)"; pytest tests/e2e -q -p no:cacheprovider -n 2 --durations=10
echo "== reliability (faults, nothing lost, load, hostile input, security; SQLite and PostgreSQL + Redis)"
# Hostile input runs in-process (no servers, no clocks): in two processes. The rest starts
# real servers and counts against deadlines, and prints its figures (sends, outages,
# requests/s, latencies) and the slowest parts.
pytest tests/reliability/test_hostile_input.py -q -p no:cacheprovider -n 2
redis_url="$(REDIS_DIR="$PWD/var/test-redis" bash scripts/redis.sh start)"
trap 'bash scripts/postgres.sh stop; REDIS_DIR="$PWD/var/test-redis" bash scripts/redis.sh stop' EXIT
export RELIABILITY_POSTGRES_URL="$pg_url" RELIABILITY_REDIS_URL="$redis_url"
# The tests that mostly wait (plan-API outages, leases, servers starting) two at a time, in
# the groups of tests/reliability/conftest.py; then the ones that load the machine (100
# citizens) or time its answers, one at a time.
pytest tests/reliability -m waits -q -p no:cacheprovider -n 2 --dist loadgroup --durations=4 \
  --ignore=tests/reliability/test_hostile_input.py
pytest tests/reliability -m "not waits" -q -p no:cacheprovider --durations=8 \
  --ignore=tests/reliability/test_hostile_input.py
