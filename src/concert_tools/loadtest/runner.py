"""Run the Locust scenario headless against a base URL, bounded in time, and summarise its CSV statistics."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
MAX_DURATION_SECONDS = 600
"""A load test ends by itself: at most ten minutes."""


class LoadTestError(RuntimeError):
    """The load test could not run; the message says what to do."""


def parse_duration(text: str) -> int:
    """Seconds from `90`, `90s`, `2m` or `1m30s`."""
    match = re.fullmatch(r"\s*(?:(\d+)m)?\s*(?:(\d+)s?)?\s*", text)
    if not match or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration such as 60s, 2m or 1m30s")
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


@dataclass(frozen=True)
class EndpointStats:
    """One row of Locust's `_stats.csv`."""

    name: str
    requests: int
    failures: int
    median_ms: float
    p95_ms: float
    p99_ms: float
    requests_per_s: float


def run(base_url: str, *, users: int, spawn_rate: float, seconds: int, out_dir: Path,
        api_key: str | None = None, ids: tuple[int, int, int] = (20, 12, 30)) -> list[EndpointStats]:
    """Run Locust headless for `seconds` and return its per-endpoint statistics (the `Aggregated` row last);
    `out_dir` receives `report.html` and `loadtest_*.csv`."""
    if not 1 <= seconds <= MAX_DURATION_SECONDS:
        raise LoadTestError(f"the duration must be between 1 s and {MAX_DURATION_SECONDS} s")
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CONCERT_LOADTEST_IDS": ",".join(str(n) for n in ids)}
    if api_key:
        env["CONCERT_LOADTEST_API_KEY"] = api_key
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", base_url.rstrip("/"),
               "--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{seconds}s",
               "--stop-timeout", "5", "--html", str(out_dir / "report.html"), "--csv", str(out_dir / "loadtest"),
               "--only-summary", "--exit-code-on-error", "0"]
    try:
        completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        raise LoadTestError("Locust did not stop in time; see its output above") from None
    stats_file = out_dir / "loadtest_stats.csv"
    if completed.returncode != 0 or not stats_file.is_file():
        tail = "\n".join((completed.stderr or completed.stdout).splitlines()[-5:])
        raise LoadTestError(f"Locust failed (exit {completed.returncode}): {tail}")
    return read_stats(stats_file)


def _number(text: str | None) -> float:
    """A CSV cell as a number; Locust writes `N/A` for a percentile of an endpoint with no requests."""
    try:
        return float(text or 0)
    except ValueError:
        return 0.0


def read_stats(path: Path) -> list[EndpointStats]:
    """The rows of Locust's `_stats.csv`."""
    with path.open(newline="") as handle:
        return [
            EndpointStats(
                name=(f"{row['Type']} {row['Name']}".strip() if row["Name"] != "Aggregated" else "Aggregated"),
                requests=int(row["Request Count"]), failures=int(row["Failure Count"]),
                median_ms=_number(row["50%"]), p95_ms=_number(row["95%"]), p99_ms=_number(row["99%"]),
                requests_per_s=_number(row["Requests/s"]),
            )
            for row in csv.DictReader(handle)
        ]
