"""The DuckDB warehouse: bound queries, typed errors, atomic replacement, concurrent readers across a swap."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import shutil
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from concert_api.adapters.warehouse import duckdb as duckdb_backend
from concert_api.adapters.warehouse import schema
from concert_api.adapters.warehouse.base import (
    LoadableWarehouse,
    QueryFailed,
    QueryTimeout,
    Warehouse,
    WarehouseUnavailable,
)
from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
from concert_api.adapters.warehouse.queries import recommendations, venues
from concert_api.deadline import deadline
from concert_tools.data.generator import generate
from concert_tools.data.loader import LoadRejected, load_directory

AS_OF = dt.date(2025, 6, 1)
ALL_VENUES = {"min_events": 0, "city": "", "state": "", "venue_type": "", "top_n": 1000, "rank_by": "popularity"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two tiny data sets (seeds 1 and 2), to load one over the other."""
    root = tmp_path_factory.mktemp("duckdb-data")
    generate("tiny", 1, root / "a", as_of=AS_OF)
    generate("tiny", 2, root / "b", as_of=AS_OF)
    return {"a": root / "a", "b": root / "b"}


@pytest.fixture
def warehouse(tmp_path: Path, generated: dict[str, Path]) -> DuckDBWarehouse:
    wh = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    load_directory(generated["a"], wh)
    yield wh
    wh.close()


def test_implements_both_protocols(tmp_path: Path) -> None:
    wh = DuckDBWarehouse(tmp_path / "x.duckdb")
    assert isinstance(wh, Warehouse) and isinstance(wh, LoadableWarehouse)


def test_missing_file_is_unavailable_with_the_command_to_run(tmp_path: Path) -> None:
    wh = DuckDBWarehouse(tmp_path / "missing.duckdb")
    with pytest.raises(WarehouseUnavailable) as error:
        wh.query("SELECT 1 AS one")
    assert "concert-api data generate" in error.value.details
    assert error.value.status_code == 503
    # the file's path is for the logs, not for the API's clients
    assert str(tmp_path) not in error.value.details and "missing.duckdb" not in error.value.details
    assert str(tmp_path / "missing.duckdb") in (error.value.internal or "")


def test_query_binds_named_parameters_and_returns_dicts(warehouse: DuckDBWarehouse) -> None:
    rows = warehouse.query(venues.VENUE_BY_ID, {"venue_id": "venue_001"})
    assert rows[0]["venue_id"] == "venue_001" and set(rows[0]) >= {"city", "capacity", "venue_type"}
    # a value that looks like SQL is just a value
    assert warehouse.query(venues.VENUE_BY_ID, {"venue_id": "x' OR '1'='1"}) == []


def test_sql_errors_become_query_failed_without_details(warehouse: DuckDBWarehouse) -> None:
    with pytest.raises(QueryFailed) as error:
        warehouse.query("SELECT * FROM no_such_table")
    assert "no_such_table" not in error.value.details
    assert "no_such_table" in (error.value.internal or "")


def test_a_passed_deadline_times_out(warehouse: DuckDBWarehouse) -> None:
    with deadline(0.0), pytest.raises(QueryTimeout):
        warehouse.query("SELECT 1 AS one")


def test_a_long_query_is_interrupted_at_the_deadline(warehouse: DuckDBWarehouse) -> None:
    slow = "SELECT COUNT(*) AS n FROM range(100000000) a, range(100) b WHERE a.range % 7 = b.range"
    with deadline(0.2), pytest.raises(QueryTimeout):
        warehouse.query(slow)


def test_load_fills_every_table_and_the_summary(warehouse: DuckDBWarehouse, generated: dict[str, Path]) -> None:
    counts = warehouse.table_counts()
    for spec in schema.LOADED_TABLES:
        assert counts[spec.name] == pq.read_metadata(generated["a"] / f"{spec.name}.parquet").num_rows
    assert counts["venue_metrics"] == counts["venues"]


def test_venue_popularity_ranks_with_shrinkage_and_filters(warehouse: DuckDBWarehouse) -> None:
    ranked = warehouse.query(venues.VENUE_POPULARITY, ALL_VENUES)
    assert [r["popularity_rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    scores = [r["popularity_score"] for r in ranked]
    assert scores == sorted(scores, reverse=True)
    # min_events drops venues with fewer concerts
    busy = warehouse.query(venues.VENUE_POPULARITY, {**ALL_VENUES, "min_events": 100})
    assert busy and all(r["total_concerts"] >= 100 for r in busy) and len(busy) < len(ranked)


def test_recommendation_candidates_are_upcoming_scheduled_concerts(warehouse: DuckDBWarehouse) -> None:
    rows = warehouse.query(recommendations.CANDIDATES, {
        "user_id": "", "today": AS_OF, "until": AS_OF + dt.timedelta(days=90), "genres": "", "genre_filter": "",
        "state": "", "min_lat": -90, "max_lat": 90, "min_lon": -180, "max_lon": 180, "lat": 0.0, "lon": 0.0,
        "lon_scale": 0.0,
    })  # fmt: skip
    assert rows and all(r["event_date"] >= AS_OF for r in rows)


def test_replace_all_swaps_the_data_and_readers_see_it(
    warehouse: DuckDBWarehouse, generated: dict[str, Path], tmp_path: Path
) -> None:
    # given a reader that has already queried the warehouse (seed 1)
    before = warehouse.query("SELECT name FROM artists WHERE artist_id = 'artist_001'")[0]["name"]
    # when another warehouse object (as the CLI would, in another process) loads seed 2 over it
    writer = DuckDBWarehouse(warehouse.path, read_only=False)
    load_directory(generated["b"], writer)
    # then the reader's next query sees the new data
    after = warehouse.query("SELECT name FROM artists WHERE artist_id = 'artist_001'")[0]["name"]
    expected = pq.read_table(generated["b"] / "artists.parquet")["name"][0].as_py()
    assert after == expected != before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_failed_load_leaves_the_warehouse_exactly_as_it_was(
    warehouse: DuckDBWarehouse, generated: dict[str, Path], tmp_path: Path
) -> None:
    before = warehouse.path.read_bytes()
    counts = warehouse.table_counts()
    # a corrupt Parquet file fails inside replace_all, after validation
    bad = dict.fromkeys([t.name for t in schema.LOADED_TABLES], tmp_path / "corrupt.parquet")
    (tmp_path / "corrupt.parquet").write_bytes(b"not parquet")
    with pytest.raises(QueryFailed):
        warehouse.replace_all(bad)
    assert warehouse.path.read_bytes() == before
    assert warehouse.table_counts() == counts
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def test_a_rejected_load_leaves_the_warehouse_unchanged(
    warehouse: DuckDBWarehouse, generated: dict[str, Path], tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(generated["b"], bad)
    table = pq.read_table(bad / "venues.parquet")
    index = table.schema.get_field_index("capacity")
    pq.write_table(table.set_column(index, "capacity", pa.array([-1] * table.num_rows)), bad / "venues.parquet")
    before = warehouse.path.read_bytes()
    with pytest.raises(LoadRejected) as rejected:
        load_directory(bad, warehouse)
    assert rejected.value.report.issues[0].column == "capacity"
    assert warehouse.path.read_bytes() == before


def test_concurrent_readers_see_consistent_data_across_swaps(
    warehouse: DuckDBWarehouse, generated: dict[str, Path]
) -> None:
    # given the two data sets' concert counts per status (each load is all of one or all of the other)
    expected = set()
    for name in ("a", "b"):
        statuses = pq.read_table(generated[name] / "concerts.parquet")["status"].to_pylist()
        expected.add(statuses.count("completed"))
    errors: list[BaseException] = []
    seen: set[int] = set()
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                rows = warehouse.query("SELECT COUNT(*) AS n FROM ticket_sales")
                seen.add(rows[0]["n"])
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    writer = DuckDBWarehouse(warehouse.path, read_only=False)
    for name in ("b", "a", "b"):
        load_directory(generated[name], writer)
    stop.set()
    for t in threads:
        t.join()
    # then no reader failed, and each saw only whole data sets
    assert errors == []
    assert seen and seen <= expected


# --- load metadata, and swaps that must not lose data -------------------------------------------------------


def test_a_load_records_its_source_and_generation_in_the_file(
    warehouse: DuckDBWarehouse, generated: dict[str, Path]
) -> None:
    meta = warehouse.load_metadata()
    assert meta["source"] == str(generated["a"].resolve())
    assert meta["generation"] == json.loads((generated["a"] / "generation.json").read_text())
    assert meta["files"]["concerts"] == "concerts.parquet"
    assert dt.datetime.fromisoformat(meta["loaded_at"]).tzinfo is not None
    assert "load_metadata" not in warehouse.table_counts()  # not part of the API's schema


def test_a_file_without_load_metadata_has_none(warehouse: DuckDBWarehouse) -> None:
    import duckdb

    warehouse.close()
    con = duckdb.connect(str(warehouse.path))
    con.execute("DROP TABLE load_metadata")
    con.close()
    assert warehouse.load_metadata() == {}
    assert warehouse.table_counts()["venues"] > 0


def test_a_write_ahead_log_on_the_live_file_stops_the_swap(
    warehouse: DuckDBWarehouse, generated: dict[str, Path], tmp_path: Path
) -> None:
    # given another program's write-ahead log next to the live file
    before = warehouse.path.read_bytes()
    wal = Path(f"{warehouse.path}.wal")
    wal.write_bytes(b"someone else's changes")
    writer = DuckDBWarehouse(warehouse.path, read_only=False)
    # when loading, then the load is refused and neither file is touched
    with pytest.raises(QueryFailed) as raised:
        load_directory(generated["b"], writer)
    assert "write-ahead log" in raised.value.details and "unchanged" in raised.value.details
    assert warehouse.path.read_bytes() == before
    assert wal.read_bytes() == b"someone else's changes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb", "warehouse.duckdb.wal"]


def test_a_failing_swap_keeps_the_old_file_and_says_why(
    warehouse: DuckDBWarehouse, generated: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = warehouse.path.read_bytes()
    counts = warehouse.table_counts()

    def no_space(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(duckdb_backend.os, "replace", no_space)
    writer = DuckDBWarehouse(warehouse.path, read_only=False)
    with pytest.raises(QueryFailed) as raised:
        load_directory(generated["b"], writer)
    assert os.strerror(errno.ENOSPC) in raised.value.details and "unchanged" in raised.value.details
    assert str(tmp_path) not in raised.value.details
    monkeypatch.undo()
    assert warehouse.path.read_bytes() == before
    assert warehouse.table_counts() == counts
    assert [p.name for p in tmp_path.iterdir()] == ["warehouse.duckdb"]


def _write_older_venue_metrics(path: Path) -> None:
    """Make the file look written by a version whose venue_metrics had neither the venue's columns nor the orders."""
    import duckdb

    con = duckdb.connect(str(path))
    try:
        con.execute("DROP TABLE venue_metrics")
        con.execute("CREATE TABLE venue_metrics (venue_id VARCHAR NOT NULL, total_concerts INTEGER NOT NULL)")
        con.execute("INSERT INTO venue_metrics SELECT venue_id, 1 FROM venues")
    finally:
        con.close()


def test_a_warehouse_from_an_older_version_is_brought_to_the_current_summaries(
    warehouse: DuckDBWarehouse, tmp_path: Path
) -> None:
    # given a warehouse whose summary table has an older version's columns
    counts_before = warehouse.table_counts()
    warehouse.close()
    _write_older_venue_metrics(warehouse.path)
    assert warehouse.outdated_summaries() == ["venue_metrics"]
    with pytest.raises(QueryFailed):
        warehouse.query(venues.VENUE_POPULARITY, ALL_VENUES)
    # when its summaries are refreshed
    rebuilt = warehouse.refresh_summaries()
    # then they have the schema's shape, the ranking reads them, and nothing loaded was touched
    assert warehouse.outdated_summaries() == []
    assert rebuilt == {t.name: counts_before[t.name] for t in schema.SUMMARY_TABLES}
    assert warehouse.table_counts() == counts_before
    assert warehouse.query(venues.VENUE_POPULARITY, ALL_VENUES)


def test_the_data_refresh_command_rebuilds_outdated_summaries(warehouse: DuckDBWarehouse) -> None:
    from click.testing import CliRunner

    from concert_tools.cli.main import cli

    warehouse.close()
    _write_older_venue_metrics(warehouse.path)
    result = CliRunner().invoke(cli, ["data", "refresh", "--db", str(warehouse.path)])
    assert result.exit_code == 0, result.output
    assert "venue_metrics" in result.output and warehouse.outdated_summaries() == []
