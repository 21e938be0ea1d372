"""The venue model: mean predicted sell-through of each venue's scheduled concerts, local or SageMaker."""

from __future__ import annotations

import datetime as dt

from concert_api import composition
from concert_api.adapters.predictors.venue_forecast import ScheduledConcertForecaster


def test_forecast_averages_the_scheduled_concerts_of_the_venues_asked(trained_env):
    warehouse = composition.warehouse()
    today = dt.date.today()
    calls = []

    def predict(instances):
        calls.append(len(instances))
        return [{"sell_through": 0.25 if i % 2 else 0.75} for i, _ in enumerate(instances)]

    upcoming = warehouse.query(
        "SELECT venue_id, COUNT(*) AS n FROM concerts WHERE status = 'scheduled' AND event_date >= CAST(:d AS DATE) "
        "GROUP BY venue_id ORDER BY n DESC", {"d": today})  # fmt: skip
    busiest = upcoming[0]["venue_id"]
    forecaster = ScheduledConcertForecaster(predict, backend="sagemaker", cache_all=False)
    got = forecaster.forecast(warehouse, [busiest, "venue_nope"], today)
    assert set(got) == {busiest} and 0.25 <= got[busiest] <= 0.75
    assert calls and sum(calls) <= upcoming[0]["n"]


def test_sagemaker_venue_endpoint_selects_the_endpoint_forecaster(monkeypatch):
    monkeypatch.setenv("SAGEMAKER_VENUE_ENDPOINT", "venue-popularity-endpoint")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    composition.reset()
    forecaster = composition.venue_forecaster()
    assert forecaster is not None and forecaster.backend == "sagemaker"


def test_local_forecaster_is_cached_and_in_range(trained_env):
    forecaster = composition.venue_forecaster()
    assert forecaster is not None and forecaster.backend == "local"
    venues = [r["venue_id"] for r in composition.warehouse().query("SELECT venue_id FROM venues")]
    first = forecaster.forecast(composition.warehouse(), venues, dt.date.today())
    assert first and all(0 < v <= 1 for v in first.values())
    assert forecaster.forecast(composition.warehouse(), venues[:3], dt.date.today()) == {
        v: first[v] for v in venues[:3] if v in first
    }
