"""Shared fixtures: a clean environment per test, API Gateway events, a Lambda context, the tiny data set."""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

EVENTS = Path(__file__).parent / "events"

def _settings_variables() -> list[str]:
    """Every environment variable the settings model reads."""
    from concert_api.settings import Settings

    names: list[str] = []
    for info in Settings.model_fields.values():
        alias = info.validation_alias
        choices = getattr(alias, "choices", [alias])
        names += [str(choice) for choice in choices if choice]
    return names


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every test starts from the embedded defaults: no AWS configuration, no .env file, fresh adapters."""
    from concert_api import composition

    for name in _settings_variables():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONCERT_ENV_FILE", "")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    composition.reset()
    yield
    composition.reset()


def load_event(name: str) -> dict[str, Any]:
    """A real API Gateway event kept as a JSON fixture under tests/events/."""
    return json.loads((EVENTS / name).read_text())


@dataclass
class FakeLambdaContext:
    """The attributes Lambda's context object has that the handlers read."""

    function_name: str = "concert-api-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:concert-api-test"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    remaining_ms: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


def body_of(response: dict[str, Any]) -> Any:
    """The JSON body of a proxy response."""
    return json.loads(response["body"]) if response["body"] else None


TINY_SEED = 7


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the `tiny` generated data set loaded into DuckDB (built once per session).

    `as_of` is today, so the data has a history before today and scheduled concerts after it, as a user's
    freshly generated data set does."""
    import datetime as dt

    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
    from concert_tools.data.generator import generate
    from concert_tools.data.loader import load_directory

    data_dir = tmp_path_factory.mktemp("tiny-data")
    generate("tiny", TINY_SEED, data_dir / "generated", as_of=dt.date.today())
    warehouse = DuckDBWarehouse(data_dir / "warehouse.duckdb", read_only=False)
    load_directory(data_dir / "generated", warehouse)
    warehouse.close()
    return data_dir


@pytest.fixture
def tiny_warehouse(tiny_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The tiny warehouse, configured as the process's warehouse (CONCERT_DATA_DIR) for this test."""
    from concert_api import composition

    monkeypatch.setenv("CONCERT_DATA_DIR", str(tiny_data_dir))
    composition.reset()
    return composition.warehouse()


@pytest.fixture(scope="session")
def trained_dir(tiny_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the tiny warehouse, its generated files and a trained, current model (models/ only here,
    so other tests' shared data dir stays model-free), and its venue forecasts scored, as `model train` does."""
    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
    from concert_tools.model import scoring, training

    data_dir = tmp_path_factory.mktemp("ml-data")
    shutil.copy(tiny_data_dir / "warehouse.duckdb", data_dir / "warehouse.duckdb")
    shutil.copytree(tiny_data_dir / "generated", data_dir / "generated")
    warehouse = DuckDBWarehouse(data_dir / "warehouse.duckdb")
    try:
        result = training.train(warehouse, expected_demand_file=data_dir / "generated" / "expected_demand.parquet")
    finally:
        warehouse.close()
    training.save(result, data_dir / "models")
    DuckDBWarehouse(data_dir / "warehouse.duckdb").replace_forecasts(scoring.local_scorer(result.model))
    return data_dir


@pytest.fixture
def trained_env(trained_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The trained data dir configured as the process's (CONCERT_DATA_DIR), adapters fresh."""
    from concert_api import composition

    monkeypatch.setenv("CONCERT_DATA_DIR", str(trained_dir))
    composition.reset()
    yield trained_dir
    composition.reset()
