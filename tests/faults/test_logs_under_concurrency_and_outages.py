"""Logs stay true under concurrency and short under an outage (issue 13, item 3): each line carries its own
request's keys, an unexpected failure is one ERROR with its traceback, an expected outage a rate-limited WARNING
without one."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import api_lambda_handlers
from tests.conftest import FakeLambdaContext

from concert_api.observability import RateLimitedLog, outages
from concert_api.services import venue_popularity

HANDLERS = {
    "concert-api-venue-popularity": ("venue_popularity_handler", {"top_n": 3}),
    "concert-api-recommendations": ("recommendations_handler", {"top_n": 3}),
    "concert-api-health-check": ("health_check_handler", None),
    "concert-api-chatbot": ("chatbot_handler", {"message": "hello"}),
}


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _call(function_name: str, n: int) -> tuple[str, str]:
    handler, body = HANDLERS[function_name]
    context = FakeLambdaContext(function_name=function_name, aws_request_id=f"{function_name}-{n}")
    event = {"httpMethod": "GET" if body is None else "POST", "body": json.dumps(body) if body else None}
    getattr(api_lambda_handlers, handler)(event, context)
    return context.aws_request_id, function_name


def test_concurrent_requests_never_lend_each_other_their_log_keys(own_data_dir, capsys):
    calls = [(name, n) for n in range(25) for name in HANDLERS]
    with ThreadPoolExecutor(max_workers=8) as pool:
        expected = dict(pool.map(lambda call: _call(*call), calls))

    lines = [line for line in _lines(capsys.readouterr().out) if "request_id" in line]
    assert len({line["request_id"] for line in lines}) == len(calls)
    wrong = [line for line in lines if line["function_name"] != expected[line["request_id"]]]
    assert wrong == []


def test_an_outage_is_a_few_warnings_without_tracebacks(tmp_path, monkeypatch, lambda_context, capsys):
    monkeypatch.setenv("CONCERT_DATA_DIR", str(tmp_path / "no-warehouse"))
    monkeypatch.setattr(outages, "_last", {})
    event = {"httpMethod": "POST", "body": json.dumps({"top_n": 3})}

    statuses = {api_lambda_handlers.venue_popularity_handler(event, lambda_context)["statusCode"] for _ in range(300)}

    lines = _lines(capsys.readouterr().out)
    outage_lines = [line for line in lines if line["event"] == "Dependency unavailable"]
    assert statuses == {503}
    assert len(outage_lines) == 1  # 300 requests well inside one rate-limit interval
    assert outage_lines[0]["level"] == "warning" and outage_lines[0]["error"] == "WarehouseUnavailable"
    assert not [line for line in lines if line["level"] == "error" or "exception" in line]


def test_an_unexpected_failure_is_one_error_with_its_traceback(own_data_dir, monkeypatch, lambda_context, capsys):
    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("a bug in the ranking")

    monkeypatch.setattr(venue_popularity, "rank_venues", broken)
    response = api_lambda_handlers.venue_popularity_handler(
        {"httpMethod": "POST", "body": json.dumps({"top_n": 3})}, lambda_context)

    errors = [line for line in _lines(capsys.readouterr().out) if line["level"] == "error"]
    assert response["statusCode"] == 500 and "a bug" not in response["body"]
    assert len(errors) == 1
    assert errors[0]["event"] == "Request failed" and "RuntimeError: a bug in the ranking" in errors[0]["exception"]


def test_a_failing_warehouse_query_is_one_error_and_its_statement_a_warning(
    own_data_dir, monkeypatch, lambda_context, capsys
):
    # given a ranking statement the warehouse rejects
    monkeypatch.setattr(venue_popularity.q, "VENUE_POPULARITY", "SELECT no_such_column FROM venue_metrics")
    # when it is requested
    response = api_lambda_handlers.venue_popularity_handler(
        {"httpMethod": "POST", "body": json.dumps({"top_n": 3})}, lambda_context)
    # then the answer is a 5xx without the detail; the logs hold one ERROR for the request and the failed
    # statement, with the database's message, as a WARNING from the adapter
    lines = _lines(capsys.readouterr().out)
    errors = [line for line in lines if line["level"] == "error"]
    assert response["statusCode"] >= 500 and "no_such_column" not in response["body"]
    assert [line["event"] for line in errors] == ["Request failed"]
    statement = next(line for line in lines if line["event"] == "duckdb query failed")
    assert statement["level"] == "warning" and "no_such_column" in statement["sql"]


def test_the_rate_limit_counts_what_it_left_out():
    now = [0.0]
    limit = RateLimitedLog(interval=10.0, clock=lambda: now[0])

    admitted = [limit.admit("warehouse")]
    for t in (1.0, 2.0, 9.9):
        now[0] = t
        admitted.append(limit.admit("warehouse"))
    admitted.append(limit.admit("throttled"))
    now[0] = 10.0
    admitted.append(limit.admit("warehouse"))

    assert admitted == [0, None, None, None, 0, 3]
