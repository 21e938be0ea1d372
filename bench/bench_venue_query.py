"""Latency of the venue-popularity query (`queries.venues.VENUE_POPULARITY`) on DuckDB at each scale.

    .venv/bin/python bench/bench_venue_query.py            # tiny, small, medium
    .venv/bin/python bench/bench_venue_query.py --large    # and large
    .venv/bin/python bench/bench_venue_query.py --data-dir DIR [--runs 2000]   # issue 15: through the handler

It reads the `venue_metrics` summary table that every load refreshes. The baseline, measured in the same run on
the same file, computes the same ranking straight from `concerts` x `ticket_sales` x `venues`: what the query
would cost without the summary table. Target (issue 2): large p50 <= 50 ms, growing far slower than the data.

`--data-dir` measures an existing data directory (e.g. a `large` one made by `concert-api data generate/load`),
opened read-only, through the whole venue popularity handler: from memory (a result cache hit) and uncached (the
result cache emptied before each call: the query over `venue_metrics` through the warehouse adapter, and the
handler's own work), each call interleaved with the baseline of the same run: the same SQL with the same
parameters on a bare DuckDB connection to the same file. Targets (issue 15, large): p50 <= 1 ms from memory,
<= 5 ms uncached.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table

from _util import LambdaContext
from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
from concert_api.adapters.warehouse.queries.refresh import POPULARITY_PRIOR_WEIGHT
from concert_api.adapters.warehouse.queries.venues import VENUE_POPULARITY
from concert_tools.data.generator import generate
from concert_tools.data.loader import load_directory

PARAMS = {"top_n": 10, "min_events": 5, "city": "", "state": "", "venue_type": "", "rank_by": "popularity"}

# The same ranking, aggregated on every request from the fact tables (no summary table).
BASELINE = f"""
WITH per_venue AS (
    SELECT c.venue_id, COUNT(*) AS n,
           AVG(CAST(s.tickets_sold AS DOUBLE PRECISION) / v.capacity) AS avg_rate,
           AVG(s.revenue) AS revenue_per_event,
           CAST(COUNT(*) AS DOUBLE PRECISION)
               / GREATEST(1.0, CAST(MAX(c.event_date) - MIN(c.event_date) AS DOUBLE PRECISION) / 30.4375)
               AS booking_frequency
    FROM concerts c JOIN ticket_sales s ON s.concert_id = c.concert_id JOIN venues v ON v.venue_id = c.venue_id
    WHERE c.status = 'completed'
    GROUP BY c.venue_id
),
prior AS (SELECT SUM(avg_rate * n) / SUM(n) AS mean_rate FROM per_venue)
SELECT * FROM (
    SELECT v.venue_id, v.name, v.city, v.state, v.capacity, v.venue_type, p.n AS total_concerts,
           p.avg_rate AS avg_attendance_rate, p.revenue_per_event, p.booking_frequency,
           (p.n * p.avg_rate + {POPULARITY_PRIOR_WEIGHT} * prior.mean_rate) / (p.n + {POPULARITY_PRIOR_WEIGHT})
               AS popularity_score,
           ROW_NUMBER() OVER (ORDER BY (p.n * p.avg_rate + {POPULARITY_PRIOR_WEIGHT} * prior.mean_rate)
               / (p.n + {POPULARITY_PRIOR_WEIGHT}) DESC, p.n DESC, v.venue_id) AS popularity_rank
    FROM per_venue p JOIN venues v ON v.venue_id = p.venue_id CROSS JOIN prior
    WHERE p.n >= CAST(:min_events AS INTEGER)
) ranked
WHERE popularity_rank <= CAST(:top_n AS INTEGER)
ORDER BY popularity_rank
"""


def latencies(warehouse: DuckDBWarehouse, sql: str, params: dict, runs: int) -> list[float]:
    """Milliseconds per call, after three warm-up calls."""
    for _ in range(3):
        warehouse.query(sql, params)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        warehouse.query(sql, params)
        times.append((time.perf_counter() - started) * 1000)
    return times


def p(values: list[float], q: float) -> float:
    """The q-quantile (0-1) of `values`."""
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1] if q < 1 else max(values)


def measure(scale: str, root: Path, runs: int) -> dict[str, float | int | str]:
    out, db = root / scale, root / f"{scale}.duckdb"
    generate(scale, 42, out, as_of=dt.date(2025, 6, 1))
    load_directory(out, DuckDBWarehouse(db, read_only=False))
    warehouse = DuckDBWarehouse(db)
    counts = warehouse.table_counts()
    fast = latencies(warehouse, VENUE_POPULARITY, PARAMS, runs)
    slow = latencies(warehouse, BASELINE, {"top_n": 10, "min_events": 5}, max(20, runs // 10))
    same = [r["venue_id"] for r in warehouse.query(VENUE_POPULARITY, PARAMS)] == [
        r["venue_id"] for r in warehouse.query(BASELINE, {"top_n": 10, "min_events": 5})
    ]
    warehouse.close()
    return {
        "scale": scale,
        "ticket_sales": counts["ticket_sales"],
        "venues": counts["venues"],
        "p50_ms": round(p(fast, 0.5), 2),
        "p99_ms": round(p(fast, 0.99), 2),
        "baseline_p50_ms": round(p(slow, 0.5), 2),
        "baseline_p99_ms": round(p(slow, 0.99), 2),
        "same_top10": str(same),
    }


def measure_data_dir(data_dir: Path, runs: int) -> list[dict[str, float | int | str]]:
    """The handler from memory and uncached, the adapter's query, and the bare DuckDB baseline, interleaved."""
    import re

    os.environ.update({"CONCERT_DATA_DIR": str(data_dir), "CONCERT_ENV_FILE": "", "CONCERT_WAREHOUSE": "duckdb",
                       "LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"})
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import api_lambda_handlers

    from concert_api import composition
    from concert_api.services.result_cache import results

    composition.reset()
    warehouse = composition.warehouse()
    bare = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    bare_sql = re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", r"$\1", VENUE_POPULARITY)
    counts = {t: bare.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # type: ignore[index]
              for t in ("concerts", "venues", "venue_metrics")}  # fmt: skip
    city = bare.execute("SELECT city FROM venues ORDER BY venue_id LIMIT 1").fetchone()[0]  # type: ignore[index]
    cases = [("top 10, min_events 5", {"top_n": 10, "min_events": 5}),
             (f"top 20 in {city}, by revenue", {"top_n": 20, "min_events": 1, "city": city,
                                                "rank_by": "revenue"})]  # fmt: skip
    rows: list[dict[str, float | int | str]] = []
    for label, body in cases:
        params = {**PARAMS, **body}
        event = {"body": json.dumps(body)}
        handler = api_lambda_handlers.venue_popularity_handler
        first = handler(event, LambdaContext())
        assert first["statusCode"] == 200, first["body"]
        timings: dict[str, list[float]] = {"bare": [], "query": [], "uncached": [], "memory": []}
        for _ in range(runs + 20):
            started = time.perf_counter()
            expected = bare.execute(bare_sql, params).fetchall()
            timings["bare"].append(time.perf_counter() - started)
            started = time.perf_counter()
            got = warehouse.query(VENUE_POPULARITY, params)
            timings["query"].append(time.perf_counter() - started)
            results.clear()
            started = time.perf_counter()
            handler(event, LambdaContext())
            timings["uncached"].append(time.perf_counter() - started)
            started = time.perf_counter()
            handler(event, LambdaContext())  # (the call before filled the cache)
            timings["memory"].append(time.perf_counter() - started)
        assert [r["venue_id"] for r in got] == [r[0] for r in expected]
        row: dict[str, float | int | str] = {"case": label, "concerts": counts["concerts"],
                                             "venue_metrics rows": counts["venue_metrics"]}  # fmt: skip
        for key, name in (("bare", "bare DuckDB"), ("query", "adapter query"), ("uncached", "handler uncached"),
                          ("memory", "handler from memory")):  # fmt: skip
            values = [t * 1000 for t in timings[key][20:]]  # (the first 20 are warm-up)
            row[f"{name} p50 ms"] = round(p(values, 0.5), 3)
            row[f"{name} p99 ms"] = round(p(values, 0.99), 3)
        rows.append(row)
    bare.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", action="store_true", help="also measure the large scale")
    parser.add_argument("--runs", type=int, default=300, help="timed calls per scale (default 300)")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--data-dir", type=Path,
                        help="measure this existing data directory through the handler instead (read-only)")
    args = parser.parse_args()
    if args.data_dir:
        console = Console(width=200)
        console.print(f"$ {' '.join([Path(sys.executable).name, *sys.argv])}")
        console.print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs, Python "
                      f"{platform.python_version()}")
        figures = measure_data_dir(args.data_dir.resolve(), args.runs)
        console.print(_table(f"Venue ranking in {args.data_dir} ({args.runs} interleaved calls each)", figures))
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2) + "\n")
        return
    scales = ["tiny", "small", "medium", *(["large"] if args.large else [])]
    console = Console(width=150)
    console.print(f"$ {' '.join([Path(sys.executable).name, *sys.argv])}")
    console.print(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="bench-venue-") as tmp:
        rows = [measure(scale, Path(tmp), args.runs) for scale in scales]
    console.print(_table(f"VENUE_POPULARITY latency on DuckDB ({args.runs} calls, top_n=10, min_events=5)", rows))
    first, last = rows[0], rows[-1]
    growth_data = int(last["ticket_sales"]) / max(1, int(first["ticket_sales"]))
    growth_query = float(last["p50_ms"]) / float(first["p50_ms"])
    console.print(f"{first['scale']} -> {last['scale']}: data x{growth_data:,.0f}, p50 x{growth_query:.1f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


def _table(title: str, rows: list[dict[str, Any]]) -> Table:
    """The rows as a rich table, the first column (the case or the scale) to the left, figures to the right."""
    table = Table(title=title)
    for n, key in enumerate(rows[0]):
        table.add_column(key, justify="left" if n == 0 else "right")
    for row in rows:
        table.add_row(*(f"{v:,}" if isinstance(v, int) else str(v) for v in row.values()))
    return table


if __name__ == "__main__":
    main()
