"""Load a directory of CSV or Parquet files (one per table) into a warehouse: all tables, or nothing.

    validate (DuckDB, in memory) -> export clean, typed Parquet -> warehouse.replace_all (atomic)

The generator's output goes through exactly the same path as a user's own files.
"""

from __future__ import annotations

import inspect
import json
import logging
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from concert_api.adapters.warehouse import schema
from concert_api.adapters.warehouse.base import ForecastScorer
from concert_api.adapters.warehouse.duckdb import sql_literal
from concert_tools.data.parquet_io import write_reference_cities
from concert_tools.data.validation import DUCKDB_TYPES, StagedFiles, ValidationReport

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]
"""Called as `progress(step_description, steps_done, steps_total)`."""

GENERATION_FILE = "generation.json"


class LoadTarget(Protocol):
    """What a load writes to: a `LoadableWarehouse` (DuckDB, PostgreSQL), or Redshift by COPY
    (`redshift_copy.RedshiftCopyWarehouse`), which loads but does not serve queries."""

    def replace_all(self, parquet_files: Mapping[str, Path]) -> dict[str, int]: ...


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
    directory: Path,
    warehouse: LoadTarget,
    *,
    progress: ProgressCallback | None = None,
    forecasts: ForecastScorer | None = None,
) -> LoadResult:
    """Validate every table file in `directory` and, if all pass, replace the warehouse's contents with them.

    `artists`, `venues` and `concerts` are required (a directory without one of them is rejected);
    `ticket_sales`, `users` and `attendance` load empty when they have no file, and `cities` falls back to the
    built-in list of US cities. Raises `LoadRejected` (with the report) when any file or row is bad: the
    warehouse is then unchanged. A warehouse whose `replace_all` takes `metadata` (DuckDB) also records where
    the data came from and, for the generator's output, its `generation.json`. `forecasts` (batch scoring with
    the current model, `concert_tools.model.scoring`) fills `venue_forecasts` from the new data in the same
    swap or transaction."""
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
            replace: Callable[..., dict[str, int]] = warehouse.replace_all
            extra: dict[str, Any] = {} if forecasts is None else {"forecasts": forecasts}
            if _takes_metadata(warehouse):
                extra["metadata"] = load_metadata(directory, report)
            counts = replace(files, **extra)
    report_progress("loaded", 4, 4)
    return LoadResult(directory, counts, dict(report.files), list(report.warnings))


def load_metadata(directory: Path, report: ValidationReport) -> dict[str, Any]:
    """What a load records about its data: the source directory, its files and, when the directory is the
    generator's output, the contents of its `generation.json`."""
    metadata: dict[str, Any] = {
        "source": str(directory.resolve()),
        "files": {name: path.name for name, path in report.files.items()},
    }
    generation = directory / GENERATION_FILE
    if generation.is_file():
        try:
            metadata["generation"] = json.loads(generation.read_text())
        except (OSError, ValueError) as exc:  # informative only: never a reason to refuse a load
            log.warning("ignored an unreadable generation.json", extra={"path": str(generation), "error": str(exc)})
    return metadata


def _takes_metadata(warehouse: LoadTarget) -> bool:
    try:
        return "metadata" in inspect.signature(warehouse.replace_all).parameters
    except (TypeError, ValueError):
        return False


def _export(staged: StagedFiles, out: Path) -> dict[str, Path]:
    """Clean Parquet per table with the schema's exact types, rows in file order."""
    files: dict[str, Path] = {}
    for spec in schema.LOADED_TABLES:
        path = out / f"{spec.name}.parquet"
        if spec.name == "cities" and spec.name not in staged.present:
            write_reference_cities(path)
        else:
            cols = ", ".join(f"CAST({c.name} AS {DUCKDB_TYPES[c.type]}) AS {c.name}" for c in spec.columns)
            staged.con.execute(
                f"COPY (SELECT {cols} FROM typed_{spec.name} ORDER BY _row) TO {sql_literal(str(path))} "
                "(FORMAT parquet)"
            )
        files[spec.name] = path
    return files
