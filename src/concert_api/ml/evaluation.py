"""Hold-out evaluation: the model against two baselines and the noise floor, and the interval's coverage.

Baselines (from the same point-in-time aggregates the model sees):
  * venue average: the venue's average tickets sold so far;
  * artist sell-through: the venue's capacity times the artist's average sell-through so far.
The noise floor is the error of the generator's own noise-free demand, `min(expected demand, capacity)` from
`expected_demand.parquet`: no model can beat it on average (it is the median of tickets sold). It is read here
only, to score, and never reaches a feature.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

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
    coverage_by_bin: list[dict[str, float]] = field(default_factory=list)
    predicted: np.ndarray | None = None
    actual: np.ndarray | None = None
    capacity: np.ndarray | None = None

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
        }
        if self.noise_floor:
            out["mae_over_noise_floor"] = self.model["mae"] / self.noise_floor["mae"]
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
    inside = (actual >= np.floor(out["low"]) - 1e-9) & (actual <= np.ceil(out["high"]) + 1e-9)
    m = np.log(np.maximum(out["sell_through"], 1e-12))
    by_bin = []
    index = np.searchsorted(np.asarray(model.calibration.edges), m, side="right")
    for b, q in enumerate(model.calibration.quantiles):
        sel = index == b
        if sel.any():
            by_bin.append(
                {"bin": b, "rows": int(sel.sum()), "half_width_log": q, "coverage": float(inside[sel].mean())}
            )
    return Evaluation(
        rows=len(actual),
        model=metrics(actual, out["predicted_sales"]),
        venue_baseline=metrics(actual, np.minimum(venue_avg, capacity)),
        artist_baseline=metrics(actual, np.minimum(capacity * artist_st, capacity)),
        noise_floor=metrics(actual, noise_free) if noise_free is not None else None,
        coverage=float(inside.mean()),
        nominal_coverage=model.calibration.coverage,
        mean_relative_width=float(np.mean((out["high"] - out["low"]) / np.maximum(out["predicted_sales"], 1.0))),
        coverage_by_bin=by_bin,
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
