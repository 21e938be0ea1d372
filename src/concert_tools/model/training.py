"""Train the ticket-sales model on the warehouse's completed concerts, with a time-based hold-out.

    oldest 70% of concerts (by date)  -> fit the trees (LightGBM, L1 loss on log sell-through)
    next 15%                          -> calibrate the conformal interval
    latest 15%                        -> hold-out: MAE, MAPE, R², baselines, noise floor, coverage

The hold-out only scores the finished model: no choice is made on it. The number of boosting rounds was tuned
(`tune_rounds`) on a validation slice carved from the training rows alone.

Every concert's features are the aggregates as of the start of its 91-day period (point in time; see
`dataset.point_in_time_columns`). The artefact saved is exactly the model evaluated. It records the range of what
the trees were fit on (`training_range`: per venue type, the 1st-99th percentile of list prices and of the price
over the artist's and the venue's usual price; the date span of the data), against which every prediction is
checked.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from concert_api.adapters.predictors import dataset
from concert_api.adapters.warehouse.base import Warehouse
from concert_api.adapters.warehouse.queries import features as q
from concert_api.ml import artefacts, training_range, transform
from concert_api.ml.model import Calibration, PriceResponse, TicketModel, calibrate
from concert_tools.model.evaluation import Evaluation, evaluate, noise_free_demand

Progress = Callable[[str, int, int], None]
"""Called as `progress(step, done, total)`."""

PERIOD_DAYS = 91
TRAIN_SHARE = 0.70
CALIBRATION_SHARE = 0.15
COVERAGE = 0.80
MIN_CONCERTS = 300

LGB_PARAMS: dict[str, Any] = {
    "objective": "l1",
    "learning_rate": 0.05,
    "num_leaves": 63,
    "min_data_in_leaf": 40,
    "max_bin": 127,
    "feature_fraction": 0.9,
    "verbose": -1,
    "seed": 7,
    "deterministic": True,
}
RESPONSE_MIN_ROWS = 200
RESPONSE_SAMPLE = 3000
RESPONSE_GRID = 9
RESPONSE_FAR_FROM_CAPACITY = -0.3
"""Price response: fitted on rows the trees predict well below capacity (log sell-through under -0.3), where a
sell-out does not censor how demand moves with the price."""
NUM_ROUNDS = 800
"""Chosen by `tune_rounds` on `medium` (seed 42), never on the hold-out nor on the calibration slice: fitted on
the oldest 80% of the training rows, scored (MAE in tickets) on the newest 20% of them, the fewest rounds whose
MAE is within `TUNE_TOLERANCE` of the best (docs/model.md, docs/benchmarks.md; `bench/bench_predict.py --tune`)."""
TUNE_VALIDATION_SHARE = 0.20
TUNE_TOLERANCE = 0.0025
TUNE_CANDIDATES = (100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000)

STEPS = ("reading concerts", "point-in-time features", "fitting the trees", "calibrating the interval",
         "evaluating the hold-out", "done")  # fmt: skip


class NotEnoughData(ValueError):
    """The warehouse holds too few completed concerts to train and evaluate a model."""


@dataclass
class Split:
    """Date boundaries of the time-based split: train < calibration_start <= calibration < test_start <= test."""

    first: dt.date
    calibration_start: dt.date
    test_start: dt.date
    end: dt.date  # exclusive: the day after the latest completed concert


@dataclass
class TrainResult:
    model: TicketModel
    evaluation: Evaluation
    metadata: dict[str, Any]


def train(
    warehouse: Warehouse,
    *,
    data_snapshot: dict[str, Any] | None = None,
    expected_demand_file: Path | None = None,
    progress: Progress | None = None,
    num_threads: int | None = None,
) -> TrainResult:
    """Train, calibrate and evaluate a model on everything the warehouse holds; nothing is written.

    `data_snapshot` (e.g. the generator's generation.json) goes into the metadata; `expected_demand_file` adds the
    noise floor to the evaluation."""
    report = progress or (lambda _s, _d, _t: None)
    started = time.perf_counter()
    report(STEPS[0], 0, len(STEPS) - 1)
    concerts, split = _completed_concerts(warehouse)

    report(STEPS[1], 1, len(STEPS) - 1)
    cols = dataset.point_in_time_columns(warehouse, concerts, period_days=PERIOD_DAYS)
    features_seconds = time.perf_counter() - started
    days = concerts.event_date
    parts = {
        "train": days < np.datetime64(split.calibration_start),
        "calibration": (days >= np.datetime64(split.calibration_start)) & (days < np.datetime64(split.test_start)),
        "test": days >= np.datetime64(split.test_start),
    }
    sub = {name: {k: v[mask] for k, v in cols.items()} for name, mask in parts.items()}
    y = {name: concerts.tickets_sold[mask] for name, mask in parts.items()}

    report(STEPS[2], 2, len(STEPS) - 1)
    fit_started = time.perf_counter()
    params = fit_transform_params(sub["train"], y["train"])
    booster = _fit(sub["train"], y["train"], params, NUM_ROUNDS, num_threads)
    fit_seconds = time.perf_counter() - fit_started
    version = artefacts.new_version()
    seen = training_range.fit(sub["train"], first_date=split.first,
                              last_date=split.end - dt.timedelta(days=1))  # fmt: skip
    model = TicketModel(booster, params, Calibration(COVERAGE, [], [0.0]), version, seen)  # calibrated next
    model.price_response = fit_price_response(model, sub["train"])

    report(STEPS[3], 3, len(STEPS) - 1)
    m_cal = model.log_sell_through(sub["calibration"])
    actual_cal = dataset.log_sell_through(y["calibration"], sub["calibration"]["capacity"])
    model.calibration = calibrate(m_cal, actual_cal, COVERAGE)

    report(STEPS[4], 4, len(STEPS) - 1)
    noise_free = None
    if expected_demand_file is not None:
        noise_free = noise_free_demand(expected_demand_file, concerts.concert_id[parts["test"]])
    evaluation = evaluate(
        model, sub["test"], y["test"],
        fallback_tickets=float(y["train"].mean()),
        fallback_sell_through=params.prior_st,
        noise_free=noise_free,
    )  # fmt: skip
    total_seconds = time.perf_counter() - started
    metadata = {
        "version": version,
        "kind": "ticket_sales",
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data_snapshot": data_snapshot,
        "warehouse": warehouse.backend,
        "rows": {name: int(mask.sum()) for name, mask in parts.items()},
        "split": {k: v.isoformat() for k, v in vars(split).items()},
        "period_days": PERIOD_DAYS,
        "features": list(transform.FEATURE_NAMES),
        "categorical_features": list(transform.CATEGORICAL_FEATURES),
        "target": "log sell-through (tickets / capacity, capped at 1); L1 loss: the conditional median",
        "algorithm": {"library": "lightgbm", "version": lgb.__version__, "params": LGB_PARAMS,
                      "num_boost_round": NUM_ROUNDS,
                      "num_boost_round_tuned_on": "a validation slice of the training rows (tune_rounds); "
                                                  "never the calibration slice or the hold-out"},
        "interval": {"method": "Mondrian, label-conditional split conformal: per bin of predicted log "
                               "sell-through, |log residual| of the concerts that did not sell out and the "
                               "distance of the prediction from capacity of those that did",
                     "coverage": COVERAGE, "edges": model.calibration.edges,
                     "half_widths": model.calibration.quantiles,
                     "sold_out_distances": model.calibration.sold_out_quantiles},
        "training_range": seen.to_dict(),
        "price_response": model.price_response.to_dict(),
        "baseline_fallbacks": {"tickets": float(y["train"].mean()), "sell_through": params.prior_st},
        "metrics": evaluation.summary(),
        "timings_seconds": {"features": round(features_seconds, 2), "fit": round(fit_seconds, 2),
                            "total": round(total_seconds, 2)},
        "machine": {"cores": os.cpu_count(), "num_threads": num_threads or os.cpu_count() or 1,
                    "load_average": [round(x, 2) for x in os.getloadavg()]},
    }
    report(STEPS[5], 5, len(STEPS) - 1)
    return TrainResult(model, evaluation, metadata)


def tune_rounds(
    warehouse: Warehouse,
    *,
    candidates: tuple[int, ...] = TUNE_CANDIDATES,
    validation_share: float = TUNE_VALIDATION_SHARE,
    tolerance: float = TUNE_TOLERANCE,
    num_threads: int | None = None,
) -> dict[str, Any]:
    """How many boosting rounds, measured on the training rows only.

    The training slice of `train`'s split (the oldest 70% of concerts) is cut again by date: the trees are fit on
    its oldest `1 - validation_share` and scored on its newest `validation_share` (MAE in tickets after each
    candidate number of rounds). The calibration slice and the hold-out are not read. Returns the MAE curve and
    `best_rounds`, the fewest rounds within `tolerance` (relative) of the lowest MAE."""
    concerts, split = _completed_concerts(warehouse)
    train_rows = concerts.take(concerts.event_date < np.datetime64(split.calibration_start))
    cols = dataset.point_in_time_columns(warehouse, train_rows, period_days=PERIOD_DAYS)
    days = train_rows.event_date
    cut = days[int(len(days) * (1.0 - validation_share))]
    fit_mask, val_mask = days < cut, days >= cut
    if not fit_mask.any() or not val_mask.any():
        raise NotEnoughData("the training slice spans too few days to carve a validation slice from it")
    fit_cols = {k: v[fit_mask] for k, v in cols.items()}
    val_cols = {k: v[val_mask] for k, v in cols.items()}
    y_fit, y_val = train_rows.tickets_sold[fit_mask], train_rows.tickets_sold[val_mask]
    params = fit_transform_params(fit_cols, y_fit)
    started = time.perf_counter()
    booster = _fit(fit_cols, y_fit, params, max(candidates), num_threads)
    fit_seconds = time.perf_counter() - started
    x_val = transform.design_matrix(val_cols, params)
    capacity = val_cols["capacity"].astype(np.float64)
    curve = {}
    for rounds in sorted(candidates):
        m = np.minimum(0.0, booster.predict(x_val, num_iteration=rounds))
        curve[rounds] = float(np.mean(np.abs(capacity * np.exp(m) - y_val)))
    best = min(curve.values())
    chosen = min(r for r, mae in curve.items() if mae <= best * (1.0 + tolerance))
    return {"fit_rows": int(fit_mask.sum()), "validation_rows": int(val_mask.sum()),
            "validation_from": _as_date(cut).isoformat(), "validation_to": split.calibration_start.isoformat(),
            "mae_by_rounds": curve, "best_rounds": chosen, "tolerance": tolerance,
            "fit_seconds": round(fit_seconds, 2)}  # fmt: skip


def fit_price_response(model: TicketModel, cols: dict[str, np.ndarray], *, seed: int = 0) -> PriceResponse:
    """The price response beyond the trees' range, learned from the trees inside it (never from the generator).

    Per venue type: the range of price / typical price of the fitting rows (1st-99th percentile); the trees'
    partial dependence on that ratio over the range (mean log sell-through of up to `RESPONSE_SAMPLE` rows far from
    capacity, each re-priced at `RESPONSE_GRID` ratios across the range, in one batch); and the willingness-to-pay
    curve `log S(r) = log(1 - Phi((log r - log_median) / sigma))` (plus a constant) closest to it in least
    squares. A venue type with fewer than `RESPONSE_MIN_ROWS` rows gets the pooled range and curve (the medians)."""
    rng = np.random.default_rng(seed)
    typical = transform.typical_price(cols, model.params)
    ratio = np.asarray(cols["ticket_price"], dtype=np.float64) / typical
    vtypes = np.asarray(cols["venue_type"], dtype=object)
    fitted: dict[str, dict[str, float]] = {}
    for name in transform.VENUE_TYPES:
        rows = np.flatnonzero(vtypes == name)
        if len(rows) < RESPONSE_MIN_ROWS:
            continue
        lo, hi = (float(x) for x in np.quantile(ratio[rows], training_range.QUANTILES))
        sample = rng.choice(rows, min(RESPONSE_SAMPLE, len(rows)), replace=False)
        part = {k: v[sample] for k, v in cols.items()}
        far = model.raw_log_sell_through(part) < RESPONSE_FAR_FROM_CAPACITY
        if far.sum() >= 50:
            part = {k: v[far] for k, v in part.items()}
        grid = np.exp(np.linspace(np.log(lo), np.log(hi), RESPONSE_GRID))
        n = len(part["ticket_price"])
        stacked = {k: np.tile(v, RESPONSE_GRID) for k, v in part.items()}
        typical_part = transform.typical_price(part, model.params)
        stacked["ticket_price"] = np.tile(typical_part, RESPONSE_GRID) * np.repeat(grid, n)
        curve = model.raw_log_sell_through(stacked).reshape(RESPONSE_GRID, n).mean(axis=1)
        log_median, sigma = _fit_share_curve(grid, curve)
        fitted[name] = {"low": round(lo, 4), "high": round(hi, 4), "log_median": log_median, "sigma": sigma}
    if not fitted:
        raise NotEnoughData("no venue type has enough concerts to fit the price response")
    pooled = {k: float(np.median([f[k] for f in fitted.values()])) for k in ("low", "high", "log_median", "sigma")}
    return PriceResponse(fitted, pooled)


def _fit_share_curve(ratio: np.ndarray, curve: np.ndarray) -> tuple[float, float]:
    """(log_median, sigma) whose log S(ratio), shifted by the best constant, is nearest `curve` (grid search)."""
    log_medians = np.arange(-1.5, 3.0, 0.01)
    sigmas = np.arange(0.15, 2.0, 0.01)
    mu, sg = np.meshgrid(log_medians, sigmas, indexing="ij")
    shape = PriceResponse.log_share(ratio[None, None, :], mu[..., None], sg[..., None])
    resid = curve[None, None, :] - shape
    resid -= resid.mean(axis=-1, keepdims=True)
    i, j = np.unravel_index(np.argmin(np.sum(resid**2, axis=-1)), mu.shape)
    return round(float(log_medians[i]), 4), round(float(sigmas[j]), 4)


def _completed_concerts(warehouse: Warehouse) -> tuple[dataset.Concerts, Split]:
    latest = warehouse.query(q.LATEST_COMPLETED_DATE)[0]["latest"]
    if latest is None:
        raise NotEnoughData("the warehouse holds no completed concerts")
    end = _as_date(latest) + dt.timedelta(days=1)
    concerts = dataset.load_concerts(warehouse, end)
    if len(concerts) < MIN_CONCERTS:
        raise NotEnoughData(f"{len(concerts)} completed concerts; at least {MIN_CONCERTS} are needed")
    return concerts, split_dates(concerts, end)


def _fit(cols: dict[str, np.ndarray], tickets: np.ndarray, params: transform.TransformParams, rounds: int,
         num_threads: int | None) -> lgb.Booster:  # fmt: skip
    x = transform.design_matrix(cols, params)
    target = dataset.log_sell_through(tickets, cols["capacity"])
    return lgb.train(
        {**LGB_PARAMS, "num_threads": num_threads or os.cpu_count() or 1},
        lgb.Dataset(x, target, feature_name=list(transform.FEATURE_NAMES),
                    categorical_feature=list(transform.CATEGORICAL_FEATURES), free_raw_data=True),
        num_boost_round=rounds,
    )  # fmt: skip


def save(result: TrainResult, model_dir: Path, *, make_current: bool = True) -> Path:
    """Write the model and its metadata under `<model_dir>/ticket_sales/<version>/` and point `current` at it."""
    directory = artefacts.model_root(model_dir) / result.model.version
    result.model.save(directory)
    (directory / artefacts.METADATA_FILE).write_text(json.dumps(result.metadata, indent=2, default=str) + "\n")
    if make_current:
        artefacts.set_current(model_dir, result.model.version)
    return directory


def split_dates(concerts: dataset.Concerts, end: dt.date) -> Split:
    """Date boundaries at the 70% and 85% quantiles of the concerts, so that a day is never split."""
    days = concerts.event_date
    n = len(days)
    cal = days[int(n * TRAIN_SHARE)]
    test = days[int(n * (TRAIN_SHARE + CALIBRATION_SHARE))]
    if not days[0] < cal < test:
        raise NotEnoughData("the concerts span too few days for a time-based hold-out")
    return Split(_as_date(days[0]), _as_date(cal), _as_date(test), end)


def fit_transform_params(cols: dict[str, np.ndarray], tickets: np.ndarray) -> transform.TransformParams:
    """The priors of the shrunk averages and the typical-price regression, from the training rows only."""
    vtype = transform.codes(cols["venue_type"], transform.VENUE_TYPES)
    log_city = np.log(np.maximum(cols["city_population"], 1.0))
    design = transform.price_design(cols["popularity"], log_city, vtype)
    coef, *_ = np.linalg.lstsq(design, np.log(cols["ticket_price"]), rcond=None)
    st = dataset.sell_through(tickets, cols["capacity"])
    return transform.TransformParams(
        prior_st=float(st.mean()),
        prior_log_st=float(dataset.log_sell_through(tickets, cols["capacity"]).mean()),
        prior_sold_out=float((st >= 1.0).mean()),
        price_coef=[float(c) for c in coef],
    )


def _as_date(value: Any) -> dt.date:
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]").astype(dt.date)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
