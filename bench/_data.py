"""A generated data set for the benchmarks, built once per scale under bench/.data/ and reused."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from _util import ROOT

BENCH_DATA = ROOT / "bench" / ".data"


def data_dir_for(scale: str, seed: int = 42) -> Path:
    """A data directory with the `scale` data set loaded into DuckDB, a trained ticket model and its venue
    forecasts, made when missing."""
    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
    from concert_api.ml import artefacts
    from concert_tools.data.generator import generate
    from concert_tools.data.loader import load_directory
    from concert_tools.model import training

    data_dir = BENCH_DATA / f"{scale}-{seed}"
    if not (data_dir / "warehouse.duckdb").exists():
        print(f"generating the {scale} data set into {data_dir} ...", flush=True)
        generate(scale, seed, data_dir / "generated", as_of=dt.date.today())
        warehouse = DuckDBWarehouse(data_dir / "warehouse.duckdb", read_only=False)
        load_directory(data_dir / "generated", warehouse)
        warehouse.close()
    if artefacts.current_version_dir(data_dir / "models") is None:
        print(f"training the ticket-sales model in {data_dir} ...", flush=True)
        warehouse = DuckDBWarehouse(data_dir / "warehouse.duckdb")
        try:
            training.save(training.train(warehouse), data_dir / "models")
        finally:
            warehouse.close()
    if not _has_forecasts(data_dir):
        from concert_tools.model import scoring

        model = scoring.current_model(data_dir / "models")
        assert model is not None
        DuckDBWarehouse(data_dir / "warehouse.duckdb").replace_forecasts(scoring.local_scorer(model))
    return data_dir


def _has_forecasts(data_dir: Path) -> bool:
    """The warehouse holds scored venue forecasts (`model train` and `data load` write them)."""
    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse

    warehouse = DuckDBWarehouse(data_dir / "warehouse.duckdb")
    try:
        tables = warehouse.query("SELECT COUNT(*) AS n FROM duckdb_tables() WHERE table_name = 'venue_forecasts'")
        return bool(tables[0]["n"]) and bool(warehouse.query("SELECT COUNT(*) AS n FROM venue_forecasts")[0]["n"])
    finally:
        warehouse.close()


def use_data_dir(data_dir: Path) -> None:
    """Point this process's settings at `data_dir`."""
    from concert_api import composition

    os.environ["CONCERT_DATA_DIR"] = str(data_dir)
    os.environ["CONCERT_ENV_FILE"] = ""
    composition.reset()
