"""Load a directory of CSV or Parquet files (one per table) into a warehouse: all tables, or nothing.

    validate (DuckDB, in memory) -> export clean, typed Parquet -> warehouse.replace_all (atomic)

The generator's output goes through exactly the same path as a user's own files.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from concert_api.data.parquet_io import write_reference_cities
from concert_api.data.validation import StagedFiles, ValidationReport
from concert_api.warehouse import schema
from concert_api.warehouse.base import LoadableWarehouse
from concert_api.warehouse.duckdb import sql_literal

ProgressCallback = Callable[[str, int, int], None]
"""Called as `progress(step_description, steps_done, steps_total)`."""

_DUCKDB_CASTS: dict[schema.ColumnType, str] = {
    "id": "VARCHAR",
    "text": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "date": "DATE",
    "bool": "BOOLEAN",
}


class LoadRejected(Exception):
    """The files did not pass validation; nothing was loaded. `report` lists every problem found."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(report.summary())
        self.report = report


@dataclass
class LoadResult:
    """What a successful load put in the warehouse."""

    directory: Path
    counts: dict[str, int]
    files: dict[str, Path]
    warnings: list[str] = field(default_factory=list)


def load_directory(
    directory: Path, warehouse: LoadableWarehouse, *, progress: ProgressCallback | None = None
) -> LoadResult:
    """Validate every table file in `directory` and, if all pass, replace the warehouse's contents with them.

    Raises `LoadRejected` (with the report) when any row is bad: the warehouse is then unchanged. Tables
    without a file load empty, except `cities`, which falls back to the built-in list of US cities."""
    directory = Path(directory)
    report_progress = progress or (lambda _step, _done, _total: None)
    report_progress("reading files", 0, 4)
    with StagedFiles(directory) as staged:
        report_progress("checking types, keys, ranges and references", 1, 4)
        report = staged.validate()
        if not report.ok:
            raise LoadRejected(report)
        with tempfile.TemporaryDirectory(prefix="concert-load-") as tmp:
            report_progress("preparing tables", 2, 4)
            files = _export(staged, Path(tmp))
            report_progress("loading the warehouse", 3, 4)
            counts = warehouse.replace_all(files)
    report_progress("loaded", 4, 4)
    return LoadResult(directory, counts, dict(report.files), list(report.warnings))


def _export(staged: StagedFiles, out: Path) -> dict[str, Path]:
    """Clean Parquet per table with the schema's exact types, rows in file order."""
    files: dict[str, Path] = {}
    for spec in schema.LOADED_TABLES:
        path = out / f"{spec.name}.parquet"
        if spec.name == "cities" and spec.name not in staged.present:
            write_reference_cities(path)
        else:
            cols = ", ".join(f"CAST({c.name} AS {_DUCKDB_CASTS[c.type]}) AS {c.name}" for c in spec.columns)
            staged.con.execute(
                f"COPY (SELECT {cols} FROM typed_{spec.name} ORDER BY _row) TO {sql_literal(str(path))} "
                "(FORMAT parquet)"
            )
        files[spec.name] = path
    return files
