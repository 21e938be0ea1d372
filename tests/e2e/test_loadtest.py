"""`concert-api loadtest` against the local server on loopback: the Locust scenario reaches every endpoint."""

from __future__ import annotations

from click.testing import CliRunner

from concert_tools.cli.main import cli
from concert_tools.loadtest.runner import parse_duration


def test_durations_read_as_people_write_them():
    assert parse_duration("60s") == 60
    assert parse_duration("2m") == 120
    assert parse_duration("1m30s") == 90
    assert parse_duration("45") == 45


def test_a_short_load_test_reaches_the_five_endpoints_without_failures(live_server_with_data, tmp_path):
    # Given the local server on the tiny data set, when a 4-user load test runs for a few seconds,
    out = tmp_path / "results"
    result = CliRunner().invoke(cli, ["loadtest", live_server_with_data, "--users", "4", "--spawn-rate", "4",
                                      "--duration", "6s", "--out", str(out)])
    # then every endpoint was called, nothing failed, and Locust's report and statistics were written.
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file() and (out / "loadtest_stats.csv").is_file()
    for endpoint in ("POST /venues/popularity", "POST /recommendations", "POST /tickets/predict", "POST /chat",
                     "GET /health"):
        assert endpoint in result.output
    aggregated = next(line for line in result.output.splitlines() if line.startswith("Aggregated")).split()
    assert int(aggregated[1]) > 10 and int(aggregated[2]) == 0
