"""The venue forecasts: batch-scored with the data and the model into `venue_forecasts`, read by the ranking's one
statement (issue 18)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from concert_api import composition
from concert_api.adapters.predictors.venue_forecast import MAX_BATCH
from concert_api.adapters.warehouse.base import QueryFailed
from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
from concert_api.ml import artefacts
from concert_api.ml.model import TicketModel
from concert_api.models import VenuePopularityRequest
from concert_api.services.venue_popularity import rank_venues
from concert_tools.model import scoring


def _model(data_dir) -> TicketModel:
    version_dir = artefacts.current_version_dir(data_dir / "models")
    assert version_dir is not None
    return TicketModel.load(version_dir)


def _forecasts(warehouse) -> dict[str, dict[str, Any]]:
    return {r["venue_id"]: r for r in warehouse.query("SELECT * FROM venue_forecasts ORDER BY venue_id")}


@pytest.fixture
def own_warehouse(trained_dir, tmp_path):
    """A private copy of the trained data dir's warehouse (scoring rewrites it)."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(trained_dir / "warehouse.duckdb", path)
    warehouse = DuckDBWarehouse(path)
    yield warehouse
    warehouse.close()


def test_the_vectorised_pass_gives_the_per_instance_predictions(trained_dir, own_warehouse):
    model = _model(trained_dir)
    calls: list[int] = []

    def per_instance(instances):
        calls.append(len(instances))
        return model.predict(instances)  # what an endpoint running the model package answers

    own_warehouse.replace_forecasts(scoring.local_scorer(model))
    batched = _forecasts(own_warehouse)
    own_warehouse.replace_forecasts(scoring.endpoint_scorer(per_instance, "endpoint"))
    one_by_one = _forecasts(own_warehouse)

    assert batched and set(batched) == set(one_by_one)
    for venue, row in batched.items():
        assert row["forecast_attendance_rate"] == pytest.approx(one_by_one[venue]["forecast_attendance_rate"],
                                                                abs=1e-4)
        assert 0 < row["forecast_attendance_rate"] <= 1 and row["horizon_days"] == 180
        assert row["model_version"] == model.version == one_by_one[venue]["model_version"]
    assert calls and max(calls) <= MAX_BATCH


def test_a_forecast_is_the_mean_of_the_venues_scheduled_concerts(own_warehouse):
    def predict(instances):
        return [{"sell_through": 0.25 if inst["ticket_price"] < 60 else 0.75} for inst in instances]

    own_warehouse.replace_forecasts(scoring.endpoint_scorer(predict, "fixed"))

    expected = own_warehouse.query(
        "SELECT venue_id, AVG(CASE WHEN ticket_price < 60 THEN 0.25 ELSE 0.75 END) AS rate FROM concerts "
        "WHERE status = 'scheduled' AND event_date >= CURRENT_DATE AND event_date < CURRENT_DATE + 180 "
        "GROUP BY venue_id")  # fmt: skip
    got = _forecasts(own_warehouse)
    assert expected and {r["venue_id"]: round(r["rate"], 4) for r in expected} == {
        v: r["forecast_attendance_rate"] for v, r in got.items()
    }


def test_the_ranking_reads_forecasts_in_its_one_statement_and_calls_no_model(trained_env, monkeypatch):
    statements: list[str] = []
    warehouse = composition.warehouse()

    class Counting:
        def query(self, sql, params=None):
            statements.append(sql)
            return warehouse.query(sql, params)

    def no_model(*_args, **_kwargs):
        raise AssertionError("a model was called on the request path")

    monkeypatch.setattr(TicketModel, "predict_columns", no_model)
    monkeypatch.setattr(TicketModel, "predict", no_model)

    response = rank_venues(VenuePopularityRequest(top_n=100, min_events=0), Counting())  # type: ignore[arg-type]

    assert len(statements) == 1
    with_forecast = [v for v in response.venues if v.forecast_attendance_rate is not None]
    assert with_forecast and all(v.forecast_model_version and v.forecast_scored_at for v in with_forecast)
    scheduled = {r["venue_id"] for r in warehouse.query(
        "SELECT DISTINCT venue_id FROM concerts WHERE status = 'scheduled' AND event_date >= CURRENT_DATE "
        "AND event_date < CURRENT_DATE + 180")}  # fmt: skip
    for venue in response.venues:  # a venue without scheduled concerts gets no forecast, not a stale one
        assert (venue.forecast_attendance_rate is not None) == (venue.venue_id in scheduled)
        if venue.forecast_attendance_rate is None:
            assert venue.forecast_model_version is None and venue.forecast_scored_at is None


def test_a_failing_scoring_leaves_the_warehouse_and_its_forecasts_as_they_were(own_warehouse):
    before = _forecasts(own_warehouse)
    generation = own_warehouse.generation()

    def broken(fetch):
        fetch("SELECT no_such_column FROM venues", {})
        return []

    with pytest.raises(QueryFailed, match="previous data is unchanged"):
        own_warehouse.replace_forecasts(broken)

    assert own_warehouse.generation() == generation and _forecasts(own_warehouse) == before
    assert [p.name for p in own_warehouse.path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_scoring_reports_its_progress(trained_dir, own_warehouse):
    steps: list[tuple[str, int, int]] = []
    summary = scoring.ScoringSummary("", scoring.now_iso())

    written = own_warehouse.replace_forecasts(scoring.local_scorer(_model(trained_dir), summary=summary,
                                                                   progress=lambda *step: steps.append(step)))

    assert [done for _, done, _ in steps] == [0, 1, 2, 3]
    assert written == summary.venues > 0 and summary.concerts >= summary.venues


def test_model_score_on_an_endpoint_is_a_one_off_scoring_through_sagemaker(trained_dir, own_warehouse, monkeypatch):
    from click.testing import CliRunner
    from tests.fakes.sagemaker_runtime import FakeSageMakerRuntime

    from concert_tools.cli.main import cli

    version_dir = artefacts.current_version_dir(trained_dir / "models")
    with FakeSageMakerRuntime(version_dir) as sagemaker:
        for name, value in {"AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": sagemaker.url, "AWS_ACCESS_KEY_ID": "testing",
                            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                            "SAGEMAKER_VENUE_ENDPOINT": "venue-popularity-endpoint"}.items():
            monkeypatch.setenv(name, value)
        composition.reset()
        result = CliRunner().invoke(cli, ["model", "score", "--data-dir", str(own_warehouse.path.parent),
                                          "--endpoint", ""])  # fmt: skip
    composition.reset()

    assert result.exit_code == 0, result.output
    forecasts = _forecasts(own_warehouse)
    assert forecasts and sagemaker.invocations >= 1
    assert {r["model_version"] for r in forecasts.values()} == {version_dir.name}  # as the endpoint reports it
