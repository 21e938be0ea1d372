"""Latency of `recommend` on a local DuckDB warehouse: personalised (user only; user + city + genres) and
anonymous requests, with the time in the two warehouse statements beside the whole.

    .venv/bin/python bench/bench_recommendations.py --data-dir /tmp/small --requests 300

Without --data-dir, the `small` data set under bench/.data/ is generated (and reused). Users are taken in turn
from the ones with the most history, so the answer is never a cache hit.
"""

from __future__ import annotations

import argparse
import time
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
    from concert_api.services.recommendations import recommend

    warehouse = DuckDBWarehouse(args.data_dir / "warehouse.duckdb")
    users = [r["user_id"] for r in warehouse.query(
        "SELECT user_id FROM user_artists GROUP BY user_id ORDER BY SUM(times_attended) DESC, user_id LIMIT 500", {})]
    in_sql: list[float] = []
    inner = warehouse.query

    def timed(sql: str, params: Any = None) -> Any:
        started = time.perf_counter()
        try:
            return inner(sql, params)
        finally:
            in_sql.append(time.perf_counter() - started)

    warehouse.query = timed  # type: ignore[method-assign]
    cases = {
        "personalised (user_id)": lambda i: RecommendationsRequest(user_id=users[i % len(users)], top_n=10),
        "personalised (user, city, genres)": lambda i: RecommendationsRequest(
            user_id=users[i % len(users)], location="New York", artist_preferences=["rock", "pop"], top_n=10),
        "anonymous (city)": lambda i: RecommendationsRequest(location="Chicago", top_n=10),
    }
    rows = []
    for name, make in cases.items():
        for i in range(20):  # warm-up
            recommend(make(i), warehouse)
        totals, sql = [], []
        for i in range(args.requests):
            in_sql.clear()
            started = time.perf_counter()
            recommend(make(i), warehouse)
            totals.append(time.perf_counter() - started)
            sql.append(sum(in_sql))
        ms = [t * 1000 for t in totals]
        rows.append([name, f"{percentile(ms, 50):.2f}", f"{percentile(ms, 99):.2f}",
                     f"{percentile([s * 1000 for s in sql], 50):.2f}"])
    print(f"{args.data_dir}, {args.requests} requests per case, times in ms")
    print(markdown_table(["case", "p50", "p99", "warehouse p50"], rows))


if __name__ == "__main__":
    main()
