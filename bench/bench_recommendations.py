"""Latency of `recommend` on a local DuckDB warehouse: personalised (user only; user + city + genres) and
anonymous requests, with the time in the two warehouse statements beside the whole, and a bare baseline
measured in the same run: the very same two statements, with the same parameters, run directly on a DuckDB
connection (no adapter, no service), so a loaded machine shows in both columns.

    .venv/bin/python bench/bench_recommendations.py --data-dir /tmp/small --requests 300

Without --data-dir, the `small` data set under bench/.data/ is generated (and reused). The result cache is
emptied before every timed request, so each one is computed (two statements and the scoring); users are taken
in turn from the ones with the most history. Report the load average (`uptime`) beside the figures: the machine
is shared.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _util import markdown_table, percentile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=None, help="A data dir with warehouse.duckdb.")
    parser.add_argument("--requests", type=int, default=300, help="Timed requests per case.")
    args = parser.parse_args()
    if args.data_dir is None:
        from _data import data_dir_for

        args.data_dir = data_dir_for("small")

    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
    from concert_api.models import RecommendationsRequest
    from concert_api.services import result_cache
    from concert_api.services.recommendations import recommend

    path = args.data_dir / "warehouse.duckdb"
    warehouse = DuckDBWarehouse(path)
    users = [r["user_id"] for r in warehouse.query(
        "SELECT user_id FROM user_artists GROUP BY user_id ORDER BY SUM(times_attended) DESC, user_id LIMIT 500", {})]
    statements: list[tuple[str, dict[str, Any], float]] = []
    inner = warehouse.query

    def timed(sql: str, params: Any = None) -> Any:
        started = time.perf_counter()
        try:
            return inner(sql, params)
        finally:
            statements.append((sql, dict(params or {}), time.perf_counter() - started))

    warehouse.query = timed  # type: ignore[method-assign]
    cases: dict[str, Callable[[int], RecommendationsRequest]] = {
        "personalised (user_id)": lambda i: RecommendationsRequest(user_id=users[i % len(users)], top_n=10),
        "personalised (user, city, genres)": lambda i: RecommendationsRequest(
            user_id=users[i % len(users)], location="New York", artist_preferences=["rock", "pop"], top_n=10),
        "anonymous (city)": lambda i: RecommendationsRequest(location="Chicago", top_n=10 + i % 2),
    }
    bare = _BareDuckDB(path)
    rows = []
    for name, make in cases.items():
        for i in range(20):  # warm-up
            result_cache.results.clear()
            recommend(make(i), warehouse)
        totals, in_adapter, direct = [], [], []
        for i in range(args.requests):
            result_cache.results.clear()
            statements.clear()
            started = time.perf_counter()
            recommend(make(i), warehouse)
            totals.append(time.perf_counter() - started)
            in_adapter.append(sum(s[2] for s in statements))
            direct.append(bare.run([(sql, params) for sql, params, _ in statements]))
        ms = [t * 1000 for t in totals]
        rows.append([name, f"{percentile(ms, 50):.2f}", f"{percentile(ms, 99):.2f}",
                     f"{percentile([s * 1000 for s in in_adapter], 50):.2f}",
                     f"{percentile([s * 1000 for s in direct], 50):.2f}"])
    load = os.getloadavg()
    print(f"{args.data_dir}, {args.requests} requests per case, times in ms; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    print(markdown_table(["case", "p50", "p99", "warehouse p50", "bare DuckDB p50 (same statements)"], rows))


class _BareDuckDB:
    """The baseline: the request's statements run straight on a DuckDB connection to the same file."""

    def __init__(self, path: Path) -> None:
        import duckdb

        from concert_api.adapters.warehouse.duckdb import sql_literal

        self.conn = duckdb.connect(":memory:")
        self.conn.execute(f"ATTACH {sql_literal(str(path))} AS bare (READ_ONLY)")
        self.conn.execute("USE bare")

    def run(self, statements: list[tuple[str, dict[str, Any]]]) -> float:
        """Seconds to run `statements` (`:name` parameters) and fetch every row."""
        from concert_api.adapters.warehouse.duckdb import _driver_sql

        started = time.perf_counter()
        for sql, params in statements:
            driver_sql, names = _driver_sql(sql)
            self.conn.execute(driver_sql, {n: params[n] for n in names} or None).fetchall()
        return time.perf_counter() - started


if __name__ == "__main__":
    main()
