"""Integration fixtures: the PostgreSQL server, a private schema per test, a small Parquet data set.

PostgreSQL: the DSN comes from `CONCERT_TEST_POSTGRES_DSN` (default: the one `scripts/start-postgres.sh`
creates). When the server cannot be reached the `postgres` tests are skipped locally, but FAIL when `CI` is
set: in CI a skipped test must not hide a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fixtures.warehouse_data import build_mini_dataset

DEFAULT_TEST_DSN = "postgresql://concert:concert@127.0.0.1:5432/concert_test"


def _test_dsn() -> str:
    return os.environ.get("CONCERT_TEST_POSTGRES_DSN") or DEFAULT_TEST_DSN


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """The test server's DSN; skips (locally) or fails (CI) when it is unreachable."""
    psycopg = pytest.importorskip("psycopg")
    dsn = _test_dsn()
    try:
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        message = (
            f"PostgreSQL test server unreachable at {dsn!r} ({exc.__class__.__name__}: {exc}); "
            "run scripts/start-postgres.sh or set CONCERT_TEST_POSTGRES_DSN"
        )
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return dsn


def _with_search_path(dsn: str, schema_name: str) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(dsn, options=f"-c search_path={schema_name}")


@pytest.fixture
def pg_schema(postgres_dsn: str) -> Iterator[tuple[str, str]]:
    """A fresh, empty schema for one test: (schema name, a DSN whose search_path is that schema).

    Tables the backend creates land in it, so tests never see each other's data; it is dropped afterwards."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield name, _with_search_path(postgres_dsn, name)
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


@pytest.fixture
def pg_dsn(pg_schema: tuple[str, str]) -> str:
    """A DSN on a fresh private schema (see `pg_schema`)."""
    return pg_schema[1]


@pytest.fixture(scope="session")
def mini_dataset(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The hand-made data set's Parquet files (table -> path), built once per session."""
    return build_mini_dataset(tmp_path_factory.mktemp("mini-dataset"))
