"""The tiny generated data set the chat tests answer from (seed 42, as of 2025-06-01, a Sunday)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

AS_OF = dt.date(2025, 6, 1)
SEED = 42


def build_tiny_warehouse(data_dir: Path, seed: int = SEED, as_of: dt.date = AS_OF):
    """Generate the tiny data set and load it into `data_dir/warehouse.duckdb` (the embedded default's path)."""
    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
    from concert_tools.data.generator import generate
    from concert_tools.data.loader import load_directory

    generate("tiny", seed, data_dir / "raw", as_of=as_of)
    warehouse = DuckDBWarehouse(data_dir / "warehouse.duckdb")
    load_directory(data_dir / "raw", warehouse)
    return warehouse
