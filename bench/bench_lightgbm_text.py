"""SageMaker endpoint model: LightGBM's text model evaluated with NumPy (`ml/lightgbm_text.py`) against LightGBM.

    .venv/bin/python bench/bench_lightgbm_text.py --model /tmp/medium-42/models/ticket_sales/<version>/booster.txt

The endpoint's package has no LightGBM (nothing is installed at start-up), so its predictions walk the trees with
NumPy. This measures what that costs: loading the model file, and predicting batches of 1 to 1,000 design rows
(random rows in the features' ranges, 5% missing), LightGBM on one thread as the baseline, both in this run.
Predictions are checked equal before timing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _util import markdown_table, percentile
from concert_api.ml.lightgbm_text import Booster


def _timed(fn, repeats: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="a booster.txt written by `model train`")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    load_lgb = _timed(lambda: lgb.Booster(model_file=str(args.model)), 5)
    load_np = _timed(lambda: Booster(model_file=args.model), 5)
    reference, ours = lgb.Booster(model_file=str(args.model)), Booster(model_file=args.model)
    rng = np.random.default_rng(42)
    rows = [["load the model file", f"{percentile(load_lgb, 50):.0f} ms", f"{percentile(load_np, 50):.0f} ms"]]
    for batch in (1, 10, 100, 1000):
        x = rng.normal(size=(batch, reference.num_feature()))
        x[rng.random(x.shape) < 0.05] = np.nan
        assert np.array_equal(ours.predict(x), reference.predict(x, num_threads=1))
        repeats = max(3, args.repeats // (1 + batch // 100))
        lgb_ms = _timed(lambda x=x: reference.predict(x, num_threads=1), repeats)
        np_ms = _timed(lambda x=x: ours.predict(x), repeats)
        label = f"predict {batch} row(s), p50"
        rows.append([label, f"{percentile(lgb_ms, 50):.2f} ms", f"{percentile(np_ms, 50):.2f} ms"])
    print(f"{ours.num_trees()} trees; load average {os.getloadavg()[0]:.2f}")
    print(markdown_table(["measure", "LightGBM (1 thread)", "NumPy evaluator"], rows))


if __name__ == "__main__":
    main()
