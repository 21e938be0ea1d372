"""Fixtures of the data tests: one tiny data set generated per session, and helpers to copy and corrupt it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests.unit.data.tiny_data import AS_OF, SEED

from concert_tools.data.generator import generate


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny data set (seed 11, as of 2025-06-01), generated once. Do not modify it: copy it."""
    out = tmp_path_factory.mktemp("tiny") / "generated"
    generate("tiny", SEED, out, as_of=AS_OF)
    return out


@pytest.fixture(scope="session")
def tiny(tiny_dir: Path) -> dict[str, list[dict]]:
    """The tiny data set's tables as lists of row dicts."""
    names = [p.stem for p in tiny_dir.glob("*.parquet")]
    return {name: pq.read_table(tiny_dir / f"{name}.parquet").to_pylist() for name in names}


@pytest.fixture
def csv_copy(tiny_dir: Path, tmp_path: Path) -> Path:
    """The tiny data set as one CSV file per table in a fresh directory (a user's own files)."""
    import pyarrow.csv as pacsv

    out = tmp_path / "csv"
    out.mkdir()
    for path in tiny_dir.glob("*.parquet"):
        if path.stem != "expected_demand":
            pacsv.write_csv(pq.read_table(path), out / f"{path.stem}.csv")
    return out


@pytest.fixture
def parquet_copy(tiny_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny data set's directory."""
    out = tmp_path / "parquet"
    shutil.copytree(tiny_dir, out)
    return out
