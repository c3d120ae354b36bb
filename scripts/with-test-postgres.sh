#!/usr/bin/env bash
# Runs a command with BOTDECK_TEST_POSTGRES_URL pointing at a throwaway
# PostgreSQL database, created for this run and dropped afterwards. Tests
# make their own schema inside it per test. When BOTDECK_TEST_POSTGRES_URL
# is already set it is used as is. Without a reachable PostgreSQL the
# command runs on SQLite only, with a warning (CI always has PostgreSQL).
set -uo pipefail

if [ -n "${BOTDECK_TEST_POSTGRES_URL:-}" ]; then
  exec "$@"
fi

PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER
if ! command -v psql >/dev/null || ! psql -d postgres -qAtc 'select 1' >/dev/null 2>&1; then
  echo "warning: no PostgreSQL at $PGHOST:$PGPORT; running the tests on SQLite only" >&2
  exec "$@"
fi

db="botdeck_test_$(date +%s)_$$"
psql -d postgres -qc "CREATE DATABASE $db" >/dev/null || exit 1
# Extensions live in public so every per-test schema sees them.
psql -d "$db" -qc "CREATE EXTENSION IF NOT EXISTS pg_trgm" >/dev/null || exit 1
cleanup() { psql -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; }
trap cleanup EXIT INT TERM

export BOTDECK_TEST_POSTGRES_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$db?sslmode=disable"
"$@"
