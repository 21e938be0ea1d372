"""A trained tiny model for the ml tests: the shared tiny data set copied into a private data dir, trained once."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def trained_dir(tiny_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the tiny warehouse, its generated files and a trained, current model (models/ only here,
    so other tests' shared data dir stays model-free)."""
    from concert_api.ml import training
    from concert_api.warehouse.duckdb import DuckDBWarehouse

    data_dir = tmp_path_factory.mktemp("ml-data")
    shutil.copy(tiny_data_dir / "warehouse.duckdb", data_dir / "warehouse.duckdb")
    shutil.copytree(tiny_data_dir / "generated", data_dir / "generated")
    warehouse = DuckDBWarehouse(data_dir / "warehouse.duckdb")
    try:
        result = training.train(warehouse, expected_demand_file=data_dir / "generated" / "expected_demand.parquet")
    finally:
        warehouse.close()
    training.save(result, data_dir / "models")
    return data_dir


@pytest.fixture
def trained_env(trained_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The trained data dir configured as the process's (CONCERT_DATA_DIR), adapters fresh."""
    from concert_api import composition

    monkeypatch.setenv("CONCERT_DATA_DIR", str(trained_dir))
    composition.reset()
    yield trained_dir
    composition.reset()
