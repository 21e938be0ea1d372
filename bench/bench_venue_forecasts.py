"""Venue forecasts as batch scoring (issue 18): the scoring pass, and the ranking's first and warm requests.

    .venv/bin/python bench/bench_venue_forecasts.py --data-dir DIR [--baseline-python /work/main/.venv/bin/python]
    (DIR: a data dir with a loaded warehouse and a trained model, e.g. `concert-api --data-dir DIR data generate
    --scale large && concert-api --data-dir DIR model train`)

1. Scoring: `scoring.local_scorer` over every scheduled concert of the next 180 days, on the warehouse file (read
   only: the feature statement, one model call, the per-venue mean), and the whole `replace_forecasts` (the file
   copied, scored, swapped in).
2. The ranking (`POST /venues/popularity`, top_n 10, min_events 5) in a fresh interpreter per run: the first
   request after the start (the handler module imported first, as a started server has; the request opens the
   warehouse and, before batch scoring, computed the forecasts), then the warm p50 over `--requests`.
   With `--baseline-python`, the same child runs under another checkout's interpreter (the code before batch
   scoring, which predicted every venue's scheduled concerts inside the first request) on the same data dir.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _util import ROOT, markdown_table

CHILD = r"""
import json, os, statistics, sys, time
import api_lambda_handlers
event = {"body": json.dumps({"top_n": 10, "min_events": 5})}
class Context:
    function_name = "bench"; memory_limit_in_mb = 1024; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    @staticmethod
    def get_remaining_time_in_millis(): return 60_000
handler = api_lambda_handlers.venue_popularity_handler  # the start: the handler's modules imported
if sys.argv[2] == "served":  # as `concert-api serve` starts: the warehouse opened before the first request
    from concert_api import composition
    composition.warm_up()
started = time.perf_counter()
first = handler(event, Context())
first_ms = (time.perf_counter() - started) * 1000
body = json.loads(first["body"])
warm = []
for _ in range(int(sys.argv[1])):
    started = time.perf_counter()
    handler(event, Context())
    warm.append((time.perf_counter() - started) * 1000)
forecasts = sum(1 for v in body["venues"] if v.get("forecast_attendance_rate") is not None)
print(json.dumps({"status": first["statusCode"], "first_ms": first_ms, "warm_p50_ms": statistics.median(warm),
                  "forecasts": forecasts, "venues": len(body["venues"])}))
"""


def ranking(python: str, cwd: Path, data_dir: Path, requests: int, mode: str = "cold") -> dict[str, float]:
    env = {**os.environ, "CONCERT_DATA_DIR": str(data_dir), "CONCERT_ENV_FILE": "", "LOG_LEVEL": "ERROR",
           "POWERTOOLS_METRICS_DISABLED": "true"}  # fmt: skip
    done = subprocess.run([python, "-c", CHILD, str(requests), mode], cwd=cwd, env=env, capture_output=True,
                          text=True)
    if done.returncode:
        raise SystemExit(f"the ranking child failed under {python}:\n{done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--baseline-python", default=None, help="another checkout's interpreter (the baseline)")
    parser.add_argument("--requests", type=int, default=200, help="warm ranking requests per run")
    parser.add_argument("--runs", type=int, default=3, help="fresh interpreters per code version")
    args = parser.parse_args()

    import duckdb

    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse, _column_fetch
    from concert_tools.model import scoring

    model = scoring.current_model(args.data_dir / "models")
    assert model is not None, f"no trained model in {args.data_dir}/models"
    con = duckdb.connect(str(args.data_dir / "warehouse.duckdb"), read_only=True)
    steps: list[tuple[str, float]] = []
    started = time.perf_counter()
    summary = scoring.ScoringSummary("", scoring.now_iso())
    scoring.local_scorer(model, summary=summary, progress=lambda step, *_: steps.append(
        (step, time.perf_counter() - started)))(_column_fetch(con))  # fmt: skip
    score_s = time.perf_counter() - started
    con.close()
    started = time.perf_counter()
    DuckDBWarehouse(args.data_dir / "warehouse.duckdb").replace_forecasts(scoring.local_scorer(model))
    replace_s = time.perf_counter() - started
    print(f"scored {summary.concerts:,} scheduled concerts into {summary.venues:,} venue forecasts: "
          f"{score_s:.2f} s (steps: " + ", ".join(f"{s} at {t:.2f} s" for s, t in steps) + f"); replace_forecasts "
          f"(copy + score + swap) {replace_s:.2f} s; load average {os.getloadavg()[0]:.1f}")  # fmt: skip

    rows = []
    versions = [("batch-scored (this branch)", sys.executable, ROOT)]
    if args.baseline_python:
        versions.append(("baseline: forecaster in the request", args.baseline_python,
                         Path(args.baseline_python).absolute().parents[2]))  # fmt: skip
    for label, python, cwd in versions:
        for mode in ("cold", "served") if cwd == ROOT else ("cold",):
            for run in range(args.runs):
                r = ranking(python, cwd, args.data_dir, args.requests, mode)
                shown = label if mode == "cold" else f"{label}, after `serve` started (warehouse opened at start)"
                rows.append((shown, run + 1, r["status"], f"{r['first_ms']:.1f}", f"{r['warm_p50_ms']:.2f}",
                             f"{r['forecasts']}/{r['venues']}"))  # fmt: skip
    print(markdown_table(["code", "run", "status", "first ranking after start (ms)", "warm p50 (ms)",
                          "venues with a forecast"], rows))  # fmt: skip


if __name__ == "__main__":
    main()
