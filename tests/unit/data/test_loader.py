"""The loader: validated files reach the warehouse as clean, typed Parquet, or nothing reaches it at all."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests.unit.data.tiny_data import edit_csv_line

from concert_api.adapters.warehouse import schema
from concert_tools.data.loader import LoadRejected, load_directory
from concert_tools.data.parquet_io import arrow_schema
from concert_tools.data.reference import CITIES


class RecordingWarehouse:
    """A LoadableWarehouse that keeps what it was asked to load (read while the files still exist)."""

    backend = "recording"

    def __init__(self) -> None:
        self.loads: list[dict[str, object]] = []

    def replace_all(self, parquet_files: Mapping[str, Path]) -> dict[str, int]:
        tables = {name: pq.read_table(path) for name, path in parquet_files.items()}
        self.loads.append(tables)
        return {name: t.num_rows for name, t in tables.items()}

    def query(self, sql: str, params: object = None) -> list[dict]:
        return []

    def ping(self) -> None: ...

    def close(self) -> None: ...


def test_csv_files_reach_the_warehouse_with_the_schema_types(csv_copy: Path) -> None:
    warehouse = RecordingWarehouse()
    result = load_directory(csv_copy, warehouse)
    [tables] = warehouse.loads
    for spec in schema.LOADED_TABLES:
        assert tables[spec.name].schema.types == arrow_schema(spec).types, spec.name  # type: ignore[attr-defined]
    assert result.counts["concerts"] == 2500


def test_rows_keep_their_file_order(csv_copy: Path) -> None:
    warehouse = RecordingWarehouse()
    load_directory(csv_copy, warehouse)
    ids = warehouse.loads[0]["concerts"]["concert_id"].to_pylist()  # type: ignore[index]
    assert ids == [f"concert_{i:03d}" for i in range(1, len(ids) + 1)]  # the generator writes them in this order


def test_a_bad_row_loads_nothing_and_reports_it(csv_copy: Path) -> None:
    edit_csv_line(csv_copy / "concerts.csv", 10, "ticket_price", "free")
    warehouse = RecordingWarehouse()
    with pytest.raises(LoadRejected) as rejected:
        load_directory(csv_copy, warehouse)
    assert warehouse.loads == []
    [issue] = rejected.value.report.issues
    assert (issue.file, issue.row, issue.column) == ("concerts.csv", 9, "ticket_price")


def test_without_a_cities_file_the_built_in_cities_are_loaded(csv_copy: Path) -> None:
    (csv_copy / "cities.csv").unlink()
    warehouse = RecordingWarehouse()
    result = load_directory(csv_copy, warehouse)
    assert result.counts["cities"] == len(CITIES)


def test_progress_reaches_the_end(tiny_dir: Path) -> None:
    steps: list[int] = []
    load_directory(tiny_dir, RecordingWarehouse(), progress=lambda _s, done, _t: steps.append(done))
    assert steps[-1] == 4


class MetadataWarehouse(RecordingWarehouse):
    """A warehouse whose replace_all takes `metadata` (as DuckDB's does)."""

    def __init__(self) -> None:
        super().__init__()
        self.metadata: list[dict[str, object]] = []

    def replace_all(self, parquet_files: Mapping[str, Path], *, metadata: dict[str, object]) -> dict[str, int]:
        self.metadata.append(metadata)
        return super().replace_all(parquet_files)


def test_the_load_hands_its_source_and_generation_to_a_warehouse_that_records_them(
    tiny_dir: Path, csv_copy: Path
) -> None:
    warehouse = MetadataWarehouse()
    load_directory(tiny_dir, warehouse)
    load_directory(csv_copy, warehouse)
    generated, own = warehouse.metadata
    assert generated["source"] == str(tiny_dir.resolve())
    assert generated["generation"]["seed"] == 11  # type: ignore[index]
    assert own["source"] == str(csv_copy.resolve()) and "generation" not in own
    assert own["files"]["concerts"] == "concerts.csv"  # type: ignore[index]


def test_an_unreadable_generation_json_does_not_stop_a_load(csv_copy: Path) -> None:
    (csv_copy / "generation.json").write_text("{not json")
    warehouse = MetadataWarehouse()
    load_directory(csv_copy, warehouse)
    assert "generation" not in warehouse.metadata[0]
