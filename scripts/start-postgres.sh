#!/usr/bin/env bash
# Start the local PostgreSQL 15 cluster the integration tests use, and create their role and database.
# Idempotent: safe to run when the cluster is already up and the role/database already exist.
#
#   scripts/start-postgres.sh            # uses the defaults below
#   PGTEST_DB=other scripts/start-postgres.sh
#
# Prints the DSN to use as CONCERT_TEST_POSTGRES_DSN on its last line.
set -euo pipefail

PG_VERSION="${PG_VERSION:-15}"
PG_CLUSTER="${PG_CLUSTER:-main}"
PGTEST_USER="${PGTEST_USER:-concert}"
PGTEST_PASSWORD="${PGTEST_PASSWORD:-concert}"
PGTEST_DB="${PGTEST_DB:-concert_test}"
PGTEST_HOST="${PGTEST_HOST:-127.0.0.1}"

# Run a command as the cluster's owner: directly, through su (root) or through password-less sudo.
as_postgres() {
  if [ "$(id -un)" = postgres ]; then
    "$@"
  elif [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n -u postgres "$@"
  else
    echo "start-postgres: run as root, as postgres, or with password-less sudo" >&2
    return 1
  fi
}

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "start-postgres: pg_ctlcluster not found; install postgresql-${PG_VERSION}" >&2
  exit 1
fi

status="$(pg_lsclusters --no-header 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {print $4}')"
if [ -z "$status" ]; then
  echo "start-postgres: no cluster ${PG_VERSION}/${PG_CLUSTER}" >&2
  exit 1
fi
PG_PORT="$(pg_lsclusters --no-header | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {print $3}')"
if [ "$status" != online ]; then
  if [ "$(id -u)" = 0 ] || [ "$(id -un)" = postgres ]; then
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start
  else
    sudo -n pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start
  fi
fi

# Wait until the server accepts connections (up to ~30 s).
for _ in $(seq 1 60); do
  if pg_isready -q -h "$PGTEST_HOST" -p "$PG_PORT"; then break; fi
  sleep 0.5
done
pg_isready -h "$PGTEST_HOST" -p "$PG_PORT" >/dev/null

psql_admin() { as_postgres psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -qtAX "$@"; }

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '${PGTEST_USER}'")" != 1 ]; then
  psql_admin -c "CREATE ROLE \"${PGTEST_USER}\" LOGIN PASSWORD '${PGTEST_PASSWORD}' SUPERUSER"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '${PGTEST_DB}'")" != 1 ]; then
  # Bytewise string order (LC_COLLATE=C), as on Redshift and DuckDB: ORDER BY on ids must agree across backends.
  as_postgres createdb -p "$PG_PORT" -O "$PGTEST_USER" -T template0 -E UTF8 --lc-collate=C "$PGTEST_DB"
fi

echo "postgresql://${PGTEST_USER}:${PGTEST_PASSWORD}@${PGTEST_HOST}:${PG_PORT}/${PGTEST_DB}"
