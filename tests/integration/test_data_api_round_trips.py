"""How many round trips a statement and a request cost on the Redshift Data API adapter, over the wire: the real
botocore client talks to the loopback fake of tests/fakes/data_api.py, which holds its answers for
`WaitTimeSeconds` as the service does (or, with `honour_wait=False`, answers at once as an endpoint predating the
parameter would). What the real service does that the fake cannot: its queueing and statement times, and
whether it answers a held request the moment a statement ends (the fake does; the API reference says the answer
comes when the statement completes or the wait is over)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import api_lambda_handlers
import pytest
from tests.conftest import body_of
from tests.fakes.data_api import FakeDataApi, fake_data_api

from concert_api import composition
from concert_api.adapters.warehouse.redshift_data import RedshiftDataWarehouse
from concert_api.services.result_cache import results


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)


def _warehouse(api: FakeDataApi, monkeypatch: pytest.MonkeyPatch) -> RedshiftDataWarehouse:
    monkeypatch.setenv("AWS_ENDPOINT_URL_REDSHIFT_DATA", api.url)
    return RedshiftDataWarehouse(database="concert_data", cluster_identifier="concert-warehouse-dev",
                                 region="us-east-1")  # fmt: skip


def test_a_statement_the_service_holds_costs_two_calls_and_no_describe(
    tiny_data_dir: Path, aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a Data API that holds its answers and takes 100 ms per statement
    with fake_data_api(tiny_data_dir / "warehouse.duckdb", latency=0.1) as api:
        warehouse = _warehouse(api, monkeypatch)
        # when one statement runs
        rows = warehouse.query("SELECT COUNT(*) AS n FROM venues")
    # then its rows came with ExecuteStatement (held until FINISHED) and GetStatementResult: no poll at all
    assert rows[0]["n"] > 0
    assert api.calls == ["ExecuteStatement", "GetStatementResult"]


def test_an_endpoint_that_answers_at_once_is_polled_a_few_times_per_short_statement(
    tiny_data_dir: Path, aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an endpoint that ignores WaitTimeSeconds and a 200 ms statement
    with fake_data_api(tiny_data_dir / "warehouse.duckdb", latency=0.2, honour_wait=False) as api:
        warehouse = _warehouse(api, monkeypatch)
        rows = warehouse.query("SELECT COUNT(*) AS n FROM venues")
    # then it is polled every 50 ms until it ends: about four polls, not dozens
    assert rows[0]["n"] > 0
    assert 3 <= api.count("DescribeStatement") <= 6
    assert api.calls[0] == "ExecuteStatement" and api.calls[-1] == "GetStatementResult"


@pytest.fixture
def data_api_platform(tiny_data_dir: Path, aws_credentials: None,
                      monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDataApi]:  # fmt: skip
    """The platform configured on the Data API fake (no latency), with an empty result cache."""
    with fake_data_api(tiny_data_dir / "warehouse.duckdb", latency=0.0) as api:
        for name, value in {"CONCERT_WAREHOUSE": "redshift-data", "REDSHIFT_CLUSTER_ID": "concert-warehouse-dev",
                            "REDSHIFT_DATABASE": "concert_data", "AWS_ENDPOINT_URL_REDSHIFT_DATA": api.url}.items():
            monkeypatch.setenv(name, value)
        composition.reset()
        results.clear()
        try:
            yield api
        finally:
            composition.reset()
            results.clear()


def _request_statements(api: FakeDataApi, since: int) -> list[str]:
    """The statements a request sent (not the result cache's background load marker)."""
    return [sql for sql in api.sqls[since:] if "load_metadata" not in sql]


def _rank(body: dict[str, Any], context: Any) -> dict[str, Any]:
    return api_lambda_handlers.venue_popularity_handler({"body": json.dumps(body)}, context)


def test_a_ranking_within_a_known_city_costs_one_statement(data_api_platform: FakeDataApi, lambda_context: Any) -> None:
    city = data_api_platform._db.execute("SELECT city FROM venues ORDER BY venue_id LIMIT 1").fetchone()[0]
    since = len(data_api_platform.sqls)
    response = _rank({"top_n": 5, "min_events": 1, "city": city.upper()}, lambda_context)
    assert response["statusCode"] == 200, response["body"]
    assert {v["city"] for v in body_of(response)["venues"]} == {city}
    assert len(_request_statements(data_api_platform, since)) == 1


def test_an_unknown_city_is_still_a_400_naming_the_city(data_api_platform: FakeDataApi, lambda_context: Any) -> None:
    since = len(data_api_platform.sqls)
    response = _rank({"top_n": 5, "city": "Atlantis"}, lambda_context)
    assert response["statusCode"] == 400
    assert "city" in body_of(response)["error"] + json.dumps(body_of(response)["details"])
    # (the empty ranking, then the city lookup that tells an unknown city from one without ranked venues)
    assert len(_request_statements(data_api_platform, since)) == 2


def test_a_known_city_without_ranked_venues_is_an_empty_ranking_not_a_400(
    data_api_platform: FakeDataApi, lambda_context: Any
) -> None:
    city = data_api_platform._db.execute("SELECT city FROM venues ORDER BY venue_id LIMIT 1").fetchone()[0]
    response = _rank({"top_n": 5, "min_events": 100_000, "city": city}, lambda_context)
    assert response["statusCode"] == 200, response["body"]
    assert body_of(response)["venues"] == []
