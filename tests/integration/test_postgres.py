"""The `postgres` backend on a real PostgreSQL 15 server (`scripts/start-postgres.sh` starts it).

Each test works in its own schema (see `pg_schema` in conftest), so tests never see each other's tables.
What this cannot show: Redshift over the wire protocol (no Redshift here); the Redshift code path is kept
to what Redshift documents (no prepared statements, DELETE instead of TRUNCATE, bound multi-row INSERT
instead of COPY FROM STDIN), and its INSERT loader is exercised here on PostgreSQL.
"""

from __future__ import annotations

import threading
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from concert_api.adapters.warehouse import postgres, schema
from concert_api.adapters.warehouse.base import (
    LoadableWarehouse,
    QueryFailed,
    QueryTimeout,
    Warehouse,
    WarehouseAccessDenied,
    WarehouseUnavailable,
)
from concert_api.adapters.warehouse.postgres import PostgresWarehouse
from concert_api.adapters.warehouse.queries import venues
from concert_api.deadline import deadline
from concert_api.settings import Settings

pytestmark = pytest.mark.postgres


@pytest.fixture
def warehouse(pg_dsn: str) -> Any:
    wh = PostgresWarehouse(pg_dsn, max_size=3, default_timeout=10)
    yield wh
    wh.close()


@pytest.fixture
def loaded(warehouse: PostgresWarehouse, mini_dataset: dict[str, Path]) -> PostgresWarehouse:
    warehouse.replace_all(mini_dataset)
    return warehouse


def table_counts(dsn: str) -> dict[str, int | None]:
    """Rows per table, None when the table does not exist (read on a separate connection)."""
    counts: dict[str, int | None] = {}
    with psycopg.connect(dsn) as conn:
        for spec in schema.TABLES:
            exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [spec.name]).fetchone()
            counts[spec.name] = (
                conn.execute(f"SELECT COUNT(*) FROM {spec.name}").fetchone()[0]  # type: ignore[index]
                if exists and exists[0]
                else None
            )
    return counts


def parquet_rows(path: Path) -> int:
    return int(pq.read_metadata(path).num_rows)


def test_implements_both_protocols(warehouse: PostgresWarehouse) -> None:
    assert isinstance(warehouse, Warehouse)
    assert isinstance(warehouse, LoadableWarehouse)
    assert warehouse.backend == "postgres"
    assert warehouse.redshift is False


def test_ping(warehouse: PostgresWarehouse) -> None:
    warehouse.ping()


# --- loading ---------------------------------------------------------------------------------------------


def test_replace_all_creates_loads_and_refreshes(
    warehouse: PostgresWarehouse, mini_dataset: dict[str, Path], pg_dsn: str
) -> None:
    counts = warehouse.replace_all(mini_dataset)
    assert {k: counts[k] for k in mini_dataset} == {
        name: parquet_rows(path) for name, path in mini_dataset.items()
    }
    assert counts["venue_metrics"] == counts["venues"]  # one summary row per venue, even with no concert
    assert table_counts(pg_dsn) == counts


def test_a_load_gives_summary_tables_of_an_older_version_their_current_columns(
    warehouse: PostgresWarehouse, mini_dataset: dict[str, Path], pg_dsn: str
) -> None:
    # given a database written by a version whose venue_metrics had no rank columns
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS venue_metrics")
        conn.execute("CREATE TABLE venue_metrics (venue_id VARCHAR(64) PRIMARY KEY, total_concerts INTEGER)")
    # when the data is loaded again
    warehouse.replace_all(mini_dataset)
    # then the summary table has the schema's columns and the ranking reads it
    columns = [r["column_name"] for r in warehouse.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'venue_metrics' "
        "AND table_schema = current_schema() ORDER BY ordinal_position")]  # fmt: skip
    assert columns == [c.name for c in schema.VENUE_METRICS.columns]
    everything = {"min_events": 0, "city": "", "state": "", "venue_type": "", "top_n": 100, "rank_by": "revenue"}
    ranked = warehouse.query(venues.VENUE_POPULARITY, everything)
    assert [r["popularity_rank"] for r in ranked] == list(range(1, 13))
    revenues = [r["revenue_per_event"] for r in ranked]
    assert revenues == sorted(revenues, reverse=True)


def test_replace_all_replaces_rather_than_appends(
    loaded: PostgresWarehouse, mini_dataset: dict[str, Path], pg_dsn: str
) -> None:
    before = table_counts(pg_dsn)
    loaded.replace_all(mini_dataset)
    assert table_counts(pg_dsn) == before


def test_failed_load_leaves_the_database_exactly_as_it_was(
    loaded: PostgresWarehouse, mini_dataset: dict[str, Path], pg_dsn: str, tmp_path: Path
) -> None:
    before = table_counts(pg_dsn)
    snapshot = loaded.query("SELECT * FROM venue_metrics ORDER BY venue_id")
    # A duplicate primary key in the LAST table: everything before it was already copied in.
    attendance = pq.read_table(mini_dataset["attendance"])
    broken = tmp_path / "attendance.parquet"
    pq.write_table(pa.concat_tables([attendance, attendance.slice(0, 1)]), broken)
    with pytest.raises(QueryFailed) as raised:
        loaded.replace_all({**mini_dataset, "attendance": broken})
    assert "duplicate key" in (raised.value.internal or "")
    assert raised.value.details == "Loading the warehouse failed; the previous data is unchanged."
    assert table_counts(pg_dsn) == before
    assert loaded.query("SELECT * FROM venue_metrics ORDER BY venue_id") == snapshot


def test_load_analyzes_its_tables_inside_the_transaction(loaded: PostgresWarehouse, pg_schema: tuple[str, str]) -> None:
    name, dsn = pg_schema
    with psycopg.connect(dsn) as conn:
        analyzed = conn.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = %s AND last_analyze IS NOT NULL", [name]
        ).fetchall()
    assert {r[0] for r in analyzed} == {t.name for t in schema.TABLES}


def test_a_failing_analyze_rolls_the_load_back_and_says_so(
    loaded: PostgresWarehouse, mini_dataset: dict[str, Path], pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a loaded database and an ANALYZE that fails (the last step before the commit)
    before = table_counts(pg_dsn)
    monkeypatch.setattr(postgres, "_analyze_sql", lambda tables: "ANALYZE no_such_table")
    reduced = {k: v for k, v in mini_dataset.items() if k != "attendance"}
    # when loading other data
    with pytest.raises(QueryFailed) as raised:
        loaded.replace_all(reduced)
    # then the message that the previous data is unchanged is true
    assert raised.value.details == "Loading the warehouse failed; the previous data is unchanged."
    assert "no_such_table" in (raised.value.internal or "")
    assert table_counts(pg_dsn) == before


def test_failed_first_load_leaves_no_tables(
    warehouse: PostgresWarehouse, mini_dataset: dict[str, Path], pg_dsn: str, tmp_path: Path
) -> None:
    venues_table = pq.read_table(mini_dataset["venues"])
    broken = tmp_path / "venues.parquet"
    pq.write_table(venues_table.drop_columns(["capacity"]), broken)
    with pytest.raises(ValueError, match="capacity"):
        warehouse.replace_all({**mini_dataset, "venues": broken})
    assert set(table_counts(pg_dsn).values()) == {None}


def test_replace_all_refuses_unknown_tables_before_touching_anything(
    loaded: PostgresWarehouse, mini_dataset: dict[str, Path], pg_dsn: str
) -> None:
    before = table_counts(pg_dsn)
    with pytest.raises(ValueError, match="not loaded tables: venue_metrics"):
        loaded.replace_all({**mini_dataset, "venue_metrics": mini_dataset["venues"]})
    assert table_counts(pg_dsn) == before


def test_absent_tables_load_empty(loaded: PostgresWarehouse, mini_dataset: dict[str, Path]) -> None:
    counts = loaded.replace_all({k: v for k, v in mini_dataset.items() if k not in ("users", "attendance")})
    assert counts["users"] == 0 and counts["attendance"] == 0
    assert counts["concerts"] == parquet_rows(mini_dataset["concerts"])


def test_insert_loader_used_for_redshift_matches_copy(
    loaded: PostgresWarehouse, mini_dataset: dict[str, Path], pg_dsn: str
) -> None:
    """Redshift has no COPY FROM STDIN; its bound multi-row INSERT path must load the same rows."""
    spec = schema.table("concerts")
    expected = loaded.query("SELECT * FROM concerts ORDER BY concert_id")
    with psycopg.connect(pg_dsn) as conn, conn.transaction(), conn.cursor() as cur:
        cur.execute("DELETE FROM concerts")
        assert postgres._insert_table(cur, spec, mini_dataset["concerts"]) == len(expected)
    assert loaded.query("SELECT * FROM concerts ORDER BY concert_id") == expected


# --- querying --------------------------------------------------------------------------------------------


def test_rows_are_dicts_with_python_types(loaded: PostgresWarehouse) -> None:
    [row] = loaded.query(
        "SELECT c.concert_id, c.event_date, c.ticket_price, v.capacity, CAST(1.5 AS NUMERIC(10, 2)) AS num, "
        "COUNT(*) OVER () AS n, SUM(v.capacity) OVER () AS total FROM concerts c "
        "JOIN venues v ON v.venue_id = c.venue_id WHERE c.concert_id = CAST(:id AS VARCHAR)",
        {"id": "concert_001"},
    )
    assert row["concert_id"] == "concert_001"
    assert isinstance(row["event_date"], date)
    assert isinstance(row["ticket_price"], float)
    assert isinstance(row["capacity"], int)
    assert row["num"] == 1.5 and isinstance(row["num"], float)  # NUMERIC -> float
    assert row["n"] == 1
    assert isinstance(row["total"], int)  # SUM(bigint) is NUMERIC on PostgreSQL, an integer elsewhere


def test_venue_popularity_with_and_without_filters(loaded: PostgresWarehouse) -> None:
    everything = {"min_events": 0, "city": "", "state": "", "venue_type": "", "top_n": 100, "rank_by": "popularity"}
    rows = loaded.query(venues.VENUE_POPULARITY, everything)
    assert [r["popularity_rank"] for r in rows] == list(range(1, 13))
    filtered = loaded.query(venues.VENUE_POPULARITY, {**everything, "state": "OR", "min_events": 1})
    assert filtered and all(r["state"] == "OR" and r["total_concerts"] >= 1 for r in filtered)
    top = loaded.query(venues.VENUE_POPULARITY, {**everything, "top_n": 3})
    assert top == rows[:3]


def test_parameters_are_bound_never_spliced(loaded: PostgresWarehouse) -> None:
    hostile = "x' OR '1'='1"
    assert loaded.query("SELECT * FROM venues WHERE city = CAST(:city AS VARCHAR)", {"city": hostile}) == []
    assert loaded.query("SELECT CAST(:s AS VARCHAR) AS s", {"s": "%(s)s %s 100%"}) == [{"s": "%(s)s %s 100%"}]


def test_percent_signs_and_casts_in_sql(loaded: PostgresWarehouse) -> None:
    rows = loaded.query(
        "SELECT COUNT(*) AS n FROM venues WHERE name LIKE 'Venue 1%' AND capacity::VARCHAR <> :x", {"x": "0"}
    )
    assert rows == [{"n": 4}]  # Venue 1, 10, 11, 12
    assert loaded.query("SELECT 'a%b' AS s") == [{"s": "a%b"}]


def test_missing_parameter(loaded: PostgresWarehouse) -> None:
    with pytest.raises(ValueError, match="top_n"):
        loaded.query(venues.VENUE_POPULARITY, {"min_events": 0, "city": "", "state": "", "venue_type": ""})


def test_sql_error_is_query_failed(loaded: PostgresWarehouse) -> None:
    with pytest.raises(QueryFailed) as raised:
        loaded.query("SELECT no_such_column FROM venues")
    assert "no_such_column" in (raised.value.internal or "")
    assert "no_such_column" not in raised.value.details
    loaded.ping()  # the connection went back to the pool in a usable state


def test_deadline_becomes_statement_timeout(loaded: PostgresWarehouse) -> None:
    with deadline(0.3), pytest.raises(QueryTimeout):
        loaded.query("SELECT pg_sleep(5)")
    loaded.ping()
    # SET LOCAL: the timeout does not leak into the next transaction on the same pooled connection.
    assert loaded.query("SELECT current_setting('statement_timeout') AS t")[0]["t"] == "10s"


def test_expired_deadline_sends_nothing(loaded: PostgresWarehouse) -> None:
    with deadline(0), pytest.raises(QueryTimeout):
        loaded.query("SELECT 1")


def test_permission_denied_is_access_denied(
    loaded: PostgresWarehouse, pg_schema: tuple[str, str], postgres_dsn: str
) -> None:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    role = f"ro_{pg_schema[0]}"
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'ro'")
        conn.execute(f"GRANT USAGE ON SCHEMA {pg_schema[0]} TO {role}")  # may see the tables, not read them
    try:
        params = conninfo_to_dict(pg_schema[1])
        params.update(user=role, password="ro")
        reader = PostgresWarehouse(make_conninfo(**params), min_size=0)  # type: ignore[arg-type]
        try:
            with pytest.raises(WarehouseAccessDenied):
                reader.query("SELECT * FROM venues")
        finally:
            reader.close()
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f"REVOKE USAGE ON SCHEMA {pg_schema[0]} FROM {role}")
            conn.execute(f"DROP ROLE {role}")


def test_concurrent_queries_share_the_pool(loaded: PostgresWarehouse) -> None:
    errors: list[BaseException] = []
    results: list[int] = []

    def worker() -> None:
        try:
            for _ in range(5):
                results.append(loaded.query("SELECT COUNT(*) AS n FROM concerts")[0]["n"])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == [240] * 30


def test_connections_the_server_dropped_are_replaced(
    pg_dsn: str, mini_dataset: dict[str, Path], postgres_dsn: str
) -> None:
    app = f"concert-test-{uuid.uuid4().hex[:8]}"
    wh = PostgresWarehouse(pg_dsn, max_size=2, application_name=app)
    try:
        wh.replace_all(mini_dataset)
        wh.ping()
        with psycopg.connect(postgres_dsn, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s) t",
                [app],
            ).fetchone()
        assert killed and killed[0] >= 1
        assert wh.query("SELECT COUNT(*) AS n FROM venues") == [{"n": 12}]
    finally:
        wh.close()


# --- construction ----------------------------------------------------------------------------------------


def test_unreachable_server_is_unavailable() -> None:
    wh = PostgresWarehouse("postgresql://nobody:x@127.0.0.1:1/none", min_size=0, connect_timeout=1)
    try:
        with pytest.raises(WarehouseUnavailable):
            wh.query("SELECT 1")
    finally:
        wh.close()


@pytest.mark.parametrize(
    ("dsn", "redshift"),
    [
        ("postgresql://u:p@concert.abc123.us-east-1.redshift.amazonaws.com:5439/dev?sslmode=require", True),
        ("host=wg.123456789012.us-east-1.redshift-serverless.amazonaws.com port=5439 dbname=dev", True),
        ("postgresql://u:p@127.0.0.1:5432/concert", False),
    ],
)
def test_redshift_is_detected_from_the_host(dsn: str, redshift: bool) -> None:
    wh = PostgresWarehouse(dsn)
    assert wh.redshift is redshift
    assert wh.dialect == ("redshift" if redshift else "postgres")
    assert wh._pool is None  # nothing connects before the first query


def test_from_settings() -> None:
    settings = Settings(CONCERT_POSTGRES_DSN="postgresql://a:b@h:5432/d", CONCERT_QUERY_TIMEOUT_SECONDS=7)
    wh = PostgresWarehouse.from_settings(settings)
    assert wh.dsn == "postgresql://a:b@h:5432/d"
    assert wh.default_timeout == 7
    with pytest.raises(ValueError):
        PostgresWarehouse.from_settings(Settings())


def test_venue_forecasts_are_replaced_in_one_transaction(loaded: PostgresWarehouse) -> None:
    def scorer(version: str, rate: float) -> Any:
        def score(fetch: Any) -> list[tuple[Any, ...]]:
            ids = fetch("SELECT venue_id FROM venues ORDER BY venue_id", {})["venue_id"]
            return [(v, 180, rate, version, "2026-01-01T00:00:00Z") for v in ids]

        return score

    def broken(fetch: Any) -> list[tuple[Any, ...]]:
        fetch("SELECT no_such_column FROM venues", {})
        return []

    written = loaded.replace_forecasts(scorer("m1", 0.5))
    with pytest.raises(QueryFailed):
        loaded.replace_forecasts(broken)

    rows = loaded.query("SELECT DISTINCT model_version, forecast_attendance_rate FROM venue_forecasts")
    assert written > 0 and rows == [{"model_version": "m1", "forecast_attendance_rate": 0.5}]
