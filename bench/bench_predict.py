"""Ticket-sales model: training time, hold-out figures and warm local prediction latency (features included).

    .venv/bin/python bench/bench_predict.py --data-dir /tmp/medium-42 [--generate medium] [--requests 3000] [--tune]

With `--generate SCALE` the data set is generated (seed 42) and loaded into `<data dir>` first. Training runs
`training.train` exactly as `concert-api model train` does (point-in-time features from the warehouse, fitting,
calibration, hold-out evaluation) with LightGBM on all cores. Latency is `services.predictions.predict_tickets`
with the local predictor: feature lookup in the warm store, the design row, LightGBM, the response model.
The trained version records the data snapshot (generated/generation.json) like `concert-api model train`.

`--tune` also runs `training.tune_rounds` (the measurement behind `training.NUM_ROUNDS`: fit on the oldest 80%
of the training rows, MAE on the newest 20%; the calibration slice and the hold-out are not read) and prints the
curve. The load average is printed beside the timings: the machine may be shared.

Targets (issue 4, `medium`): training <= 60 s on 2 cores; warm prediction p50 <= 5 ms; MAE <= 1.15x the noise
floor and >= 30% below the better baseline; 80% interval coverage in 78-82%.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _util import markdown_table, percentile
from concert_api.adapters.predictors.local import LocalTicketPredictor
from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
from concert_api.models import TicketPredictionRequest
from concert_api.services.ticket_prediction import predict_tickets
from concert_tools.model import training


def _generate(scale: str, data_dir: Path) -> None:
    from concert_tools.data.generator import generate
    from concert_tools.data.loader import load_directory

    generate(scale, 42, data_dir / "generated", as_of=dt.date.today())
    warehouse = DuckDBWarehouse(data_dir / "warehouse.duckdb", read_only=False)
    load_directory(data_dir / "generated", warehouse)
    warehouse.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--generate", choices=("tiny", "small", "medium", "large"), default=None)
    parser.add_argument("--requests", type=int, default=3000, help="timed predictions (after 200 warm-ups)")
    parser.add_argument("--tune", action="store_true", help="also measure the boosting-round curve (tune_rounds)")
    args = parser.parse_args()
    if args.generate:
        _generate(args.generate, args.data_dir)

    warehouse = DuckDBWarehouse(args.data_dir / "warehouse.duckdb")
    generated = args.data_dir / "generated"
    expected = generated / "expected_demand.parquet"
    snapshot_file = generated / "generation.json"
    snapshot = json.loads(snapshot_file.read_text()) if snapshot_file.is_file() else None
    if args.tune:
        load_before = os.getloadavg()
        tuned = training.tune_rounds(warehouse)
        print(f"tune_rounds (load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}): "
              f"fit on {tuned['fit_rows']:,} rows, validation {tuned['validation_rows']:,} rows "
              f"({tuned['validation_from']} to {tuned['validation_to']}), fit {tuned['fit_seconds']:.1f} s")
        print(markdown_table(("rounds", "validation MAE (tickets)"),
                             [(str(r), f"{mae:.2f}") for r, mae in tuned["mae_by_rounds"].items()]))
        print(f"chosen: {tuned['best_rounds']} (fewest within {tuned['tolerance'] * 100:.2f}% of the best); "
              f"training.NUM_ROUNDS = {training.NUM_ROUNDS}\n")
    load_before = os.getloadavg()
    started = time.perf_counter()
    result = training.train(warehouse, data_snapshot=snapshot,
                            expected_demand_file=expected if expected.is_file() else None)
    train_seconds = time.perf_counter() - started
    load_after_train = os.getloadavg()
    version_dir = training.save(result, args.data_dir / "models")
    m = result.metadata["metrics"]

    predictor = LocalTicketPredictor(version_dir)
    artists = [r["artist_id"] for r in warehouse.query("SELECT artist_id FROM artists")]
    venues = [r["venue_id"] for r in warehouse.query("SELECT venue_id FROM venues")]
    rng = random.Random(0)
    today = dt.date.today()

    def request() -> TicketPredictionRequest:
        return TicketPredictionRequest(
            artist_id=rng.choice(artists), venue_id=rng.choice(venues),
            event_date=today + dt.timedelta(days=rng.randint(1, 180)), ticket_price=rng.uniform(15, 250),
        )  # fmt: skip

    store_started = time.perf_counter()
    predict_tickets(request(), warehouse=warehouse, predictor=predictor, today=today)  # builds the feature store
    store_ms = (time.perf_counter() - store_started) * 1000
    for _ in range(200):
        predict_tickets(request(), warehouse=warehouse, predictor=predictor, today=today)
    latencies = []
    requests = [request() for _ in range(args.requests)]
    for req in requests:
        t0 = time.perf_counter()
        predict_tickets(req, warehouse=warehouse, predictor=predictor, today=today)
        latencies.append((time.perf_counter() - t0) * 1000)
    load_after_latency = os.getloadavg()
    warehouse.close()

    floor = m.get("noise_floor")
    better = min(m["venue_baseline"]["mae"], m["artist_baseline"]["mae"])
    rows = [
        ("training (features + fit + calibration + hold-out)", f"{train_seconds:.1f} s", "<= 60 s"),
        ("  of which fitting the trees", f"{result.metadata['timings_seconds']['fit']:.1f} s", ""),
        ("hold-out MAE (tickets)", f"{m['model']['mae']:.1f}", ""),
        ("MAE / noise floor", f"{m['model']['mae'] / floor['mae']:.3f}" if floor else "n/a", "<= 1.15"),
        ("MAE vs better baseline", f"{(m['model']['mae'] / better - 1) * 100:+.0f}%", "<= -30%"),
        ("80% interval coverage", f"{m['coverage'] * 100:.1f}%", "78-82%"),
        ("  of the concerts that sold out",
         f"{m['coverage_by_outcome']['sold_out']['coverage'] * 100:.1f}%", ""),
        ("  of the concerts that did not sell out",
         f"{m['coverage_by_outcome']['not_sold_out']['coverage'] * 100:.1f}%", ""),
        ("feature store build (first request)", f"{store_ms:.0f} ms", ""),
        ("warm prediction p50", f"{percentile(latencies, 50):.3f} ms", "<= 5 ms"),
        ("warm prediction p99", f"{percentile(latencies, 99):.3f} ms", ""),
    ]
    print(f"rows: {result.metadata['rows']}, cores: {os.cpu_count()}, lightgbm threads: {os.cpu_count()}")
    print("load average (1, 5, 15 min): before training " + ", ".join(f"{x:.2f}" for x in load_before)
          + "; after training " + ", ".join(f"{x:.2f}" for x in load_after_train)
          + "; after the latency run " + ", ".join(f"{x:.2f}" for x in load_after_latency))
    print(markdown_table(("measure", "value", "target"), rows))


if __name__ == "__main__":
    main()
