"""The smaller faults of issue 13 (item 6): the 405 from the route table, numbers out of any sane range,
`event_date` as an ISO date in its window, CORS and Host limited to the console's own origin under `serve`, and
validation messages naming the file, row and column."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import api_lambda_handlers
import httpx
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from tests.conftest import body_of
from tests.faults.swaps import running_server

from concert_api.models import EVENT_DATE_MAX, EVENT_DATE_MIN
from concert_api.server.app import create_app
from concert_api.settings import get_settings
from concert_tools.data.validation import validate_directory


def _predict(event_date: object, context: object) -> dict:
    body = {"artist_id": "artist_001", "venue_id": "venue_001", "event_date": event_date, "ticket_price": 75.0}
    return api_lambda_handlers.ticket_prediction_handler({"httpMethod": "POST", "body": json.dumps(body)}, context)


@pytest.mark.parametrize(("path", "allow"), [("/chat", "POST,OPTIONS"), ("/health", "GET,HEAD,OPTIONS"),
                                             ("/openapi.json", "GET,HEAD")])
def test_the_405_names_the_methods_of_the_route_table(path, allow):
    with running_server(create_app()) as url:
        response = httpx.request("TRACE", f"{url}{path}")

    assert response.status_code == 405 and response.headers["allow"] == allow
    body = response.json()
    assert set(body) == {"error", "details", "timestamp"}
    assert body["details"] == f"{path} accepts {allow.replace(',', ', ')}; got TRACE."


def test_a_five_thousand_digit_number_is_a_400_in_the_error_format(lambda_context):
    event = {"httpMethod": "POST", "body": '{"top_n": ' + "9" * 5000 + "}"}

    response = api_lambda_handlers.venue_popularity_handler(event, lambda_context)

    body = body_of(response)
    assert response["statusCode"] == 400 and set(body) == {"error", "details", "timestamp"}
    assert body["details"] == "Request body has a number out of range: an integer has 5,000 digits; at most 20"
    assert "sys." not in response["body"]


@pytest.mark.parametrize("literal", ["1e999", "-1e999", "NaN", "Infinity"])
def test_infinite_and_not_a_number_literals_are_refused(lambda_context, literal):
    event = {"httpMethod": "POST", "body": '{"top_n": 5, "min_events": ' + literal + "}"}

    response = api_lambda_handlers.venue_popularity_handler(event, lambda_context)

    assert response["statusCode"] == 400 and "number out of range" in body_of(response)["details"]


@pytest.mark.parametrize(("value", "reason"), [
    (0, "must be a date written YYYY-MM-DD, e.g. 2027-06-19"),
    (1_700_000_000, "must be a date written YYYY-MM-DD, e.g. 2027-06-19"),
    ("2027-06-19T20:00:00", "must be a date written YYYY-MM-DD, e.g. 2027-06-19"),
    ("0001-01-01", f"must be between {EVENT_DATE_MIN} and {EVENT_DATE_MAX}"),
    ("9999-12-31", f"must be between {EVENT_DATE_MIN} and {EVENT_DATE_MAX}"),
    ("2027-02-30", "must be a real date written YYYY-MM-DD"),
])  # fmt: skip
def test_event_date_is_an_iso_date_inside_its_window(lambda_context, value, reason):
    response = _predict(value, lambda_context)

    assert response["statusCode"] == 400
    assert body_of(response)["details"] == f"event_date: {reason}"


def test_an_iso_date_inside_the_window_is_accepted(trained_env, lambda_context):
    response = _predict((dt.date.today() + dt.timedelta(days=30)).isoformat(), lambda_context)

    assert response["statusCode"] == 200


def test_a_listed_origin_is_echoed_and_another_gets_no_cors_header(lambda_context, monkeypatch):
    monkeypatch.setenv("CONCERT_CORS_ALLOW_ORIGIN", "http://127.0.0.1:8000,http://localhost:8000")
    get_settings.cache_clear()

    def health(origin: str) -> dict:
        event = {"httpMethod": "OPTIONS", "headers": {"Origin": origin}}
        return api_lambda_handlers.health_check_handler(event, lambda_context)["headers"]

    assert health("http://localhost:8000")["Access-Control-Allow-Origin"] == "http://localhost:8000"
    assert "Access-Control-Allow-Origin" not in health("https://evil.example")
    assert health("https://evil.example")["Vary"] == "Origin"


def test_serve_defaults_to_its_own_console_origin_and_host(monkeypatch):
    from concert_tools.cli import main

    monkeypatch.delenv("CONCERT_CORS_ALLOW_ORIGIN", raising=False)
    monkeypatch.delenv("CONCERT_ALLOWED_HOSTS", raising=False)
    main._default_to_own_origin("127.0.0.1", 8123)
    try:
        with running_server(create_app()) as url:
            as_console = {"Host": "127.0.0.1:8123"}  # the port the console would be on
            own = httpx.options(f"{url}/health", headers={**as_console, "Origin": "http://localhost:8123"})
            other = httpx.options(f"{url}/health", headers={**as_console, "Origin": "https://evil.example"})
            rebound = httpx.get(f"{url}/health", headers={"Host": "evil.example:8123"})
    finally:
        for name in ("CONCERT_CORS_ALLOW_ORIGIN", "CONCERT_ALLOWED_HOSTS"):
            os.environ.pop(name, None)
        get_settings.cache_clear()

    assert own.headers["access-control-allow-origin"] == "http://localhost:8123"
    assert "access-control-allow-origin" not in other.headers
    assert rebound.status_code == 400 and rebound.json()["error"] == "Invalid host"
    assert "evil.example:8123" in rebound.json()["details"]


@pytest.fixture
def csv_dir(tiny_data_dir: Path, tmp_path: Path) -> Path:
    """The tiny data set with artists as CSV (the rest as Parquet), ready to be damaged."""
    directory = tmp_path / "files"
    directory.mkdir()
    for path in (tiny_data_dir / "generated").glob("*.parquet"):
        if path.stem != "artists":
            (directory / path.name).write_bytes(path.read_bytes())
    pacsv.write_csv(pq.read_table(tiny_data_dir / "generated" / "artists.parquet"), directory / "artists.csv")
    return directory


def test_a_csv_row_with_an_extra_field_is_named_by_file_and_row(csv_dir):
    lines = (csv_dir / "artists.csv").read_text().splitlines()
    lines[3] += ",surplus"
    (csv_dir / "artists.csv").write_text("\n".join(lines) + "\n")

    report = validate_directory(csv_dir)

    assert [str(i) for i in report.issues] == [
        "artists.csv row 3 [field 7, past home_state]: has 7 fields; the header has 6 (a value with an unquoted "
        "comma?)"]


def test_a_csv_row_with_a_missing_field_names_the_column(csv_dir):
    lines = (csv_dir / "artists.csv").read_text().splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0]
    (csv_dir / "artists.csv").write_text("\n".join(lines) + "\n")

    report = validate_directory(csv_dir)

    assert [str(i) for i in report.issues] == [
        "artists.csv row 2 [home_state]: has 5 fields; the header has 6 (a value is missing)"]


def test_an_empty_csv_file_is_said_to_be_empty(csv_dir):
    (csv_dir / "artists.csv").write_text("")

    report = validate_directory(csv_dir)

    assert len(report.issues) == 1 and report.issues[0].file == "artists.csv"
    assert report.issues[0].reason.startswith("the file is empty: it needs a header row (artist_id, name, ")


def test_a_header_only_csv_file_is_said_to_have_no_rows(csv_dir):
    header = (csv_dir / "artists.csv").read_text().splitlines()[0]
    (csv_dir / "artists.csv").write_text(header + "\n")

    report = validate_directory(csv_dir)

    assert [str(i) for i in report.issues] == [
        "artists.csv: has a header but no rows: the artists table cannot be empty"]


def test_a_missing_file_is_the_one_problem_reported(csv_dir):
    (csv_dir / "artists.csv").unlink()

    report = validate_directory(csv_dir)

    assert report.total_issues == 1
    assert str(report.issues[0]) == f"artists.csv: missing: put the artists table in {csv_dir}/artists.csv or " \
                                    "artists.parquet"
