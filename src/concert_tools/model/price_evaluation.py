"""The model's price response scored against the truth: how it predicts sales at prices nobody charged.

The generator's `expected_demand.parquet` holds each concert's whole noise-free demand curve (`demand_ceiling`,
`wtp_median`, `wtp_sigma`: demand at price p is `ceiling x (1 - Phi((log p - log wtp_median) / wtp_sigma))`,
sales `min(demand, capacity)`) and its true revenue-maximising list price. It is read here only, to score, as
the noise floor is: it never reaches a feature or the fit.

For held-out and upcoming concerts, at multiples of the concert's reference price (`MULTIPLES`, 0.4x to 5x):

* MAPE of predicted sales against the true (noise-free, capped) sales, by multiple;
* flat steps: among adjacent multiples where the true sales move by more than 10%, the share where the prediction
  moves by less than 1%;
* interval coverage inside and outside the price range the trees were fit on, against outcomes drawn with the
  generator's noise (`generation.json`'s `noise_sigma`; a fixed seed);
* revenue regret of the price the model would choose (the best of a `GRID_POINTS` grid from `GRID_RANGE` times
  the reference price, as the price-curve API chooses): `(R(p*) - R(p_model)) / R(p*)`, R the true revenue
  `p x min(demand(p), capacity)`, p* the true optimum; median and 90th percentile.

Beside two baselines built from the same trees: `constant` (sales predicted at the reference price, whatever the
price) and `in range only` (the trees with the price held at the edge of their range: the model before the price
response).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import ndtr

from concert_api.ml import features, transform
from concert_api.ml.model import TicketModel

MULTIPLES: tuple[float, ...] = (0.4, 0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0)
GRID_POINTS = 25
GRID_RANGE = (0.4, 5.0)
FLAT_TRUE_MOVE = 0.10
FLAT_PREDICTED_MOVE = 0.01
MAX_CONCERTS = 3000
TRUTH_COLUMNS = ("concert_id", "capacity", "reference_price", "demand_ceiling", "wtp_median", "wtp_sigma",
                 "revenue_maximising_price")  # fmt: skip


@dataclass
class Truth:
    """The ground-truth demand curve of each concert (columns of `expected_demand.parquet`)."""

    capacity: np.ndarray
    reference_price: np.ndarray
    demand_ceiling: np.ndarray
    wtp_median: np.ndarray
    wtp_sigma: np.ndarray
    best_price: np.ndarray

    def sales(self, price: np.ndarray) -> np.ndarray:
        """True noise-free sales at `price`: one price per concert, or a row of prices per concert (2-D)."""
        return np.minimum(self.demand(price), self._column(self.capacity, price))

    def demand(self, price: np.ndarray) -> np.ndarray:
        """True noise-free demand (uncapped) at `price`, shaped as `sales`."""
        median, sigma = self._column(self.wtp_median, price), self._column(self.wtp_sigma, price)
        return np.asarray(self._column(self.demand_ceiling, price) * ndtr(-(np.log(price) - np.log(median)) / sigma))

    @staticmethod
    def _column(values: np.ndarray, price: np.ndarray) -> np.ndarray:
        return values[:, None] if np.ndim(price) == 2 else values

    def revenue(self, price: np.ndarray) -> np.ndarray:
        """True revenue at list price `price`: price x true sales."""
        return price * self.sales(price)


def read_truth(expected_demand_file: Path, concert_ids: np.ndarray) -> Truth:
    """The truth of each concert, in order; `KeyError` naming a concert the file does not cover (or a file from
    a generator that wrote no demand curve)."""
    import pyarrow.parquet as pq

    names = pq.read_schema(expected_demand_file).names
    if "wtp_median" not in names:
        raise KeyError(f"{expected_demand_file} holds no demand curves (generated before generator 2.0)")
    table = pq.read_table(expected_demand_file, columns=list(TRUTH_COLUMNS)).to_pydict()
    position = {c: i for i, c in enumerate(table["concert_id"])}
    try:
        idx = np.array([position[c] for c in concert_ids], dtype=np.int64)
    except KeyError as exc:
        raise KeyError(f"{expected_demand_file} has no expected demand for {exc.args[0]}") from None
    col = {k: np.asarray(table[k], dtype=np.float64)[idx] for k in TRUTH_COLUMNS[1:]}
    return Truth(col["capacity"], col["reference_price"], col["demand_ceiling"], col["wtp_median"],
                 col["wtp_sigma"], col["revenue_maximising_price"])  # fmt: skip


def price_grid(low: float, high: float, points: int) -> np.ndarray:
    """`points` prices evenly spaced in log from `low` to `high`, rounded to the cent (the API's grid too)."""
    return np.round(np.exp(np.linspace(np.log(low), np.log(high), points)), 2)


def _predict_at(model: TicketModel, cols: dict[str, np.ndarray], prices: np.ndarray, mode: str) -> dict[str, Any]:
    """Predictions for every concert (rows of `cols`) at every price (`prices`: concerts x k), in one batch.
    `mode`: `model` (as served), `in_range` (price held at the edge of the range), `constant` (the reference)."""
    n, k = prices.shape
    stacked = {name: np.repeat(v, k) for name, v in cols.items()}
    stacked["ticket_price"] = prices.reshape(-1)
    if mode == "model":
        out = model.predict_columns(stacked)
        return {key: np.asarray(v).reshape(n, k) for key, v in out.items()}
    if mode == "constant":
        ref = {**cols, "ticket_price": prices[:, MULTIPLES.index(1.0)] if k == len(MULTIPLES) else prices[:, 0]}
        sales = model.predict_columns(ref)["predicted_sales"]
        return {"predicted_sales": np.repeat(sales[:, None], k, axis=1)}
    assert model.price_response is not None
    terms = model.price_response.apply(stacked, model.params)
    m = np.minimum(0.0, model.raw_log_sell_through({**stacked, "ticket_price": terms["price"]}))
    return {"predicted_sales": (np.asarray(stacked["capacity"], dtype=np.float64) * np.exp(m)).reshape(n, k)}


def _regret(model: TicketModel, cols: dict[str, np.ndarray], truth: Truth, mode: str) -> np.ndarray:
    grid = np.exp(np.linspace(np.log(GRID_RANGE[0]), np.log(GRID_RANGE[1]), GRID_POINTS))
    prices = truth.reference_price[:, None] * grid[None, :]
    if mode == "constant":
        sales = np.repeat(model.predict_columns({**cols, "ticket_price": truth.reference_price})["predicted_sales"]
                          [:, None], GRID_POINTS, axis=1)  # fmt: skip
    else:
        sales = _predict_at(model, cols, prices, mode)["predicted_sales"]
    choice = prices[np.arange(len(prices)), np.argmax(prices * sales, axis=1)]
    best = truth.revenue(truth.best_price)
    return np.asarray((best - truth.revenue(choice)) / best, dtype=np.float64)


def evaluate_prices(model: TicketModel, cols: dict[str, np.ndarray], truth: Truth, *, noise_sigma: float,
                    seed: int = 0) -> dict[str, Any]:  # fmt: skip
    """The figures of the module's docstring for concerts `cols` (instance columns) with their `truth`."""
    rng = np.random.default_rng(seed)
    multiples = np.asarray(MULTIPLES)
    prices = truth.reference_price[:, None] * multiples[None, :]
    true_sales = truth.sales(prices)
    true_move = np.abs(np.diff(np.log(np.maximum(true_sales, 1.0)), axis=1)) > np.log1p(FLAT_TRUE_MOVE)
    result: dict[str, Any] = {"concerts": len(truth.capacity), "multiples": list(MULTIPLES)}
    for mode in ("model", "in_range", "constant"):
        if mode == "in_range" and model.price_response is None:
            continue
        out = _predict_at(model, cols, prices, mode)
        sales = out["predicted_sales"]
        ape = np.abs(sales - true_sales) / np.maximum(true_sales, 1.0)
        flat = np.abs(np.diff(np.log(np.maximum(sales, 1e-9)), axis=1)) < np.log1p(FLAT_PREDICTED_MOVE)
        regret = _regret(model, cols, truth, mode)
        figures: dict[str, Any] = {
            "mape_by_multiple": {f"{m:g}": float(ape[:, j].mean() * 100) for j, m in enumerate(MULTIPLES)},
            "flat_step_share": float(flat[true_move].mean()) if true_move.any() else 0.0,
            "regret_median": float(np.median(regret) * 100),
            "regret_p90": float(np.percentile(regret, 90) * 100),
        }
        if mode == "model":
            demand = truth.demand(prices)
            outcome = np.minimum(np.round(demand * np.exp(noise_sigma * rng.standard_normal(demand.shape))),
                                 truth.capacity[:, None])  # fmt: skip
            inside = (outcome >= np.floor(out["low"] * 10) / 10) & (outcome <= np.ceil(out["high"] * 10) / 10)
            outside = out["extrapolation"] > 0
            figures["coverage_in_range"] = float(inside[~outside].mean()) if (~outside).any() else None
            figures["coverage_out_of_range"] = float(inside[outside].mean()) if outside.any() else None
            figures["out_of_range_share_by_multiple"] = {f"{m:g}": float(outside[:, j].mean())
                                                         for j, m in enumerate(MULTIPLES)}  # fmt: skip
        result[mode] = figures
    return result


def price_evaluation(warehouse: Any, model: TicketModel, test_cols: dict[str, np.ndarray],
                     test_ids: np.ndarray, expected_demand_file: Path, *, as_of: dt.date,
                     noise_sigma: float) -> dict[str, Any]:  # fmt: skip
    """`evaluate_prices` on the held-out concerts and on the upcoming ones (scheduled on or after `as_of`, with
    the aggregates as of `as_of`), each sampled to at most `MAX_CONCERTS`, and the two together."""
    from concert_api.adapters.warehouse.queries import features as q

    rows = warehouse.query(q.SCHEDULED_CONCERT_FEATURES, {"as_of": as_of, "start": as_of,
                                                           "end": as_of + dt.timedelta(days=3650), "venue_ids": ""})
    upcoming_ids = np.array([r["concert_id"] for r in rows], dtype=object)
    upcoming_cols = transform.columns_from_instances(
        [features.instance(r, event_date=r["event_date"], ticket_price=float(r["ticket_price"])) for r in rows])
    rng = np.random.default_rng(0)
    out: dict[str, Any] = {}
    for name, cols, ids in (("held_out", test_cols, test_ids), ("upcoming", upcoming_cols, upcoming_ids)):
        if len(ids) == 0:
            continue
        take = np.sort(rng.choice(len(ids), min(MAX_CONCERTS, len(ids)), replace=False))
        part = {k: np.asarray(v)[take] for k, v in cols.items()}
        out[name] = evaluate_prices(model, part, read_truth(expected_demand_file, ids[take]), noise_sigma=noise_sigma)
    return out
