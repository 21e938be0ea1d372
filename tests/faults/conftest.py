"""Fault-injection fixtures: a private, writable copy of the trained data dir (so a test may reload, retrain,
delete or lock it), and a directory the process cannot write."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.faults.swaps import immutable


@pytest.fixture
def own_data_dir(trained_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the trained data dir (warehouse, generated files, model), configured as the process's."""
    from concert_api import composition

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(trained_dir / "warehouse.duckdb", data_dir / "warehouse.duckdb")
    shutil.copytree(trained_dir / "models", data_dir / "models")
    monkeypatch.setenv("CONCERT_DATA_DIR", str(data_dir))
    composition.reset()
    yield data_dir
    composition.reset()


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """An existing, empty directory nobody may write into (see `swaps.immutable`)."""
    path = tmp_path / "read-only"
    path.mkdir()
    with immutable(path):
        yield path
