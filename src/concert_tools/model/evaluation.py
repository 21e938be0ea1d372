"""Hold-out evaluation: the model against two baselines and the noise floor, and the interval's coverage.

Baselines (from the same point-in-time aggregates the model sees):
  * venue average: the venue's average tickets sold so far;
  * artist sell-through: the venue's capacity times the artist's average sell-through so far.
The noise floor is the error of the generator's own noise-free demand, `min(expected demand, capacity)` from
`expected_demand.parquet`: no model can beat it on average (it is the median of tickets sold). It is read here
only, to score, and never reaches a feature.

Coverage is scored on exactly the interval the API serves (`features.served_interval`: clamped, rounded to
0.1 ticket), overall, per bin of the prediction and separately for the concerts that sold out and those that
did not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from concert_api.ml import features
from concert_api.ml.model import TicketModel


def metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """MAE (tickets), MAPE (%, over concerts with at least one ticket sold) and R²."""
    err = predicted - actual
    sold = actual >= 1
    ss_res = float(np.sum(err**2))
    ss_tot = float(np.sum((actual - actual.mean()) ** 2)) or 1.0
    return {
        "mae": float(np.mean(np.abs(err))),
        "mape": float(np.mean(np.abs(err[sold]) / actual[sold]) * 100.0) if sold.any() else float("nan"),
        "r2": 1.0 - ss_res / ss_tot,
    }


@dataclass
class Evaluation:
    """What `model evaluate` reports, and what training stores in the artefact's metadata."""

    rows: int
    model: dict[str, float]
    venue_baseline: dict[str, float]
    artist_baseline: dict[str, float]
    noise_floor: dict[str, float] | None
    coverage: float
    nominal_coverage: float
    mean_relative_width: float
    coverage_by_bin: list[dict[str, Any]] = field(default_factory=list)
    coverage_by_outcome: dict[str, dict[str, float]] = field(default_factory=dict)
    predicted: np.ndarray | None = None
    actual: np.ndarray | None = None
    capacity: np.ndarray | None = None
    pricing: dict[str, Any] | None = None
    """The price response against the true demand curves (`price_evaluation`), when the truth is at hand."""

    def summary(self) -> dict[str, Any]:
        """The JSON-able figures (no arrays)."""
        better = min(self.venue_baseline["mae"], self.artist_baseline["mae"])
        out: dict[str, Any] = {
            "rows": self.rows,
            "model": self.model,
            "venue_baseline": self.venue_baseline,
            "artist_baseline": self.artist_baseline,
            "noise_floor": self.noise_floor,
            "mae_vs_better_baseline": self.model["mae"] / better - 1.0,
            "coverage": self.coverage,
            "nominal_coverage": self.nominal_coverage,
            "mean_relative_width": self.mean_relative_width,
            "coverage_by_bin": self.coverage_by_bin,
            "coverage_by_outcome": self.coverage_by_outcome,
        }
        if self.noise_floor:
            out["mae_over_noise_floor"] = self.model["mae"] / self.noise_floor["mae"]
        if self.pricing:
            out["pricing"] = self.pricing
        return out


def evaluate(
    model: TicketModel,
    cols: dict[str, np.ndarray],
    actual: np.ndarray,
    *,
    fallback_tickets: float,
    fallback_sell_through: float,
    noise_free: np.ndarray | None = None,
) -> Evaluation:
    """Score `model` on hold-out instances (`cols`) with outcomes `actual`; `noise_free` is each concert's capped
    noise-free demand when known. The fallbacks stand in for baselines where a venue or artist has no history."""
    out = model.predict_columns(cols)
    capacity = np.asarray(cols["capacity"], dtype=np.float64)
    v_n, a_n = cols["v_n"], cols["a_n"]
    with np.errstate(invalid="ignore", divide="ignore"):
        venue_avg = np.where(v_n > 0, cols["v_sum_tickets"] / np.where(v_n > 0, v_n, 1), fallback_tickets)
        artist_st = np.where(a_n > 0, cols["a_sum_st"] / np.where(a_n > 0, a_n, 1), fallback_sell_through)
    served = np.array([features.served_interval(p, lo, hi, c) for p, lo, hi, c
                       in zip(out["predicted_sales"], out["low"], out["high"], capacity, strict=True)],
                      dtype=np.float64).reshape(-1, 3)  # fmt: skip
    sales, low, high = served[:, 0], served[:, 1], served[:, 2]
    inside = (actual >= low) & (actual <= high)
    sold_out = actual >= capacity
    by_outcome = {
        name: {"rows": int(sel.sum()), "coverage": float(inside[sel].mean()) if sel.any() else float("nan")}
        for name, sel in (("sold_out", sold_out), ("not_sold_out", ~sold_out))
    }
    m = np.log(np.maximum(out["sell_through"], 1e-12))
    cal = model.calibration
    by_bin = []
    index = np.searchsorted(np.asarray(cal.edges), m, side="right")
    for b, q in enumerate(cal.quantiles):
        sel = index == b
        if sel.any():
            by_bin.append({
                "bin": b, "rows": int(sel.sum()), "half_width_log": q,
                "sold_out_log": cal.sold_out_quantiles[b] if cal.sold_out_quantiles is not None else None,
                "sold_out_share": float(sold_out[sel].mean()),
                "coverage": float(inside[sel].mean()),
                "coverage_sold_out": float(inside[sel & sold_out].mean()) if (sel & sold_out).any() else None,
                "coverage_not_sold_out": float(inside[sel & ~sold_out].mean()) if (sel & ~sold_out).any() else None,
            })  # fmt: skip
    return Evaluation(
        rows=len(actual),
        model=metrics(actual, sales),
        venue_baseline=metrics(actual, np.minimum(venue_avg, capacity)),
        artist_baseline=metrics(actual, np.minimum(capacity * artist_st, capacity)),
        noise_floor=metrics(actual, noise_free) if noise_free is not None else None,
        coverage=float(inside.mean()),
        nominal_coverage=model.calibration.coverage,
        mean_relative_width=float(np.mean((high - low) / np.maximum(sales, 1.0))),
        coverage_by_bin=by_bin,
        coverage_by_outcome=by_outcome,
        predicted=out["predicted_sales"],
        actual=actual,
        capacity=capacity,
    )


def noise_free_demand(expected_demand_file: Path, concert_ids: np.ndarray) -> np.ndarray:
    """Each concert's capped noise-free demand from the generator's `expected_demand.parquet`; `KeyError` naming a
    concert it does not cover (the warehouse holds other data than the file describes)."""
    import pyarrow.parquet as pq

    table = pq.read_table(expected_demand_file, columns=["concert_id", "expected_demand_capped"]).to_pydict()
    lookup = dict(zip(table["concert_id"], table["expected_demand_capped"], strict=True))
    try:
        return np.array([lookup[c] for c in concert_ids], dtype=np.float64)
    except KeyError as exc:
        raise KeyError(f"{expected_demand_file} has no expected demand for {exc.args[0]}") from None


def plot_predicted_vs_actual(evaluation: Evaluation, path: Path, *, max_points: int = 20_000) -> Path:
    """A log-log scatter of predicted against actual tickets sold on the hold-out, with the y = x line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    assert evaluation.predicted is not None and evaluation.actual is not None
    rng = np.random.default_rng(0)
    idx = np.arange(evaluation.rows)
    if len(idx) > max_points:
        idx = rng.choice(idx, max_points, replace=False)
    pred, act = evaluation.predicted[idx], evaluation.actual[idx]
    fig, ax = plt.subplots(figsize=(6.4, 6.0), dpi=110)
    ax.scatter(np.maximum(act, 1), np.maximum(pred, 1), s=3, alpha=0.25, color="#1f77b4", linewidths=0)
    hi = float(max(act.max(), pred.max(), 10)) * 1.2
    lo = max(1.0, float(min(act.min(), pred.min())) * 0.8)
    ax.plot([lo, hi], [lo, hi], color="#d62728", linewidth=1, label="predicted = actual")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("actual tickets sold")
    ax.set_ylabel("predicted tickets sold (median)")
    ax.set_title(f"Hold-out: {evaluation.rows:,} concerts, MAE {evaluation.model['mae']:.0f}, "
                 f"R² {evaluation.model['r2']:.3f}")  # fmt: skip
    ax.legend(loc="upper left")
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
