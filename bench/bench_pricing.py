"""Price curve: warm local latency of `POST /tickets/price-curve`'s service (25 prices, one model batch), beside
the baseline of 25 single predictions (`POST /tickets/predict`'s service called once per price) in the same run.

    .venv/bin/python bench/bench_pricing.py --data-dir /tmp/i10m [--requests 500] [--points 25]

The data directory needs a trained current model (`concert-api --data-dir DIR model train`). Each request picks a
random artist, venue and date in the next 180 days; the curve uses the default grid (half to three times the
artist's usual price). Timings include the feature lookup in the warm store, the design matrix, LightGBM and the
response model. The load average is printed beside the timings: the machine may be shared.

Target (issue 10): a 25-price curve p50 <= 5 ms warm.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _util import markdown_table, percentile
from concert_api.adapters.predictors.local import LocalTicketPredictor
from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
from concert_api.ml import artefacts
from concert_api.models import PriceCurveRequest, TicketPredictionRequest
from concert_api.services.price_curve import price_curve
from concert_api.services.ticket_prediction import predict_tickets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=500, help="timed curves (after 50 warm-ups)")
    parser.add_argument("--points", type=int, default=25)
    args = parser.parse_args()

    warehouse = DuckDBWarehouse(args.data_dir / "warehouse.duckdb")
    version_dir = artefacts.current_version_dir(args.data_dir / "models")
    if version_dir is None:
        raise SystemExit(f"no trained model under {args.data_dir}: run `concert-api --data-dir {args.data_dir} "
                         "model train` first")  # fmt: skip
    predictor = LocalTicketPredictor(version_dir)
    artists = [r["artist_id"] for r in warehouse.query("SELECT artist_id FROM artists")]
    venues = [r["venue_id"] for r in warehouse.query("SELECT venue_id FROM venues")]
    rng = random.Random(0)
    today = dt.date.today()

    def pair() -> tuple[str, str, dt.date]:
        return rng.choice(artists), rng.choice(venues), today + dt.timedelta(days=rng.randint(1, 180))

    def curve(a: str, v: str, d: dt.date) -> None:
        price_curve(PriceCurveRequest(artist_id=a, venue_id=v, event_date=d, points=args.points),
                    warehouse=warehouse, predictor=predictor, today=today)  # fmt: skip

    def singles(a: str, v: str, d: dt.date) -> None:
        for i in range(args.points):
            predict_tickets(TicketPredictionRequest(artist_id=a, venue_id=v, event_date=d, ticket_price=20.0 + 10 * i),
                            warehouse=warehouse, predictor=predictor, today=today)  # fmt: skip

    rows = []
    for name, fn, n in ((f"price curve, {args.points} prices, one batch", curve, args.requests),
                        (f"baseline: {args.points} single predictions", singles, max(50, args.requests // 5))):
        for _ in range(50):
            fn(*pair())
        timings = []
        for request in [pair() for _ in range(n)]:
            started = time.perf_counter()
            fn(*request)
            timings.append((time.perf_counter() - started) * 1000)
        rows.append([name, n, f"{percentile(timings, 50):.2f}", f"{percentile(timings, 90):.2f}",
                     f"{percentile(timings, 99):.2f}"])  # fmt: skip
    print(markdown_table(["what", "requests", "p50 ms", "p90 ms", "p99 ms"], rows))
    print(f"model {predictor.model_version}; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}, "
          f"{os.cpu_count()} cores")  # fmt: skip
    warehouse.close()


if __name__ == "__main__":
    main()
