"""`concert-api loadtest URL`: the Locust scenario, headless, against the local server or a deployed stage."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click


@click.command("loadtest")
@click.argument("url")
@click.option("--users", default=10, show_default=True, type=click.IntRange(1, 1000), help="Concurrent users.")
@click.option("--spawn-rate", default=5.0, show_default=True, type=click.FloatRange(0.1, 1000),
              help="Users started per second.")
@click.option("--duration", default="60s", show_default=True,
              help="How long the test runs (60s, 2m, 1m30s; at most 10m).")
@click.option("--out", "out_dir", default=Path("loadtest-results"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Where report.html and the CSV files go.")
@click.option("--api-key", envvar="CONCERT_API_KEY", default=None,
              help="API key for a stage that asks for one (sent as x-api-key); or set CONCERT_API_KEY.")
@click.option("--ids", default="20,12,30", show_default=True,
              help="How many artist, venue and user ids to draw from (artist_001 ...); the defaults exist in "
                   "every generated data set.")
def loadtest(url: str, users: int, spawn_rate: float, duration: str, out_dir: Path, api_key: str | None,
             ids: str) -> None:
    """Drive the five endpoints with a realistic mix of requests (Locust, headless) and report latency and
    throughput per endpoint.

    URL is the API's base: the local server (`http://127.0.0.1:8000`) or a deployed stage
    (`https://abc123.execute-api.us-east-1.amazonaws.com/prod`). Locust's HTML report and CSV statistics are
    written under --out. Exit status 1 when any request failed."""
    from concert_tools.loadtest import runner

    if importlib.util.find_spec("locust") is None:
        raise click.ClickException("Locust is the `loadtest` extra: run `.venv/bin/pip install -e '.[loadtest]'`.")
    try:
        seconds = runner.parse_duration(duration)
        counts = tuple(int(n) for n in ids.split(","))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if len(counts) != 3 or min(counts) < 1:
        raise click.BadParameter("--ids takes three positive counts: artists,venues,users")
    click.echo(f"Load test: {users} users for {seconds} s against {url} ...", err=True)
    try:
        stats = runner.run(url, users=users, spawn_rate=spawn_rate, seconds=seconds, out_dir=out_dir,
                           api_key=api_key, ids=(counts[0], counts[1], counts[2]))
    except runner.LoadTestError as exc:
        raise click.ClickException(str(exc)) from None
    header = ("endpoint", "requests", "failures", "p50 ms", "p95 ms", "p99 ms", "req/s")
    click.echo(f"{header[0]:32} " + " ".join(f"{h:>9}" for h in header[1:]))
    for row in stats:
        click.echo(f"{row.name:32} {row.requests:>9} {row.failures:>9} {row.median_ms:>9.0f} {row.p95_ms:>9.0f} "
                   f"{row.p99_ms:>9.0f} {row.requests_per_s:>9.1f}")
    click.echo(f"Report: {out_dir / 'report.html'}; statistics: {out_dir / 'loadtest_stats.csv'}", err=True)
    if any(row.failures for row in stats):
        raise SystemExit(1)
