"""The endpoints on the Redshift Data API adapter, over the wire: the real botocore client talks to a loopback
fake of the service that runs the statements on the tiny DuckDB warehouse (tests/fakes/data_api.py says what
Redshift does that the fake cannot). The answers must equal the embedded backend's."""

from __future__ import annotations

import json

import api_lambda_handlers
import pytest
from tests.conftest import body_of
from tests.fakes.data_api import fake_data_api

from concert_api import composition

REQUESTS = {
    "venue_popularity_handler": {"top_n": 5, "min_events": 1},
    "recommendations_handler": {"user_id": "user_003", "artist_preferences": ["rock"], "location": "New York",
                                "top_n": 5},
}


def _answer(handler: str, context) -> dict:
    response = getattr(api_lambda_handlers, handler)({"body": json.dumps(REQUESTS[handler])}, context)
    assert response["statusCode"] == 200, response["body"]
    body = body_of(response)
    body.pop("timestamp", None)
    return body


@pytest.mark.parametrize("handler", sorted(REQUESTS))
def test_an_endpoint_answers_the_same_over_the_data_api_as_on_duckdb(handler, tiny_warehouse, lambda_context,
                                                                        monkeypatch, tiny_data_dir):
    # Given the answer of the embedded DuckDB backend,
    embedded = _answer(handler, lambda_context)
    # when the same request is served through the Data API adapter over the wire,
    with fake_data_api(tiny_data_dir / "warehouse.duckdb", latency=0.0) as api:
        for name, value in {"CONCERT_WAREHOUSE": "redshift-data", "REDSHIFT_CLUSTER_ID": "concert-warehouse-dev",
                            "REDSHIFT_DATABASE": "concert_data", "AWS_ENDPOINT_URL_REDSHIFT_DATA": api.url,
                            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_DEFAULT_REGION": "us-east-1"}.items():
            monkeypatch.setenv(name, value)
        composition.reset()
        try:
            remote = _answer(handler, lambda_context)
        finally:
            composition.reset()
    # then the answers are the same, and statements went over the wire.
    assert remote == embedded
    assert api.statements() >= 1 and "GetStatementResult" in api.calls


def test_the_ranking_with_forecasts_costs_one_statement_and_no_endpoint_call(trained_dir, lambda_context,
                                                                              monkeypatch):
    from tests.fakes.sagemaker_runtime import FakeSageMakerRuntime

    from concert_api.ml import artefacts

    version_dir = artefacts.current_version_dir(trained_dir / "models")
    # Given a warehouse with batch-scored forecasts behind the Data API, and a venue endpoint configured,
    with fake_data_api(trained_dir / "warehouse.duckdb", latency=0.0) as api, \
            FakeSageMakerRuntime(version_dir) as sagemaker:  # fmt: skip
        for name, value in {"CONCERT_WAREHOUSE": "redshift-data", "REDSHIFT_CLUSTER_ID": "concert-warehouse-dev",
                            "REDSHIFT_DATABASE": "concert_data", "AWS_ENDPOINT_URL_REDSHIFT_DATA": api.url,
                            "SAGEMAKER_VENUE_ENDPOINT": "venue-popularity-endpoint",
                            "SAGEMAKER_TICKET_ENDPOINT": "ticket-sales-endpoint",
                            "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": sagemaker.url,
                            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_DEFAULT_REGION": "us-east-1"}.items():
            monkeypatch.setenv(name, value)
        composition.reset()
        try:
            # when venues are ranked,
            response = api_lambda_handlers.venue_popularity_handler(
                {"body": json.dumps({"top_n": 20, "min_events": 1})}, lambda_context)
        finally:
            composition.reset()
    # then the forecasts come with the ranking's one statement, and the endpoint is never called (the result
    # cache's load marker, read in the background at most every few seconds, is not the request's statement).
    venues = body_of(response)["venues"]
    assert any("forecast_attendance_rate" in v for v in venues)
    ranking = [sql for sql in api.sqls if "load_metadata" not in sql]
    assert len(ranking) == 1 and sagemaker.invocations == 0
