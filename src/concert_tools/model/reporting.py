"""`concert-api model evaluate`: re-score a saved version on its hold-out and write the report with the plot
(`<data dir>/reports/` by default; the project's own is docs/model.md, regenerated with `--report`/`--plot`)."""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from concert_api.adapters.predictors import dataset
from concert_api.adapters.warehouse.base import Warehouse
from concert_api.ml import artefacts, transform
from concert_api.ml.model import TicketModel
from concert_api.ml.training_range import money
from concert_tools.model.evaluation import Evaluation, evaluate, noise_free_demand, plot_predicted_vs_actual
from concert_tools.model.price_evaluation import GRID_POINTS, GRID_RANGE, MULTIPLES, price_evaluation


def evaluate_version(
    warehouse: Warehouse, version_dir: Path, *, expected_demand_file: Path | None = None
) -> tuple[Evaluation, dict[str, Any]]:
    """The saved model scored on the hold-out its metadata names, with the same point-in-time features."""
    model = TicketModel.load(version_dir)
    metadata = artefacts.read_metadata(version_dir)
    split = {k: dt.date.fromisoformat(v) for k, v in metadata["split"].items()}
    concerts = dataset.load_concerts(warehouse, split["end"])
    test = concerts.take(concerts.event_date >= np.datetime64(split["test_start"]))
    if len(test) == 0:
        raise KeyError(f"the warehouse holds none of the hold-out concerts of model {model.version}")
    cols = dataset.point_in_time_columns(warehouse, test, period_days=int(metadata["period_days"]),
                                         anchor=split["first"])  # fmt: skip
    noise_free = noise_free_demand(expected_demand_file, test.concert_id) if expected_demand_file else None
    fallbacks = metadata["baseline_fallbacks"]
    evaluation = evaluate(model, cols, test.tickets_sold, fallback_tickets=fallbacks["tickets"],
                          fallback_sell_through=fallbacks["sell_through"], noise_free=noise_free)  # fmt: skip
    if expected_demand_file is not None and model.price_response is not None:
        snapshot = metadata.get("data_snapshot") or {}
        as_of = dt.date.fromisoformat(snapshot["as_of"]) if snapshot.get("as_of") else split["end"]
        evaluation.pricing = price_evaluation(warehouse, model, cols, test.concert_id, expected_demand_file,
                                              as_of=as_of, noise_sigma=float(snapshot.get("noise_sigma", 0.2)))
    return evaluation, metadata


SNAPSHOT_FIELDS = ("generator_version", "scale", "seed", "as_of", "counts")
"""The fields of generation.json that identify a data set."""


def snapshot_differences(model_snapshot: dict[str, Any] | None, current: dict[str, Any] | None) -> list[str]:
    """How the data now in the data directory (its generation.json) differs from the data the model was trained
    on (the snapshot in its metadata); empty when they agree. A missing side is a difference too."""
    if not model_snapshot:
        return ["the model's metadata records no data snapshot (it was not trained by `concert-api model train`)"]
    if not current:
        return ["the data directory has no generated/generation.json to compare with the model's snapshot"]
    return [f"{name}: model trained on {model_snapshot.get(name)!r}, data now {current.get(name)!r}"
            for name in SNAPSHOT_FIELDS if model_snapshot.get(name) != current.get(name)]  # fmt: skip


def measure_latency(warehouse: Warehouse, version_dir: Path, *, requests: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Warm local prediction latency, features included (`services.predictions.predict_tickets` with the local
    predictor, as `POST /tickets/predict` runs it): random artist, venue, price and a date in the next 180 days,
    after one request that builds the feature store and 200 warm-ups. Milliseconds, with the load average."""
    from concert_api.adapters.predictors.local import LocalTicketPredictor
    from concert_api.models import TicketPredictionRequest
    from concert_api.services.ticket_prediction import predict_tickets

    predictor = LocalTicketPredictor(version_dir)
    artists = [r["artist_id"] for r in warehouse.query("SELECT artist_id FROM artists")]
    venues = [r["venue_id"] for r in warehouse.query("SELECT venue_id FROM venues")]
    rng = random.Random(seed)
    today = dt.date.today()

    def request() -> TicketPredictionRequest:
        return TicketPredictionRequest(artist_id=rng.choice(artists), venue_id=rng.choice(venues),
                                       event_date=today + dt.timedelta(days=rng.randint(1, 180)),
                                       ticket_price=round(rng.uniform(15, 250), 2))  # fmt: skip

    started = time.perf_counter()
    predict_tickets(request(), warehouse=warehouse, predictor=predictor, today=today)
    store_ms = (time.perf_counter() - started) * 1000
    for _ in range(200):
        predict_tickets(request(), warehouse=warehouse, predictor=predictor, today=today)
    timings = []
    for req in [request() for _ in range(requests)]:
        t0 = time.perf_counter()
        predict_tickets(req, warehouse=warehouse, predictor=predictor, today=today)
        timings.append((time.perf_counter() - t0) * 1000)
    return {"requests": requests, "p50_ms": float(np.percentile(timings, 50)),
            "p99_ms": float(np.percentile(timings, 99)), "store_build_ms": store_ms,
            "load_average": [round(x, 2) for x in os.getloadavg()], "cores": os.cpu_count()}  # fmt: skip


def write_report(evaluation: Evaluation, metadata: dict[str, Any], report: Path, plot: Path, *,
                 data_differences: list[str] | None = None, latency: dict[str, Any] | None = None,
                 data_dir: Path | None = None) -> None:  # fmt: skip
    """The Markdown report (every figure from `evaluation`, the version's metadata and `latency`) and the plot
    beside it; `data_differences` (from `snapshot_differences`) are stated in the report."""
    plot_predicted_vs_actual(evaluation, plot)
    report.parent.mkdir(parents=True, exist_ok=True)
    try:
        plot_ref = plot.resolve().relative_to(report.resolve().parent).as_posix()
    except ValueError:
        plot_ref = str(plot)
    report.write_text(render(evaluation, metadata, plot_ref, data_differences=data_differences, latency=latency,
                             data_dir=data_dir))  # fmt: skip


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def render(evaluation: Evaluation, metadata: dict[str, Any], plot_ref: str, *,
           data_differences: list[str] | None = None, latency: dict[str, Any] | None = None,
           data_dir: Path | None = None) -> str:  # fmt: skip
    """The Markdown report."""
    s = evaluation.summary()
    snap = metadata.get("data_snapshot") or {}
    dd = f" --data-dir {data_dir}" if data_dir else ""
    if snap:
        generate = (f"concert-api{dd} data generate --scale {snap.get('scale')} --seed {snap.get('seed')} "
                    f"--as-of {snap.get('as_of')}")  # fmt: skip
    else:
        generate = f"concert-api{dd} data generate  # the model records no snapshot: scale and seed unknown"
    reproduce = (f"    {generate}\n    concert-api{dd} model train\n"
                 f"    concert-api{dd} model evaluate --report docs/model.md --plot docs/model_pred_vs_actual.png\n"
                 f"    .venv/bin/python bench/bench_predict.py{dd} --tune   # round curve, training, latency\n\n"
                 "(`model evaluate` without `--report`/`--plot` writes `<data dir>/reports/model.md` and "
                 "`model_pred_vs_actual.png`,\nleaving a clone's docs/ alone.)")
    floor = evaluation.noise_floor
    better_name, better = min((("venue average", evaluation.venue_baseline), ("capacity × artist sell-through",
                               evaluation.artist_baseline)), key=lambda kv: kv[1]["mae"])  # fmt: skip

    def row(name: str, m: dict[str, float]) -> str:
        return f"| {name} | {m['mae']:,.1f} | {m['mape']:.1f}% | {m['r2']:.3f} |"

    rows = [row("**model** (LightGBM, median of log sell-through)", evaluation.model),
            row("baseline: venue's average sales", evaluation.venue_baseline),
            row("baseline: capacity × artist's average sell-through", evaluation.artist_baseline)]  # fmt: skip
    if floor:
        rows.append(row("noise floor: generator's noise-free demand, capped", floor))
    ratio = f"{evaluation.model['mae'] / floor['mae']:.3f}" if floor else "n/a (no expected_demand.parquet)"
    def bin_row(b: dict[str, Any]) -> str:
        reach = (f"≥ {np.exp(-b['sold_out_log']) * 100:.0f}%" if b.get("sold_out_log") is not None
                 and b["sold_out_log"] < 50 else ("always" if b.get("sold_out_log") is not None else "capped"))
        return (f"| {b['bin']} | {b['rows']:,} | {b.get('sold_out_share', float('nan')) * 100:.0f}% | "
                f"+{(np.exp(b['half_width_log']) - 1) * 100:.0f}% / -{(1 - np.exp(-b['half_width_log'])) * 100:.0f}% "
                f"| {reach} | {b['coverage'] * 100:.1f}% | {_pct(b.get('coverage_sold_out'))} "
                f"| {_pct(b.get('coverage_not_sold_out'))} |")  # fmt: skip

    bins = "\n".join(bin_row(b) for b in evaluation.coverage_by_bin)
    outcome = evaluation.coverage_by_outcome
    sold, unsold = outcome.get("sold_out", {}), outcome.get("not_sold_out", {})
    if data_differences:
        data_note = ("* **Warning: the data evaluated on is not the model's snapshot**: "
                     + "; ".join(data_differences) + ".")  # fmt: skip
    else:
        data_note = "* The data evaluated on is the model's snapshot (same generation.json identity)."
    machine = metadata.get("machine") or {}
    load = machine.get("load_average")
    t_load = (f"{machine.get('cores', '?')} cores, load average {', '.join(f'{x:.2f}' for x in load)} (1, 5, 15 min) "
              "when training ended" if load else "load average not recorded")  # fmt: skip
    if latency:
        latency_line = (f"* Warm local prediction (`POST /tickets/predict`'s service with the local predictor, "
                        f"features included), {latency['requests']:,} requests: **p50 {latency['p50_ms']:.3f} ms**, "
                        f"p99 {latency['p99_ms']:.3f} ms (target p50 ≤ 5 ms); feature store build on the first "
                        f"request {latency['store_build_ms']:.0f} ms; load average "
                        f"{', '.join(f'{x:.2f}' for x in latency['load_average'])}, {latency['cores']} cores.")
    else:
        latency_line = "* Warm prediction latency: not measured in this run (`bench/bench_predict.py`)."
    t = metadata.get("timings_seconds", {})
    features = ", ".join(f"`{f}`" for f in transform.FEATURE_NAMES)
    return f"""# Ticket-sales model

Generated by `concert-api model evaluate` from model version `{metadata['version']}`; do not edit by hand.

## Data and hold-out

* Data: scale `{snap.get('scale', '?')}`, seed {snap.get('seed', '?')}, as of {snap.get('as_of', '?')}
  (generator {snap.get('generator_version', '?')}; the snapshot recorded in the model's metadata from
  generation.json); warehouse backend `{metadata.get('warehouse')}`.
{data_note}
* Time-based split of the {sum(metadata['rows'].values()):,} completed concerts, oldest first:
  {metadata['rows']['train']:,} to fit (before {metadata['split']['calibration_start']}),
  {metadata['rows']['calibration']:,} to calibrate the interval (to {metadata['split']['test_start']}),
  **{evaluation.rows:,} held out** (from {metadata['split']['test_start']}).
* Every concert's features are the warehouse aggregates as of the start of its {metadata['period_days']}-day period
  (point in time): no row sees its own outcome or a later one.
* Training time: {t.get('total', float('nan')):.1f} s in all ({t.get('features', float('nan')):.1f} s features,
  {t.get('fit', float('nan')):.1f} s fitting), LightGBM {metadata['algorithm']['version']}; {t_load}
  (target ≤ 60 s on 2 cores; the machine is shared, so timings move with its load).
{latency_line}

Reproduce (figures, the boosting-round curve and the bench's numbers also in docs/benchmarks.md):

{reproduce}

## Accuracy on the hold-out

| predictor | MAE (tickets) | MAPE | R² |
|---|---:|---:|---:|
{chr(10).join(rows)}

* MAE is **{-s['mae_vs_better_baseline'] * 100:.0f}% below the better baseline** ({better_name},
  MAE {better['mae']:,.1f}); target: at least 30%.
* MAE / noise floor: **{ratio}** (target: at most 1.15). The noise floor is the error of
  `min(expected demand, capacity)`, the median of tickets sold, from the generator's `expected_demand.parquet`;
  it is read only here, never as a feature.

![predicted against actual tickets sold on the hold-out]({plot_ref})

## Interval and confidence

The {evaluation.nominal_coverage * 100:.0f}% prediction interval covers **{evaluation.coverage * 100:.1f}%** of the
hold-out (target: 78-82%): **{_pct(sold.get('coverage'))}** of the {sold.get('rows', 0):,} concerts that sold out
and **{_pct(unsold.get('coverage'))}** of the {unsold.get('rows', 0):,} that did not. Its mean width is
{evaluation.mean_relative_width * 100:.0f}% of the prediction. Coverage is counted on exactly the bounds the API
serves (clamped to [0, capacity] around the prediction, rounded to 0.1 ticket).

Method: split conformal, Mondrian and label-conditional. The trees predict the median log sell-through m. The
calibration slice is cut into up to four equal-count bins of m, and within each bin two
{evaluation.nominal_coverage * 100:.0f}% conformal quantiles are taken, one per outcome:
for the concerts that did not sell out, q of |log actual sell-through - m| (the half-width); for those that
sold out, s of -m, the prediction's distance below capacity. The interval is `low = capacity × exp(m - q)`;
`high = capacity` when -m ≤ s (a sell-out is plausible), otherwise `capacity × exp(m + q)` kept below capacity.
A sold-out concert's residual is censored (demand beyond capacity is never seen), so a single quantile over all
concerts, as an earlier version used, covered sell-outs far more often than the rest (on `medium`, seed 42: 89% of
the sell-outs against 76% of the rest, and only 20% of the concerts predicted to sell out that did not);
calibrating each outcome on its own
makes each one's coverage {evaluation.nominal_coverage * 100:.0f}% in each bin, for a wider interval where the
model predicts a sell-out. Sold-out status is an outcome, not known when predicting: the guarantee is
"{evaluation.nominal_coverage * 100:.0f}% of the concerts that end up selling out, and of those that do not".

| bin of m | hold-out rows | sold out | half-width, not sold out (up / down) | reaches capacity at sell-through \
| coverage | sold out | not sold out |
|---|---:|---:|---|---|---:|---:|---:|
{bins}

{pricing_section(evaluation.pricing, metadata.get("price_response"))}
**Confidence rule**: `confidence = clip(1 - (high - low) / (2 × predicted_sales), 0, 1)`, read as "the outcome is
within ±(1 - confidence) of the prediction, {evaluation.nominal_coverage * 100:.0f}% of the time": an interval of
±20% gives 0.80, a near-certain sell-out nears 1, an interval wider than twice the prediction gives 0.
{extrapolation_section(metadata.get("training_range"))}
## The model

* Target: log sell-through, `log(min(1, max(tickets, 1) / capacity))`; L1 loss, so the trees estimate the
  conditional median (the MAE-optimal prediction). Predicted sales = `capacity × exp(min(0, m))`: never above
  capacity, by construction, and the service caps again.
* Features ({len(transform.FEATURE_NAMES)}): {features}. They are built from the warehouse by the SQL in
  `warehouse/queries/features.py` (per-artist, per-venue, per-genre-in-city and per-genre sums and counts as of a
  date) and `ml/transform.py` (shrunk averages, price relative to the artist's, the venue's and the typical price
  for that popularity, city size and venue type; weekday, season). Genre-city affinity is learned from the
  history (`gc_effect`: the genre's mean log sell-through in that city against its national mean, shrunk).
* Why LightGBM: in the prototype on `medium` it matched scikit-learn's HistGradientBoosting in accuracy
  (MAE/noise floor 1.094 vs 1.094 at 800 rounds, 63 leaves) while fitting in 5 s instead of 27 s and predicting
  one row in 0.04 ms instead of 3.5 ms; its text model format also loads in the SageMaker container without
  pickle-version coupling.
* Rounds: {metadata['algorithm']['num_boost_round']}, tuned on a validation slice carved from the training rows
  alone: the trees are fit on the oldest 80% of the training rows and scored on the newest 20%
  (`training.tune_rounds`, `bench/bench_predict.py --tune`; the curve is in docs/benchmarks.md), and the fewest
  rounds within 0.25% of the best validation MAE are kept. Neither the calibration slice nor the hold-out takes
  part in any choice; the hold-out only scores the finished model.
* Leave-one-out target averages were tried first and rejected: within an artist, the left-out mean falls exactly
  as the row's own sell-through rises, and the trees learned that (training MAE below the noise floor, hold-out
  MAE twice it). Point-in-time aggregates fixed it.
* Artefact: `<data dir>/models/ticket_sales/<version>/` holds `booster.txt`, `model.json` (transform parameters,
  calibration, training range) and `metadata.json` (data snapshot, features, split, metrics, timings, training
  range); `current` names the version served. `concert-api model package` builds `model.tar.gz` for SageMaker.
* Serving: features are the aggregates as of the earlier of today and the event date, so a concert that has
  already happened is predicted from what was known before it (point in time, as in training).
* Venue forecast (`forecast_attendance_rate` in `POST /venues/popularity`): the mean predicted sell-through of the
  venue's scheduled concerts in the next 180 days, from this same model, batch-scored into the `venue_forecasts`
  table (see "Venue forecasts: batch scoring" below); omitted for a venue with nothing scheduled.

""" + VENUE_FORECASTS + DEPLOYING


PRICE_CURVE_API = """
### The price curve API: `POST /tickets/price-curve`

For one concert (`artist_id`, `venue_id`, `event_date`), predicted sales, expected revenue (list price × predicted
sales), the 80% interval, the confidence and the sell-out probability at each price of a grid, and `best_price`,
the grid's revenue-maximising price with the same figures. The grid is `points` prices (default 25, at most 50)
evenly spaced in log from `min_price` to `max_price` (default: half to three times the artist's usual list price,
`usual_price` in the answer; $15-$250 for an artist and a venue without history), or exactly the `prices` given
(at most 50). The whole grid is one model batch: one LightGBM call locally, one InvokeEndpoint call on AWS (the
inference script accepts the batch). A price outside what the model was trained on is marked `extrapolated`,
with a wider interval and a lower confidence, and a warning says how many such prices the grid holds. Bad input
is a 400 in the one error format naming the field (`points`, `min_price`, `max_price`, `prices`, ...); an
unknown artist or venue a 404.

```bash
curl -X POST http://127.0.0.1:8000/tickets/price-curve -H "Content-Type: application/json" \\
  -d '{"artist_id": "artist_001", "venue_id": "venue_001", "event_date": "2027-06-19", "points": 25}'
```

The sell-out probability maps the predicted log sell-through through the share of calibration concerts that sold
out at that prediction (monotone, interpolated). Latency: `bench/bench_pricing.py` (docs/benchmarks.md).
"""


def pricing_section(pricing: dict[str, Any] | None, response: dict[str, Any] | None) -> str:
    """The report's account of the price response: how it is fitted, and how it scores against the true demand
    curves of held-out and upcoming concerts, beside the constant and the in-range-only baselines."""
    fit = ""
    if response:
        fit = "\n".join(f"| {name} | {r['low']:.2f}–{r['high']:.2f}× | {math.exp(r['log_median']):.2f}× | "
                         f"{r['sigma']:.2f} |" for name, r in response["venue_types"].items())  # fmt: skip
        fit = f"""
| venue type | trees' range (price / typical price) | fitted median willingness to pay | fitted sigma |
|---|---|---:|---:|
{fit}
"""
    head = f"""
## Pricing: the price response

Trees answer a constant beyond the prices they were fit on, so the price has its own response. Training fits it
to what the trees learned inside the range, per venue type: the trees' partial dependence on the price over the
typical price (mean predicted log sell-through of up to 3,000 training concerts far from capacity, each re-priced
at 9 ratios across the range, in one batch), matched in least squares by a willingness-to-pay curve
`log S(r) = log(1 - Phi((log r - log median) / sigma))`, whose elasticity grows with the price. It is learned from
the warehouse only; the generator's coefficients are never read.
{fit}"""
    if not pricing:
        return head + "\nNot scored against the truth in this run (no demand curves in expected_demand.parquet).\n"
    cols = " | ".join(f"{m:g}×" for m in MULTIPLES)
    lines = []
    for part, label in (("held_out", "held-out"), ("upcoming", "upcoming")):
        if part not in pricing:
            continue
        for mode, name in (("model", "**model**"), ("in_range", "in range only"), ("constant", "constant")):
            if mode not in pricing[part]:
                continue
            f = pricing[part][mode]
            mape = " | ".join(f"{f['mape_by_multiple'][f'{m:g}']:.1f}%" for m in MULTIPLES)
            lines.append(f"| {label} ({pricing[part]['concerts']:,}) | {name} | {mape} | "
                         f"{f['flat_step_share'] * 100:.1f}% | {f['regret_median']:.2f}% | {f['regret_p90']:.2f}% |")
    cover = " ".join(
        f"{label}: **{_pct(pricing[part]['model'].get('coverage_in_range'))}** in range, "
        f"**{_pct(pricing[part]['model'].get('coverage_out_of_range'))}** outside it."
        for part, label in (("held_out", "Held-out"), ("upcoming", "Upcoming")) if part in pricing)
    return head + f"""
Scored against the true demand curve of each concert (`expected_demand.parquet`: read here only), at multiples of
its reference price. MAPE of predicted sales against true noise-free sales; flat steps: the share of adjacent
multiples where the true sales move by more than 10% but the prediction by less than 1%; revenue regret: the true
revenue lost by charging the best price of a {GRID_POINTS}-price grid ({GRID_RANGE[0]:g}×–{GRID_RANGE[1]:g}× the
reference) by the model's curve, as a share of the true optimum's revenue. Baselines from the same trees:
*constant* (sales at the reference price, whatever the price) and *in range only* (the price held at the edge of the
trees' range: the model before the price response).

| concerts | predictor | {cols} | flat steps | regret median | regret p90 |
|---|---|{"---:|" * len(MULTIPLES)}---:|---:|---:|
{chr(10).join(lines)}

Interval coverage against outcomes drawn with the generator's noise at every multiple: {cover}
Targets: MAPE ≤ 15% at 0.5× and 2×, ≤ 25% at 3×; no flat steps; regret median ≤ 2%, p90 ≤ 8%.
""" + PRICE_CURVE_API


def _ordinal(x: float) -> str:
    n = f"{x:g}"
    if not n.isdigit():
        return n + "th"
    suffix = "th" if 10 <= int(n) % 100 <= 20 else {"1": "st", "2": "nd", "3": "rd"}.get(n[-1], "th")
    return n + suffix


def extrapolation_section(seen: dict[str, Any] | None) -> str:
    """The report's account of the training range and of the extrapolation rule (next to the confidence rule)."""
    rule = """
**Extrapolation rule** (`ml/training_range.py`): outside the range the model was trained on, the answer carries
`warnings`, plain sentences naming the field (`ticket_price`, `event_date`), and a lower confidence:
`confidence = clip(1 - (high - low) / (2 × predicted_sales), 0, 1) × price factor × date factor`, where

* price factor = `exp(-d)`, d the largest distance outside the list-price range or a price-ratio range, in log
  price: bound / price above a range, price / bound below it (0.5 at twice the highest list price seen, 0.1 at ten
  times); 0.5 for a venue type the model was trained on no concerts of;
* date factor = `0.5 ^ (days outside / 365)`: halved for each year before the earliest concert of the training
  data, or beyond 18 months (548 days) after the latest.

Inside every range both factors are exactly 1: the confidence rule above applies unchanged, and so does the
prediction. Outside, trees cannot extrapolate (beyond the highest price they were fit on, every price gets the same
answer), so the price has its own response, fitted to the history (see "Pricing" above):

* a price outside the range of price / typical price the trees were fit on (per venue type) is given to the trees
  at the nearer edge of that range, and the fitted willingness-to-pay curve carries the prediction from there:
  `m = min(0, trees(edge) + log S(r) - log S(r_edge))`; the prediction keeps moving with the price, its interval
  is widened by `1 + d` and its confidence multiplied by `exp(-d)` (d = `|log r - log r_edge|`);
* a list price outside its venue type's list-price range, a price far from the artist's or the venue's usual one
  (the features `price_vs_artist`, `price_vs_venue`), and a date outside the span, are warned about.

The hold-out above is scored on the predictions as served.
A model saved before the price response was fitted holds a list price outside its range at the nearer bound, as
it always did, and says so.
The range is stored in `model.json` (and copied into `metadata.json`), so it travels in `model.tar.gz`: the
SageMaker inference script answers the same `warnings` and `confidence_factor` as the local predictor, and the API
serves them (the API never sees the artefact on that path, so it could not compute them itself). A model, or an
endpoint's package, from before the range was recorded loads and predicts as before, without warnings.
"""
    if not seen:
        return rule + "\nThis model version records no training range (trained before it was recorded): no warnings.\n"
    first, last = seen["event_date"]["first"], seen["event_date"]["last"]
    horizon = dt.date.fromisoformat(last) + dt.timedelta(days=int(seen["event_date"].get("horizon_days", 548)))
    q = seen.get("quantiles", [0.01, 0.99])

    def ratio(bounds: list[float] | None) -> str:
        return "n/a" if bounds is None else f"{bounds[0]:.2f}–{bounds[1]:.2f}×"

    rows = "\n".join(
        f"| {name} | {r['rows']:,} | {money(r['ticket_price'][0])}–{money(r['ticket_price'][1])} | "
        f"{ratio(r.get('price_vs_artist'))} | {ratio(r.get('price_vs_venue'))} |"
        for name, r in seen["venue_types"].items()
    )
    span = f"{_ordinal(q[0] * 100)} to {_ordinal(q[1] * 100)} percentile"
    return rule + f"""
This model's range, from the rows the trees were fit on ({span} per venue type); dates from {first} to
{last} (the training data's earliest and latest concert), so a date after {horizon} is warned about:

| venue type | fitting rows | list price | price vs artist's usual | price vs venue's usual |
|---|---:|---|---|---|
{rows}
"""


VENUE_FORECASTS = """
## Venue forecasts: batch scoring

A venue's forecast changes only when the data or the model changes, so it is computed with them, never on a
request. `concert_tools.model.scoring` reads every scheduled concert of the next 180 days with its features in
one statement (`SCHEDULED_CONCERT_FEATURES`), predicts them in one vectorised call of the model, averages the
predicted sell-through per venue and writes `venue_forecasts` (venue_id, horizon_days, forecast_attendance_rate,
model_version, scored_at) into the warehouse *with the data it was computed from*:

* `concert-api data load` / `data generate` (when a model is current): inside the load, before the swap
  (DuckDB builds the new file, scores it, then renames it over the old one; PostgreSQL scores in the load's
  transaction). A load never leaves forecasts of other data behind.
* `concert-api model train`: right after the new version is made current, in a copy of the warehouse file
  swapped in like a load (PostgreSQL: one transaction).
* `concert-api model score`: the same by hand (e.g. daily, as the 180-day window follows the calendar), with
  progress. `concert-api up` scores once when the warehouse predates the table.
* `concert-api model score --endpoint NAME` (or `--endpoint ''` with `SAGEMAKER_VENUE_ENDPOINT` set) sends the
  scheduled concerts to a SageMaker endpoint running the model package, 500 instances a call: a one-off scoring.
  `SAGEMAKER_VENUE_ENDPOINT` is used only there; requests never call it.

The ranking joins the table in its one statement (`queries/venues.py`), so it costs the same with or without
forecasts: one statement on the Data API, no model, no endpoint. Each venue with a forecast also gets
`forecast_model_version` and `forecast_scored_at`; a venue without one gets none of the three fields.
`GET /health?deep=true` probes `venue_forecasts`: an error (status `degraded`) when they were scored by another
model than the one served, or before the data was loaded, naming `concert-api model score`.

On AWS, `concert-api model score --warehouse redshift-data --stage s3://bucket/prefix --sagemaker-model NAME
--redshift-role ARN` (`concert_tools.model.aws_scoring`) fills the same table in Redshift in three steps, with
progress: `UNLOAD` of the same feature statement to `<stage>/<run>/features/` (JSON, one concert a line; one
Data API statement), a SageMaker Batch Transform job (`CreateTransformJob` over the SageMaker model made from
`model package`'s archive: one line a request, `SingleRecord`, since the inference script reads a JSON object or
list and not JSON Lines; each output joined with its input and filtered to the venue and the prediction) written
to `<stage>/<run>/scores/`, then one `BatchExecuteStatement` (one transaction) that `COPY`s the scores into a
staging table with a JSONPaths file and replaces `venue_forecasts` with their mean per venue. A job that does not
complete loads nothing. It needs: `redshift-data:ExecuteStatement`, `BatchExecuteStatement`, `DescribeStatement`
(and the cluster credential action); `s3:PutObject` on the stage; `sagemaker:CreateTransformJob` and
`DescribeTransformJob`; a Redshift role that may write and read the stage (UNLOAD, COPY); the SageMaker model's
execution role reading the stage's features and writing its scores.
"""

DEPLOYING = """
## Deploying to SageMaker

`concert-api model package` writes `model.tar.gz` for the **SageMaker scikit-learn container, framework version
`1.4-2`, `py3` (Python 3.10)**: the model files at the root, `code/inference.py` (entry point) with `model.py`,
`transform.py`, `features.py`, `training_range.py` and `lightgbm_text.py`. Nothing is installed when the endpoint
starts (there is no `code/requirements.txt`), so it starts in a VPC without internet access: the container has
numpy but no LightGBM, and `lightgbm_text.py` walks the trees of `booster.txt` with numpy, giving LightGBM's
predictions exactly. A test loads the package under Python 3.10 with LightGBM absent and the network switched off.

With the `sagemaker` SDK (it wants the entry point as a local file: `tar -xzf model.tar.gz code/` first; it
repacks the same code into the model):

```python
import sagemaker
from sagemaker.sklearn.model import SKLearnModel

session = sagemaker.Session()
model_data = session.upload_data("model.tar.gz", key_prefix="concert-api/ticket-sales")
model = SKLearnModel(model_data=model_data, role="<SageMaker execution role ARN>", entry_point="inference.py",
                     source_dir="code", framework_version="1.4-2", py_version="py3")
model.deploy(initial_instance_count=1, instance_type="ml.m5.large", endpoint_name="ticket-sales")
# then SAGEMAKER_TICKET_ENDPOINT=ticket-sales (and SAGEMAKER_VENUE_ENDPOINT, same package)
```

Without the SDK (boto3; the code is already in the archive under `code/`), with the image URI for the region
(`sagemaker.image_uris.retrieve("sklearn", region, version="1.4-2")`, e.g.
`683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.4-2-cpu-py3`):

```python
import boto3

sm = boto3.client("sagemaker")
sm.create_model(ModelName="ticket-sales", ExecutionRoleArn="<role ARN>", PrimaryContainer={
    "Image": "<sklearn 1.4-2 image URI>", "ModelDataUrl": "s3://<bucket>/concert-api/ticket-sales/model.tar.gz",
    "Environment": {"SAGEMAKER_PROGRAM": "inference.py",
                    "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"}})
sm.create_endpoint_config(EndpointConfigName="ticket-sales", ProductionVariants=[{
    "VariantName": "main", "ModelName": "ticket-sales", "InstanceType": "ml.m5.large",
    "InitialInstanceCount": 1}])
sm.create_endpoint(EndpointName="ticket-sales", EndpointConfigName="ticket-sales")
```

Errors: the container answers 500 for any exception from the script, which InvokeEndpoint reports as
`ModelError`. The script therefore does not raise on a malformed request: it answers 400 with
`{"error": "BadRequest", "message": ...}` (still `ModelError` to the caller, with OriginalStatusCode 400).
The API maps `ModelError` to 502 either way; it never sends a request the script would reject.
"""
