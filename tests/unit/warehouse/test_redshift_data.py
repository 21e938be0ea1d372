"""The `redshift-data` backend against the real botocore service model.

Every request and every scripted response goes through `botocore.stub.Stubber`, which validates both against
the `redshift-data` service model shipped with botocore (required members, types, enums, the `Field` union,
`SqlParameter.value`'s minimum length of 1, ...). The clock and `sleep` are fakes, so polling and the deadline
run in microseconds. A few tests drive moto's `redshift-data` backend through botocore's full HTTP
serialization instead; moto keeps every statement STARTED and returns canned rows, so those tests flip the
statement's status in moto's backend themselves.

What AWS does that these fakes cannot:
* run the SQL: whether a statement parses, binds and returns the right rows on Redshift is only shown by the
  cross-backend tests (DuckDB and PostgreSQL) and by a run against a real cluster;
* decide the real `ColumnMetadata` (`typeName`, `label` vs `name`) and how each type is encoded in a `Field`
  (we script what the Data API documents: DATE and NUMERIC as `stringValue`, BIGINT as `longValue`, ...);
* the real timing and transitions of statements (queueing in WLM, SUBMITTED -> PICKED -> STARTED), the
  result page size, and how quickly a cancelled statement reaches ABORTED;
* IAM: which role may call which operation on which cluster or workgroup, GetClusterCredentials, secrets;
* the service's own server-side validation (e.g. "Parameters list contains unused parameters") and quotas
  (active statements, result size, the 24 h result retention).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import ANY, Stubber

from concert_api.adapters.warehouse import base, redshift_data
from concert_api.adapters.warehouse.base import (
    QueryAborted,
    QueryFailed,
    QueryTimeout,
    Warehouse,
    WarehouseAccessDenied,
    WarehouseThrottled,
    WarehouseUnavailable,
)
from concert_api.adapters.warehouse.queries import recommendations, refresh, venues
from concert_api.adapters.warehouse.redshift_data import (
    MAX_CALL_WORKERS,
    RedshiftDataWarehouse,
    bind,
    client_config,
    decode_field,
    encode_value,
)
from concert_api.deadline import deadline
from concert_api.settings import Settings

REGION = "us-east-1"
STATEMENT_ID = "d9b6c0c9-0747-4bf4-b142-e8883122f766"
NOW = datetime(2025, 11, 11, 15, 30, tzinfo=UTC)
TARGET = {"ClusterIdentifier": "concert-cluster", "Database": "concerts", "DbUser": "concert_api"}


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(**config: Any) -> Any:
    return boto3.client(
        "redshift-data",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(**config) if config else None,
    )


@pytest.fixture
def client() -> Any:
    return make_client()


@pytest.fixture
def stubber(client: Any) -> Any:
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_warehouse(client: Any, clock: FakeClock, **kwargs: Any) -> RedshiftDataWarehouse:
    options: dict[str, Any] = {
        "database": "concerts",
        "cluster_identifier": "concert-cluster",
        "db_user": "concert_api",
        "client": client,
        "clock": clock,
        "sleep": clock.sleep,
        "jitter": lambda: 1.0,  # the full delay: makes the backoff schedule exact
    }
    options.update(kwargs)
    return RedshiftDataWarehouse(**options)


@pytest.fixture
def warehouse(client: Any, clock: FakeClock) -> RedshiftDataWarehouse:
    return make_warehouse(client, clock)


def describe(status: str, *, has_result_set: bool = True, error: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "Id": STATEMENT_ID,
        "Status": status,
        "HasResultSet": has_result_set,
        "CreatedAt": NOW,
        "UpdatedAt": NOW,
        "Duration": 12_000_000,
        "ClusterIdentifier": "concert-cluster",
        "Database": "concerts",
        "DbUser": "concert_api",
    }
    if error:
        response["Error"] = error
    return response


def column(name: str, type_name: str, label: str | None = None) -> dict[str, Any]:
    return {"name": name, "label": label or name, "typeName": type_name, "nullable": 1}


def expect_execute(
    stubber: Any, sql: str = ANY, parameters: Any = None, *, wait: Any = ANY, status: str | None = None,
    has_result_set: bool = True, **target: str,
) -> None:
    """An ExecuteStatement asking for `wait` seconds (None: no `WaitTimeSeconds`), answered without a `Status` (an
    endpoint that does not hold its answer) or with `status`."""
    expected: dict[str, Any] = {"Sql": sql, **(target or TARGET)}
    if parameters is not None:
        expected["Parameters"] = parameters
    if wait is not None:
        expected["WaitTimeSeconds"] = wait
    response: dict[str, Any] = {"Id": STATEMENT_ID, "CreatedAt": NOW, **{k: v for k, v in (target or TARGET).items()}}
    if status is not None:
        response.update(Status=status, HasResultSet=has_result_set)
    stubber.add_response("execute_statement", response, expected)


def expect_describe(stubber: Any, *statuses: str, wait: Any = ANY, **kwargs: Any) -> None:
    """DescribeStatement calls asking for `wait` seconds (None: no `WaitTimeSeconds`), answering `statuses`."""
    expected: dict[str, Any] = {"Id": STATEMENT_ID} if wait is None else {"Id": STATEMENT_ID, "WaitTimeSeconds": wait}
    for status in statuses:
        stubber.add_response("describe_statement", describe(status, **kwargs), expected)


def test_implements_the_warehouse_protocol(warehouse: RedshiftDataWarehouse) -> None:
    assert isinstance(warehouse, Warehouse)
    assert warehouse.backend == "redshift-data"


# --- polling and paging ----------------------------------------------------------------------------------


def test_polls_with_backoff_until_finished_and_pages_through_results(
    warehouse: RedshiftDataWarehouse, stubber: Any, clock: FakeClock
) -> None:
    expect_execute(
        stubber,
        sql="SELECT venue_id, total_concerts FROM venue_metrics WHERE total_concerts >= :min_events",
        parameters=[{"name": "min_events", "value": "5"}],
    )
    expect_describe(stubber, "SUBMITTED", "PICKED", "STARTED", "STARTED", "STARTED", "STARTED", "FINISHED")
    metadata = [column("venue_id", "varchar"), column("total_concerts", "int8")]
    stubber.add_response(
        "get_statement_result",
        {
            "ColumnMetadata": metadata,
            "Records": [
                [{"stringValue": "venue_001"}, {"longValue": 150}],
                [{"stringValue": "venue_002"}, {"longValue": 90}],
            ],
            "TotalNumRows": 3,
            "NextToken": "page-2",
        },
        {"Id": STATEMENT_ID},
    )
    stubber.add_response(
        "get_statement_result",
        {
            "ColumnMetadata": metadata,
            "Records": [[{"stringValue": "venue_003"}, {"longValue": 7}]],
            "TotalNumRows": 3,
        },
        {"Id": STATEMENT_ID, "NextToken": "page-2"},
    )

    rows = warehouse.query(
        "SELECT venue_id, total_concerts FROM venue_metrics WHERE total_concerts >= :min_events",
        {"min_events": 5, "unused": "dropped"},
    )

    assert rows == [
        {"venue_id": "venue_001", "total_concerts": 150},
        {"venue_id": "venue_002", "total_concerts": 90},
        {"venue_id": "venue_003", "total_concerts": 7},
    ]
    # The endpoint answered at once (no Status from ExecuteStatement, no wait held): one 50 ms pause before each
    # poll during the statement's first second.
    assert clock.sleeps == pytest.approx([0.05] * 7)


def test_an_endpoint_that_answers_at_once_is_polled_finely_for_a_second_then_with_capped_backoff(
    warehouse: RedshiftDataWarehouse, stubber: Any, clock: FakeClock
) -> None:
    # given an endpoint that never holds its answer and a statement that runs for 4.5 s
    expect_execute(stubber)
    expect_describe(stubber, *["STARTED"] * 25, "FINISHED", has_result_set=False)
    # when it is waited for
    assert warehouse.query("DELETE FROM venue_metrics") == []
    # then it is polled every 50 ms during its first second (20 polls), then after 100, 200, 400, 800 ms and
    # 1 s, 1 s: 26 polls in all for 4.5 s, where a fixed 50 ms would have taken 90
    assert clock.sleeps == pytest.approx([0.05] * 20 + [0.1, 0.2, 0.4, 0.8, 1.0, 1.0])


def test_backoff_has_jitter_between_half_and_all_of_the_delay(
    client: Any, stubber: Any, clock: FakeClock
) -> None:
    draws = iter([0.0, 0.5, 0.999])
    warehouse = make_warehouse(client, clock, jitter=lambda: next(draws), poll_fine_seconds=0.0)
    expect_execute(stubber)
    expect_describe(stubber, "STARTED", "STARTED", "FINISHED", has_result_set=False)
    assert warehouse.query("DELETE FROM venue_metrics") == []
    # delays of 100, 200 and 400 ms, each drawn between half and all of itself
    assert clock.sleeps == pytest.approx([0.05, 0.15, 0.3998])


# --- the service holds its answer (WaitTimeSeconds) ----------------------------------------------------------


def test_a_statement_the_service_holds_until_finished_costs_two_calls_and_no_poll(
    warehouse: RedshiftDataWarehouse, stubber: Any, clock: FakeClock
) -> None:
    # given a service that holds ExecuteStatement's answer until the statement ends (asked for 2 s at most)
    expect_execute(stubber, sql="SELECT 1 AS ok", wait=2, status="FINISHED")
    stubber.add_response(
        "get_statement_result",
        {"ColumnMetadata": [column("ok", "int4")], "Records": [[{"longValue": 1}]], "TotalNumRows": 1},
        {"Id": STATEMENT_ID},
    )
    # when the statement runs, then its rows come back with no DescribeStatement and no pause (the Stubber
    # fails on any call not scripted)
    assert warehouse.query("SELECT 1 AS ok") == [{"ok": 1}]
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("budget", "wait"),
    [(None, 2), (10.0, 2), (3.0, 1), (2.2, 1), (1.9, None), (1.0, None)],
    ids=["no-deadline", "10s", "3s", "2.2s", "1.9s", "1s"],
)
def test_the_wait_asked_for_fits_the_read_timeout_and_the_deadline(
    warehouse: RedshiftDataWarehouse, stubber: Any, budget: float | None, wait: int | None
) -> None:
    # given `budget` seconds left (a quarter of them, at most 1 s, for connecting; reads at most 3 s)
    # then the service is asked to hold its answer for whole seconds that end 0.5 s before the read timeout,
    # at most 2 s, and not asked at all when no whole second fits
    expect_execute(stubber, wait=wait, status="FINISHED", has_result_set=False)
    if budget is None:
        warehouse.query("SELECT 1")
    else:
        with deadline(budget):
            warehouse.query("SELECT 1")


def test_an_unfinished_statement_held_for_the_whole_wait_is_polled_again_at_once(
    client: Any, stubber: Any, clock: FakeClock
) -> None:
    # given a service that holds each answer for the whole wait (the fake clock moves by it) and a 5 s statement
    def hold(params: dict[str, Any], **_: Any) -> None:
        clock.now += params.get("WaitTimeSeconds", 0)

    client.meta.events.register("before-parameter-build.redshift-data.ExecuteStatement", hold)
    client.meta.events.register("before-parameter-build.redshift-data.DescribeStatement", hold)
    warehouse = make_warehouse(client, clock)
    expect_execute(stubber, wait=2, status="STARTED")
    expect_describe(stubber, "STARTED", wait=2)
    expect_describe(stubber, "FINISHED", wait=2, has_result_set=False)
    # when it is waited for, then it costs two DescribeStatement calls and no pause of ours
    assert warehouse.query("SELECT 1") == []
    assert clock.sleeps == []
    assert clock.now == pytest.approx(1000.0 + 6)


def test_a_failure_reported_by_execute_statement_is_described_once_for_its_error(
    warehouse: RedshiftDataWarehouse, stubber: Any, clock: FakeClock
) -> None:
    expect_execute(stubber, wait=2, status="FAILED")
    expect_describe(stubber, "FAILED", error="ERROR: relation \"nope\" does not exist")
    with pytest.raises(QueryFailed) as raised:
        warehouse.query("SELECT * FROM nope")
    assert raised.value.internal == 'ERROR: relation "nope" does not exist'
    assert clock.sleeps == []


def test_statement_without_result_set_does_not_fetch(warehouse: RedshiftDataWarehouse, stubber: Any) -> None:
    expect_execute(stubber, sql="DELETE FROM venue_metrics")
    expect_describe(stubber, "FINISHED", has_result_set=False)
    assert warehouse.query("DELETE FROM venue_metrics") == []


def test_empty_result(warehouse: RedshiftDataWarehouse, stubber: Any) -> None:
    expect_execute(stubber)
    expect_describe(stubber, "FINISHED")
    stubber.add_response(
        "get_statement_result",
        {"ColumnMetadata": [column("venue_id", "varchar")], "Records": [], "TotalNumRows": 0},
        {"Id": STATEMENT_ID},
    )
    assert warehouse.query("SELECT venue_id FROM venues WHERE 1 = 0") == []


# --- decoding --------------------------------------------------------------------------------------------


def test_decodes_every_field_type_by_column_metadata(warehouse: RedshiftDataWarehouse, stubber: Any) -> None:
    expect_execute(stubber)
    expect_describe(stubber, "FINISHED")
    stubber.add_response(
        "get_statement_result",
        {
            "ColumnMetadata": [
                column("concert_id", "varchar"),
                column("capacity", "int8"),
                column("small", "int4"),
                column("artist_popularity", "float8"),
                column("sold_out", "bool"),
                column("event_date", "date"),
                column("revenue", "numeric"),
                column("updated_at", "timestamp"),
                column("home_city", "varchar"),
                column("payload", "varbyte"),
                column("?column?", "int4", label="weight"),
            ],
            "Records": [
                [
                    {"stringValue": "concert_001"},
                    {"longValue": 20000},
                    {"longValue": -3},
                    {"doubleValue": 95.5},
                    {"booleanValue": True},
                    {"stringValue": "2025-12-31"},
                    {"stringValue": "500000.25"},
                    {"stringValue": "2025-11-11 15:30:00"},
                    {"isNull": True},
                    {"blobValue": b"\x00\x01"},
                    {"longValue": 3},
                ]
            ],
            "TotalNumRows": 1,
        },
        {"Id": STATEMENT_ID},
    )
    [row] = warehouse.query("SELECT ...")
    assert row == {
        "concert_id": "concert_001",
        "capacity": 20000,
        "small": -3,
        "artist_popularity": 95.5,
        "sold_out": True,
        "event_date": date(2025, 12, 31),
        "revenue": 500000.25,
        "updated_at": datetime(2025, 11, 11, 15, 30),
        "home_city": None,
        "payload": b"\x00\x01",
        "weight": 3,
    }
    assert type(row["revenue"]) is float
    assert type(row["capacity"]) is int


@pytest.mark.parametrize(
    ("field", "type_name", "expected"),
    [
        ({"isNull": True}, "date", None),
        ({"stringValue": "12"}, "decimal", 12),
        ({"stringValue": "-12.50"}, "numeric", -12.5),
        ({"stringValue": "not a timestamp"}, "timestamptz", "not a timestamp"),
        ({"stringValue": "2025-01-02"}, "DATE", date(2025, 1, 2)),
        ({"booleanValue": False}, "bool", False),
        ({"doubleValue": 0.0}, "float8", 0.0),
    ],
)
def test_decode_field(field: dict[str, Any], type_name: str, expected: Any) -> None:
    assert decode_field(field, type_name) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [(b"56", 56), (b"-3", -3), (b"+7", 7), (b"1.50", 1.5), (b"1e3", 1000.0), (b"NaN", None), ("12", 12),
     (b"0.0", 0.0), (memoryview(b"42"), 42), ("-0.25", -0.25)],
)  # fmt: skip
def test_numeric_value_is_shared_by_the_backends(text: Any, value: float | None) -> None:
    """NUMERIC text (PostgreSQL's bytes, the Data API's stringValue): int when no fraction is written."""
    result = base.numeric_value(text)
    if value is None:
        assert result != result  # NaN
    else:
        assert result == value and type(result) is type(value)


# --- binding ---------------------------------------------------------------------------------------------


def test_binds_only_parameters_the_sql_uses_once_each() -> None:
    sql, parameters = bind(
        "SELECT 1 WHERE a = :x AND b = :y AND c = :x AND d::VARCHAR = 'k'", {"x": 1, "y": "two", "z": 3}
    )
    assert sql == "SELECT 1 WHERE a = :x AND b = :y AND c = :x AND d::VARCHAR = 'k'"
    assert parameters == [{"name": "x", "value": "1"}, {"name": "y", "value": "two"}]


def test_empty_string_and_none_become_constant_literals_not_bound_values() -> None:
    sql, parameters = bind(
        "SELECT 1 WHERE (CAST(:city AS VARCHAR) = '' OR city = CAST(:city AS VARCHAR)) "
        "AND n >= :n AND m = :m",
        {"city": "", "n": 3, "m": None},
    )
    assert (
        sql
        == "SELECT 1 WHERE (CAST('' AS VARCHAR) = '' OR city = CAST('' AS VARCHAR)) AND n >= :n AND m = NULL"
    )
    assert parameters == [{"name": "n", "value": "3"}]


def test_user_strings_are_never_inlined() -> None:
    hostile = "x' OR '1'='1"
    sql, parameters = bind("SELECT 1 WHERE city = CAST(:city AS VARCHAR)", {"city": hostile})
    assert hostile not in sql
    assert parameters == [{"name": "city", "value": hostile}]


def test_missing_parameter_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="min_events"):
        bind("SELECT 1 WHERE n >= :min_events", {})


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (5, "5"),
        (2.5, "2.5"),
        (True, "true"),
        (False, "false"),
        (date(2025, 12, 31), "2025-12-31"),
        (datetime(2025, 12, 31, 20, 0), "2025-12-31T20:00:00"),
        ("rock", "rock"),
    ],
)
def test_encode_value(value: Any, encoded: str) -> None:
    assert encode_value(value) == encoded


def test_encode_value_rejects_other_types() -> None:
    with pytest.raises(TypeError):
        encode_value(["rock"])


def test_empty_filters_are_sent_as_a_request_the_service_model_accepts(
    warehouse: RedshiftDataWarehouse, stubber: Any
) -> None:
    """Binding '' directly fails botocore's validation (SqlParameter.value has min length 1); ours passes."""
    params = {"min_events": 5, "city": "", "state": "", "venue_type": "", "top_n": 10, "rank_by": "revenue"}
    sql, parameters = bind(venues.VENUE_POPULARITY, params)
    assert parameters == [
        {"name": "rank_by", "value": "revenue"},
        {"name": "min_events", "value": "5"},
        {"name": "top_n", "value": "10"},
    ]
    expect_execute(stubber, sql=sql, parameters=parameters)
    expect_describe(stubber, "FINISHED", has_result_set=False)
    warehouse.query(venues.VENUE_POPULARITY, params)


def test_botocore_itself_rejects_an_empty_parameter_value(client: Any) -> None:
    from botocore.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError, match="valid min length: 1"):
        client.execute_statement(Sql="SELECT :a", Parameters=[{"name": "a", "value": ""}], **TARGET)


CANDIDATE_PARAMS = {
    "user_id": "user_123",
    "today": date(2025, 11, 11),
    "until": date(2026, 5, 10),
    "genres": ",rock,pop,",
    "genre_filter": "",
    "state": "",
    "min_lat": -90.0,
    "max_lat": 90.0,
    "min_lon": -180.0,
    "max_lon": 180.0,
    "lat": 40.7,
    "lon": -74.0,
    "lon_scale": 0.76,
    "home_dlat": 2.7,
    "genres_from_user": "",
    "genre_share": 0.5,
}

QUERY_PARAMS: list[tuple[str, dict[str, Any]]] = [
    *[
        (venues.VENUE_POPULARITY, {"min_events": 0, "city": "", "state": "", "venue_type": "", "top_n": 10,
                                   "rank_by": rank_by})
        for rank_by in venues.RANK_MEASURES
    ],
    (
        venues.VENUE_POPULARITY,
        {"min_events": 5, "city": "New York", "state": "NY", "venue_type": "arena", "top_n": 3,
         "rank_by": "popularity"},
    ),
    (venues.VENUE_BY_ID, {"venue_id": "venue_001"}),
    (recommendations.REQUEST_CONTEXT, {"user_id": "user_123", "name": "New York"}),
    (recommendations.REQUEST_CONTEXT, {"user_id": "", "name": ""}),
    (recommendations.CANDIDATES, CANDIDATE_PARAMS),
    (recommendations.CANDIDATES, {**CANDIDATE_PARAMS, "user_id": "", "genre_filter": "1", "state": "NY"}),
    (recommendations.CANDIDATES_AROUND_HOME, {**CANDIDATE_PARAMS, "genres_from_user": "1"}),
    (recommendations.CITY_LOOKUP, {"name": "new york"}),
    *[(statement, {}) for statement in refresh.REFRESH_STATEMENTS],
]


@pytest.mark.parametrize(("sql", "params"), QUERY_PARAMS)
def test_every_platform_query_makes_a_valid_execute_statement_request(
    warehouse: RedshiftDataWarehouse, stubber: Any, sql: str, params: dict[str, Any]
) -> None:
    bound_sql, parameters = bind(sql, params)
    assert base.param_names(bound_sql) == [n for n in base.param_names(sql) if params[n] not in ("", None)]
    expect_execute(stubber, sql=bound_sql, parameters=parameters or None)
    expect_describe(stubber, "FINISHED", has_result_set=False)
    warehouse.query(sql, params)


# --- connection targets ----------------------------------------------------------------------------------


def test_serverless_workgroup_with_secret(client: Any, stubber: Any, clock: FakeClock) -> None:
    warehouse = make_warehouse(
        client,
        clock,
        cluster_identifier=None,
        db_user=None,
        workgroup_name="concert-wg",
        secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:concert-AbCdEf",
    )
    target = {
        "WorkgroupName": "concert-wg",
        "Database": "concerts",
        "SecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:concert-AbCdEf",
    }
    expect_execute(stubber, sql="SELECT 1 AS ok", **target)
    expect_describe(stubber, "FINISHED")
    stubber.add_response(
        "get_statement_result",
        {"ColumnMetadata": [column("ok", "int4")], "Records": [[{"longValue": 1}]], "TotalNumRows": 1},
        {"Id": STATEMENT_ID},
    )
    warehouse.ping()


def test_cluster_with_iam_identity_sends_neither_user_nor_secret(
    client: Any, stubber: Any, clock: FakeClock
) -> None:
    warehouse = make_warehouse(client, clock, db_user=None)
    expect_execute(stubber, ClusterIdentifier="concert-cluster", Database="concerts")
    expect_describe(stubber, "FINISHED", has_result_set=False)
    warehouse.query("SELECT 1")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"cluster_identifier": "c", "workgroup_name": "w"},
        {"cluster_identifier": None, "workgroup_name": None},
        {"workgroup_name": "w", "cluster_identifier": None, "db_user": "u"},
        {"db_user": "u", "secret_arn": "arn:aws:secretsmanager:us-east-1:1:secret:x"},
        {"database": ""},
    ],
)
def test_rejects_incomplete_or_contradictory_configuration(kwargs: dict[str, Any]) -> None:
    options: dict[str, Any] = {"database": "concerts", "cluster_identifier": "c"}
    options.update(kwargs)
    with pytest.raises(ValueError):
        RedshiftDataWarehouse(**options)


def test_from_settings() -> None:
    settings = Settings(
        REDSHIFT_CLUSTER_ID="concert-cluster",
        REDSHIFT_DATABASE="concerts",
        REDSHIFT_DB_USER="concert_api",
        AWS_REGION="eu-west-1",
        CONCERT_QUERY_TIMEOUT_SECONDS=12,
    )
    warehouse = RedshiftDataWarehouse.from_settings(settings)
    assert warehouse._target() == TARGET
    assert warehouse.region == "eu-west-1"
    assert warehouse.default_timeout == 12


def test_client_is_created_lazily_with_timeouts_and_standard_retries(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    warehouse = RedshiftDataWarehouse(database="concerts", cluster_identifier="c", region="eu-west-1")
    assert warehouse._client is None
    client = warehouse.client
    assert client is warehouse.client
    assert client.meta.region_name == "eu-west-1"
    # Short timeouts and 2 attempts in all: one call against a dead endpoint costs at most ~2 x (1 + 3) s.
    assert client.meta.config.connect_timeout == 1.0
    assert client.meta.config.read_timeout == 3.0
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 2}
    warehouse.close()
    assert warehouse._client is None


# --- failures --------------------------------------------------------------------------------------------


def test_failed_statement_raises_query_failed_and_logs_but_never_returns_the_error(
    warehouse: RedshiftDataWarehouse, stubber: Any, caplog: Any
) -> None:
    message = 'ERROR: column "secret_col" does not exist in venues'
    expect_execute(stubber)
    expect_describe(stubber, "STARTED")
    expect_describe(stubber, "FAILED", error=message)
    with caplog.at_level(logging.WARNING), pytest.raises(QueryFailed) as raised:
        warehouse.query("SELECT secret_col FROM venues")
    assert raised.value.statement_id == STATEMENT_ID
    assert "secret_col" not in raised.value.details
    assert "secret_col" not in str(raised.value)
    assert raised.value.internal == message
    assert any(
        getattr(r, "error", None) == message and r.statement_id == STATEMENT_ID for r in caplog.records
    )


def test_aborted_statement_raises_query_aborted(warehouse: RedshiftDataWarehouse, stubber: Any) -> None:
    expect_execute(stubber)
    expect_describe(stubber, "SUBMITTED", "ABORTED")
    with pytest.raises(QueryAborted) as raised:
        warehouse.query("SELECT 1")
    assert raised.value.statement_id == STATEMENT_ID


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("ThrottlingException", 400, WarehouseThrottled),
        ("ActiveStatementsExceededException", 400, WarehouseThrottled),
        ("AccessDeniedException", 403, WarehouseAccessDenied),
        ("ValidationException", 400, QueryFailed),
        ("ExecuteStatementException", 500, WarehouseUnavailable),
        ("ResourceNotFoundException", 400, WarehouseUnavailable),
        ("InternalServerException", 500, WarehouseUnavailable),
    ],
)
def test_execute_statement_errors_are_typed(
    warehouse: RedshiftDataWarehouse, stubber: Any, code: str, status: int, error: type[Exception]
) -> None:
    stubber.add_client_error("execute_statement", code, "no", http_status_code=status)
    with pytest.raises(error) as raised:
        warehouse.query("SELECT 1")
    assert raised.value.statement_id is None  # type: ignore[attr-defined]


def test_throttled_while_polling_carries_the_statement_id_and_cancels(
    warehouse: RedshiftDataWarehouse, stubber: Any
) -> None:
    expect_execute(stubber)
    expect_describe(stubber, "STARTED")
    stubber.add_client_error(
        "describe_statement", "ThrottlingException", "Rate exceeded", http_status_code=400
    )
    stubber.add_response("cancel_statement", {"Status": True}, {"Id": STATEMENT_ID})
    with pytest.raises(WarehouseThrottled) as raised:
        warehouse.query("SELECT 1")
    assert raised.value.statement_id == STATEMENT_ID
    assert raised.value.headers == {"Retry-After": "1"}
    assert raised.value.status_code == 503


def test_access_denied_reading_results(warehouse: RedshiftDataWarehouse, stubber: Any) -> None:
    expect_execute(stubber)
    expect_describe(stubber, "FINISHED")
    stubber.add_client_error("get_statement_result", "AccessDeniedException", "no", http_status_code=403)
    with pytest.raises(WarehouseAccessDenied) as raised:
        warehouse.query("SELECT 1")
    assert raised.value.statement_id == STATEMENT_ID


def test_unreachable_endpoint_is_unavailable(clock: FakeClock) -> None:
    client = boto3.client(
        "redshift-data",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        endpoint_url="http://127.0.0.1:9",
        config=Config(connect_timeout=0.5, retries={"mode": "standard", "max_attempts": 1}),
    )
    warehouse = make_warehouse(client, clock)
    with pytest.raises(WarehouseUnavailable):
        warehouse.query("SELECT 1")


# --- the deadline ----------------------------------------------------------------------------------------


def test_deadline_cancels_the_statement_and_raises_query_timeout(
    warehouse: RedshiftDataWarehouse, stubber: Any, clock: FakeClock
) -> None:
    # (with 1 s left no whole second of wait fits: the service is not asked to hold its answers)
    expect_execute(stubber, wait=None)
    # 19 pauses of 50 ms, the last poll at 0.95 s: the 0.05 s a last poll needs (min_call_seconds) is left.
    expect_describe(stubber, *["STARTED"] * 19, wait=None)
    stubber.add_response("cancel_statement", {"Status": True}, {"Id": STATEMENT_ID})
    with deadline(1.0), pytest.raises(QueryTimeout) as raised:
        warehouse.query("SELECT pg_sleep(60)")
    assert raised.value.statement_id == STATEMENT_ID
    assert raised.value.status_code == 504
    assert clock.sleeps == pytest.approx([0.05] * 19, abs=1e-3)
    assert sum(clock.sleeps) == pytest.approx(1.0 - 0.05, abs=1e-3)


def test_without_a_request_deadline_the_default_timeout_applies(
    client: Any, stubber: Any, clock: FakeClock
) -> None:
    # (polling only: the wait asked for would shrink from 1 s to none as the 3 s pass)
    warehouse = make_warehouse(client, clock, default_timeout=3.0, max_wait_seconds=0)
    expect_execute(stubber, wait=None)
    # 20 x 50 ms, then 0.1+0.2+0.4+0.8 s, then 0.45 s left: a 0.4 s pause
    expect_describe(stubber, *["STARTED"] * 25, wait=None)
    stubber.add_response("cancel_statement", {"Status": True}, {"Id": STATEMENT_ID})
    with pytest.raises(QueryTimeout):
        warehouse.query("SELECT 1")
    assert sum(clock.sleeps) == pytest.approx(3.0 - 0.05, abs=1e-3)


def test_a_failing_cancel_still_raises_query_timeout(
    warehouse: RedshiftDataWarehouse, stubber: Any, clock: FakeClock
) -> None:
    expect_execute(stubber, wait=None)
    expect_describe(stubber, "STARTED", wait=None)  # a pause of 0.05 s, then only min_call_seconds left
    stubber.add_client_error("cancel_statement", "ValidationException", "already finished")
    with deadline(0.1), pytest.raises(QueryTimeout):
        warehouse.query("SELECT 1")


def test_an_expired_deadline_sends_nothing(warehouse: RedshiftDataWarehouse, stubber: Any) -> None:
    with deadline(-1), pytest.raises(QueryTimeout) as raised:
        warehouse.query("SELECT 1")
    assert raised.value.statement_id is None


def test_deadline_passing_between_result_pages(
    warehouse: RedshiftDataWarehouse, stubber: Any, clock: FakeClock
) -> None:
    expect_execute(stubber, wait=1)  # 2.5 s left: 1.9 s to read, a 1 s wait fits
    expect_describe(stubber, "FINISHED", wait=1)

    fetch = stubber.client.get_statement_result

    def slow_page(**request: Any) -> Any:
        clock.now += 5  # each page takes 5 s
        return fetch(**request)

    stubber.client.get_statement_result = slow_page
    stubber.add_response(
        "get_statement_result",
        {"ColumnMetadata": [column("a", "int4")], "Records": [[{"longValue": 1}]], "NextToken": "t"},
        {"Id": STATEMENT_ID},
    )
    with deadline(2.5), pytest.raises(QueryTimeout) as raised:
        warehouse.query("SELECT a FROM t")
    assert raised.value.statement_id == STATEMENT_ID


# --- the deadline bounds every HTTP call: a black-hole endpoint ---------------------------------------------


@pytest.fixture
def black_hole() -> Iterator[str]:
    """An endpoint on 127.0.0.1 that accepts connections (the kernel's backlog does) and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def black_hole_client(endpoint: str, config: Config) -> Any:
    return boto3.client(
        "redshift-data",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        endpoint_url=endpoint,
        config=config,
    )


def test_a_black_hole_endpoint_answers_504_at_the_deadline_not_after_the_client_timeouts(black_hole: str) -> None:
    # given the production client settings (1 s connect, 3 s read, 2 attempts: ~7 s per call) and a 0.5 s budget
    client = black_hole_client(black_hole, client_config())
    warehouse = RedshiftDataWarehouse(database="concerts", cluster_identifier="c", client=client)
    started = time.monotonic()
    # when the endpoint never answers
    with deadline(0.5), pytest.raises(QueryTimeout) as raised:
        warehouse.query("SELECT 1")
    # then the request fails with a 504 at the deadline, not when botocore gives up
    elapsed = time.monotonic() - started
    assert 0.4 <= elapsed < 1.5
    assert raised.value.status_code == 504
    assert "ExecuteStatement" in (raised.value.internal or "")


@pytest.mark.parametrize(
    ("call_takes", "error", "status"),
    [(1.0, WarehouseUnavailable, 503), (30.0, QueryTimeout, 504)],
    ids=["timeout-before-the-deadline", "timeout-at-the-deadline"],
)
def test_a_client_timeout_is_a_504_only_when_it_ends_at_or_after_the_deadline(
    black_hole: str, clock: FakeClock, call_takes: float, error: type[Exception], status: int
) -> None:
    # given a client that gives up after 0.2 s (real time), and a fake clock for which the call lasts `call_takes`
    config = Config(connect_timeout=0.2, read_timeout=0.2, retries={"mode": "standard", "total_max_attempts": 1})
    client = black_hole_client(black_hole, config)

    def time_passes(**_: Any) -> None:
        clock.now += call_takes

    client.meta.events.register("before-send.redshift-data.ExecuteStatement", time_passes)
    warehouse = make_warehouse(client, clock, default_timeout=25.0)
    started = time.monotonic()
    with pytest.raises(error) as raised:
        warehouse.query("SELECT 1")
    assert raised.value.status_code == status  # type: ignore[attr-defined]
    assert time.monotonic() - started < 5


def test_no_call_starts_when_it_could_not_finish_before_the_deadline(
    client: Any, stubber: Any, clock: FakeClock
) -> None:
    # given an ExecuteStatement that leaves 30 ms, less than a call needs (min_call_seconds = 50 ms)
    warehouse = make_warehouse(client, clock, default_timeout=1.0)
    expect_execute(stubber, wait=None)
    stubber.add_response("cancel_statement", {"Status": True}, {"Id": STATEMENT_ID})

    def slow_execute(**_: Any) -> None:
        clock.now += 0.97

    client.meta.events.register("before-parameter-build.redshift-data.ExecuteStatement", slow_execute)
    # then no DescribeStatement is sent (the Stubber would fail on it), the statement is cancelled, 504
    with pytest.raises(QueryTimeout) as raised:
        warehouse.query("SELECT 1")
    assert raised.value.statement_id == STATEMENT_ID
    assert "deadline passed" in (raised.value.internal or "")


class HangingCancelClient:
    """A Data API client whose statements never finish and whose CancelStatement never answers."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.cancels = 0

    def execute_statement(self, **_: Any) -> dict[str, Any]:
        return {"Id": STATEMENT_ID}

    def describe_statement(self, **_: Any) -> dict[str, Any]:
        return {"Id": STATEMENT_ID, "Status": "STARTED"}

    def cancel_statement(self, **_: Any) -> dict[str, Any]:
        self.cancels += 1
        self.release.wait(10)
        return {"Status": True}


def test_a_cancel_that_hangs_is_waited_for_only_briefly(clock: FakeClock) -> None:
    client = HangingCancelClient()
    warehouse = make_warehouse(client, clock, cancel_wait_seconds=0.1)
    started = time.monotonic()
    try:
        with deadline(0.5), pytest.raises(QueryTimeout):
            warehouse.query("SELECT 1")
        assert client.cancels == 1
        assert time.monotonic() - started < 1.0
    finally:
        client.release.set()


# --- the calls' worker pool ---------------------------------------------------------------------------------


def test_calls_run_on_a_small_pool_of_reused_threads_not_one_new_thread_per_call() -> None:
    # when 200 calls are made one after another
    threads = [redshift_data._run_within(threading.current_thread, 1.0) for _ in range(200)]
    # then they ran on the pool's named workers, a handful of them reused, never one thread per call
    assert all(thread.name.startswith("redshift-data-call") for thread in threads)
    assert len({id(thread) for thread in threads}) <= 3
    assert redshift_data._CALLS.get() is redshift_data._CALLS.get()


def test_concurrent_calls_run_side_by_side_on_the_pool() -> None:
    # given four callers whose calls only end when all four are running at once
    barrier = threading.Barrier(4, timeout=2)
    results: list[int] = []

    def caller() -> None:
        results.append(redshift_data._run_within(barrier.wait, 3.0))

    callers = [threading.Thread(target=caller) for _ in range(4)]
    for thread in callers:
        thread.start()
    for thread in callers:
        thread.join(5)
    # then the pool ran them concurrently (a pool of one would have broken the barrier)
    assert sorted(results) == [0, 1, 2, 3]
    assert MAX_CALL_WORKERS >= 4


def test_an_abandoned_call_does_not_hold_up_the_next_one() -> None:
    release = threading.Event()
    try:
        with pytest.raises(redshift_data._Overran):
            redshift_data._run_within(lambda: release.wait(10), 0.05)
        started = time.monotonic()
        assert redshift_data._run_within(lambda: "answered", 1.0) == "answered"
        assert time.monotonic() - started < 0.5
    finally:
        release.set()


def test_a_call_still_queued_when_its_caller_gives_up_is_never_sent(monkeypatch: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    # given a pool whose only worker is busy with a call that hangs
    pool = ThreadPoolExecutor(max_workers=1)
    monkeypatch.setattr(redshift_data._CALLS, "_executor", pool)
    release = threading.Event()
    sent: list[str] = []
    try:
        with pytest.raises(redshift_data._Overran):
            redshift_data._run_within(lambda: release.wait(10), 0.05)
        # when the next call waits in the queue past its time
        with pytest.raises(redshift_data._Overran):
            redshift_data._run_within(lambda: sent.append("late"), 0.05)
    finally:
        release.set()
        pool.shutdown(wait=True)
    # then it is dropped, not sent once a worker frees up
    assert sent == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
def test_a_forked_child_gets_a_pool_of_its_own() -> None:
    # given a pool whose workers are running in the parent
    assert redshift_data._run_within(lambda: "parent", 1.0) == "parent"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the parent's worker threads do not exist here
        try:
            answer = redshift_data._run_within(lambda: "child", 2.0)
            os.write(write, answer.encode())
        finally:
            os._exit(0)
    os.close(write)
    # then a call in the child is answered (not queued forever for threads the child does not have)
    with os.fdopen(read) as pipe:
        assert pipe.read() == "child"
    os.waitpid(pid, 0)


def test_a_calls_own_timeout_error_is_raised_as_it_is() -> None:
    def times_out() -> None:
        raise TimeoutError("the call's own")

    with pytest.raises(TimeoutError, match="the call's own"):
        redshift_data._run_within(times_out, 1.0)


# --- through botocore's HTTP layer, on moto's backend ------------------------------------------------------


@pytest.fixture
def moto_backend(monkeypatch: Any) -> Any:
    moto = pytest.importorskip("moto")
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.redshiftdata.models import redshiftdata_backends

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with moto.mock_aws():
        yield redshiftdata_backends[DEFAULT_ACCOUNT_ID][REGION]


def test_moto_end_to_end_finished_statement(moto_backend: Any, clock: FakeClock) -> None:
    """Moto never finishes a statement by itself: the fake sleep plays Redshift and finishes it."""
    warehouse = make_warehouse(None, clock, region=REGION)

    def finish_after_two_polls(seconds: float) -> None:
        clock.sleep(seconds)
        if len(clock.sleeps) == 2:
            for statement in moto_backend.statements.values():
                statement.status = "FINISHED"
                statement.has_result_set = True

    warehouse._sleep = finish_after_two_polls
    rows = warehouse.query("SELECT * FROM addresses WHERE city <> :city", {"city": "Paris"})
    # Moto's canned rows (its metadata has no typeName, so strings stay strings).
    assert rows[0] == {"Number": 10, "Street": "Alpha st", "City": "Vancouver"}
    [statement] = moto_backend.statements.values()
    assert statement.query_parameters == [{"name": "city", "value": "Paris"}]
    assert statement.cluster_identifier == "concert-cluster"


def test_moto_end_to_end_deadline_cancels_the_statement(moto_backend: Any, clock: FakeClock) -> None:
    warehouse = make_warehouse(None, clock, region=REGION)
    # (the fake clock only moves in the pauses; the budget also bounds each real HTTP call: leave moto time)
    with deadline(3.0), pytest.raises(QueryTimeout) as raised:
        warehouse.query("SELECT 1")
    statement = moto_backend.statements[raised.value.statement_id]
    assert statement.status == "ABORTED"


# --- the SQL, as Redshift will parse it --------------------------------------------------------------------

# https://docs.aws.amazon.com/redshift/latest/dg/r_pg_keywords.html (plus START and CONNECT, which the page
# says to avoid as aliases).
REDSHIFT_RESERVED = frozenset(
    """
    AES128 AES256 ALL ALLOWOVERWRITE ANALYSE ANALYZE AND ANY ARRAY AS ASC AUTHORIZATION AZ64 BACKUP
    BETWEEN BINARY BLANKSASNULL BOTH BYTEDICT BZIP2 CASE CAST CHECK COLLATE COLUMN CONSTRAINT CREATE
    CREDENTIALS CROSS CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURRENT_USER_ID
    DEFAULT DEFERRABLE DEFLATE DEFRAG DELTA DELTA32K DESC DISABLE DISTINCT DO ELSE EMPTYASNULL
    ENABLE ENCODE ENCRYPT ENCRYPTION END EXCEPT EXPLICIT FALSE FOR FOREIGN FREEZE FROM FULL
    GLOBALDICT256 GLOBALDICT64K GRANT GROUP GZIP HAVING IDENTITY IGNORE ILIKE IN INITIALLY INNER
    INTERSECT INTERVAL INTO IS ISNULL JOIN LEADING LEFT LIKE LIMIT LOCALTIME LOCALTIMESTAMP LUN LUNS
    LZO LZOP MINUS MOSTLY16 MOSTLY32 MOSTLY8 NATURAL NEW NOT NOTNULL NULL NULLS OFF OFFLINE OFFSET
    OID OLD ON ONLY OPEN OR ORDER OUTER OVERLAPS PARALLEL PARTITION PERCENT PERMISSIONS PIVOT
    PLACING PRIMARY RAW READRATIO RECOVER REFERENCES REJECTLOG RESORT RESPECT RESTORE RIGHT SELECT
    SESSION_USER SIMILAR SNAPSHOT SOME SYSDATE SYSTEM TABLE TAG TDES TEXT255 TEXT32K THEN TIMESTAMP
    TO TOP TRAILING TRUE TRUNCATECOLUMNS UNION UNIQUE UNNEST UNPIVOT USER USING VERBOSE WALLET WHEN
    WHERE WITH WITHOUT START CONNECT
    """.split()  # noqa: SIM905
)
_TYPES = {"VARCHAR", "DATE", "INTEGER", "DOUBLE", "BIGINT"}


def _identifiers(sql: str) -> set[str]:
    import re

    found = set(re.findall(r"\bAS\s+([A-Za-z_]\w*)", sql, flags=re.IGNORECASE))  # column aliases, CAST types
    found |= set(re.findall(r"\b([A-Za-z_]\w*)\s+AS\s*\(", sql, flags=re.IGNORECASE))  # CTE names
    found |= set(re.findall(r"\b(?:FROM|JOIN)\s+\w+\s+([A-Za-z_]\w*)", sql, flags=re.IGNORECASE))  # aliases
    found |= set(
        re.findall(r"\)\s+([A-Za-z_]\w*)\s*(?:WHERE|$)", sql, flags=re.IGNORECASE)
    )  # subquery aliases
    return {f.upper() for f in found} - _TYPES - {"ON", "WHERE", "JOIN", "LEFT", "CROSS", "GROUP", "ORDER"}


def test_no_identifier_is_a_redshift_reserved_word() -> None:
    from concert_api.adapters.warehouse import schema

    names = {t.name.upper() for t in schema.TABLES} | {
        c.name.upper() for t in schema.TABLES for c in t.columns
    }
    for sql, _ in QUERY_PARAMS:
        names |= _identifiers(sql)
    assert "RANKED" in names and "PER_CONCERT" in names and "P" in names  # the scan sees aliases and CTEs
    assert names & REDSHIFT_RESERVED == set()
