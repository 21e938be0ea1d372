"""The trained ticket-sales model: gradient-boosted trees on log sell-through plus a conformal interval.

    median log sell-through  m(x) = min(0, trees(x))           (LightGBM, L1 loss: the conditional median)
    predicted sales          = capacity * exp(m(x))            (never above capacity)
    80% interval             low  = capacity * exp(m(x) - q_b)
                             high = capacity                   if -m(x) <= s_b (a sell-out is in the interval)
                                    min(capacity * exp(m(x) + q_b), capacity - 1) otherwise

b is the bin of m(x) (Mondrian conformal); q_b and s_b are split-conformal quantiles computed separately for the
calibration concerts that did not sell out (|log residual|) and for those that did (-m, the distance of the
prediction from the sell-out boundary): label-conditional conformal, so the interval covers about 80% of the
concerts that sell out and 80% of those that do not, not only 80% overall.

Outside the range the model was trained on (`training_range`: list price per venue type, price relative to the
artist's and the venue's usual price, event date), a prediction carries `warnings` and a `confidence_factor` below
1 that lowers its confidence; a list price outside its range is predicted at the nearer bound. Inside, nothing
changes. The range is stored in model.json, so the SageMaker inference script answers the same warnings.

Loaded the same way by the local predictor and by the SageMaker inference script, so it depends only on numpy,
lightgbm and the sibling modules `features`, `transform` and `training_range` (which the SageMaker package ships
beside it). The artefact is text: LightGBM's model file and JSON, no pickle, so it loads across library versions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

try:
    from concert_api.ml import features, training_range, transform
except ImportError:  # pragma: no cover - the SageMaker container, where the modules sit side by side
    import features  # type: ignore[no-redef]
    import training_range  # type: ignore[no-redef]
    import transform  # type: ignore[no-redef]

BOOSTER_FILE = "booster.txt"
MODEL_FILE = "model.json"


@dataclass
class Calibration:
    """Split-conformal thresholds (log scale), one per bin of the predicted log sell-through m (Mondrian
    conformal): `edges` split the bins; `quantiles[b]` is the half-width of bin b, from the calibration concerts
    that did not sell out; `sold_out_quantiles[b]` is how far below 0 (the sell-out boundary) m may be for the
    interval to reach capacity, from those that sold out. A model saved before `sold_out_quantiles` existed has
    None there: one quantile for all concerts, the interval capped at capacity."""

    coverage: float
    edges: list[float]
    quantiles: list[float]
    sold_out_quantiles: list[float] | None = None

    def _bin(self, m: np.ndarray) -> np.ndarray:
        return np.searchsorted(np.asarray(self.edges), m, side="right")

    def half_width(self, m: np.ndarray) -> np.ndarray:
        """The interval's half-width (log scale) for each predicted log sell-through."""
        return np.asarray(self.quantiles)[self._bin(m)]

    def bounds(self, m: np.ndarray, capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The interval (low, high) in tickets for predicted log sell-through `m` (at most 0) at `capacity`."""
        q = self.half_width(m)
        low = capacity * np.exp(m - q)
        high = capacity * np.exp(np.minimum(0.0, m + q))
        if self.sold_out_quantiles is not None:
            reaches = -m <= np.asarray(self.sold_out_quantiles)[self._bin(m)]
            high = np.where(reaches, capacity, np.minimum(high, np.maximum(capacity - 1.0, 0.0)))
        return low, np.maximum(high, capacity * np.exp(m))


class TicketModel:
    """Predicts sales (median), an interval and a confidence for batches of instances."""

    def __init__(self, booster: lgb.Booster, params: transform.TransformParams, calibration: Calibration,
                 version: str, seen_range: training_range.TrainingRange | None = None) -> None:  # fmt: skip
        self.booster = booster
        self.params = params
        self.calibration = calibration
        self.version = version
        self.training_range = seen_range
        """What the trees were fit on; None for a model saved before ranges were recorded (no checks then)."""

    def log_sell_through(self, cols: Mapping[str, np.ndarray]) -> np.ndarray:
        """The predicted median log sell-through (at most 0) of each instance; a list price outside its venue
        type's training range is predicted at the nearer bound (`TrainingRange.clamp_prices`)."""
        if self.training_range is not None:
            cols = self.training_range.clamp_prices(cols)
        x = transform.design_matrix(cols, self.params)
        threads = 1 if len(x) < 1000 else 0
        return np.minimum(0.0, np.asarray(self.booster.predict(x, num_threads=threads), dtype=np.float64))

    def predict_columns(self, cols: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Sell-through, predicted sales and interval bounds for instances given as columns."""
        m = self.log_sell_through(cols)
        capacity = np.asarray(cols["capacity"], dtype=np.float64)
        low, high = self.calibration.bounds(m, capacity)
        return {"sell_through": np.exp(m), "predicted_sales": capacity * np.exp(m), "low": low, "high": high}

    def predict(self, instances: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """One prediction dict per instance (JSON-able): sell_through, predicted_sales, low, high, coverage,
        confidence (`features.confidence`, times the confidence factor), model_version, warnings (plain sentences;
        empty inside the training range) and confidence_factor (1.0 inside it; see `training_range`)."""
        if not instances:
            return []
        out = self.predict_columns(transform.columns_from_instances(instances))
        predictions = []
        for i, inst in enumerate(instances):
            sales, low, high = (round(float(out[k][i]), 3) for k in ("predicted_sales", "low", "high"))
            warnings, factor = self.training_range.assess(inst) if self.training_range is not None else ([], 1.0)
            predictions.append({
                "sell_through": round(float(out["sell_through"][i]), 6),
                "predicted_sales": sales,
                "low": low,
                "high": high,
                "coverage": self.calibration.coverage,
                "confidence": features.confidence(sales, low, high, factor),
                "model_version": self.version,
                "warnings": warnings,
                "confidence_factor": round(factor, 4),
            })  # fmt: skip
        return predictions

    # --- the artefact -------------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write `booster.txt` (LightGBM's text format) and `model.json` (everything else) into `directory`."""
        directory.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(directory / BOOSTER_FILE))
        spec = {
            "version": self.version,
            "feature_names": list(transform.FEATURE_NAMES),
            "categorical_features": list(transform.CATEGORICAL_FEATURES),
            "transform": self.params.to_dict(),
            "calibration": {
                "coverage": self.calibration.coverage,
                "edges": self.calibration.edges,
                "quantiles": self.calibration.quantiles,
                "sold_out_quantiles": self.calibration.sold_out_quantiles,
            },
            "training_range": None if self.training_range is None else self.training_range.to_dict(),
        }
        (directory / MODEL_FILE).write_text(json.dumps(spec, indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path) -> TicketModel:
        """Read a model written by `save`; `ValueError` if it was trained on other features than this code's."""
        spec = json.loads((Path(directory) / MODEL_FILE).read_text())
        if tuple(spec["feature_names"]) != transform.FEATURE_NAMES:
            raise ValueError(
                f"the model in {directory} was trained on other features than this code computes; retrain it"
            )
        booster = lgb.Booster(model_file=str(Path(directory) / BOOSTER_FILE))
        cal = spec["calibration"]
        sold_out = cal.get("sold_out_quantiles")
        calibration = Calibration(float(cal["coverage"]), [float(e) for e in cal["edges"]],
                                  [float(q) for q in cal["quantiles"]],
                                  None if sold_out is None else [float(q) for q in sold_out])  # fmt: skip
        return cls(booster, transform.TransformParams.from_dict(spec["transform"]), calibration, spec["version"],
                   training_range.TrainingRange.from_dict(spec.get("training_range")))  # fmt: skip


def conformal_quantile(scores: np.ndarray, coverage: float) -> float:
    """The split-conformal quantile: the ceil((n + 1) * coverage)-th smallest score (infinite if n is too small)."""
    n = len(scores)
    k = math.ceil((n + 1) * coverage)
    if n == 0 or k > n:
        return math.inf
    return float(np.sort(scores)[k - 1])


def calibrate(m: np.ndarray, actual_log_st: np.ndarray, coverage: float, *, min_per_bin: int = 1000,
              max_bins: int = 4, min_sold_out: int = 100) -> Calibration:  # fmt: skip
    """Mondrian, label-conditional split conformal on a calibration slice.

    Bins of equal count over the predicted log sell-through m (as many as keep `min_per_bin` rows each, at most
    `max_bins`; one bin on small data, where more bins mostly add variance). Within each bin, two conformal
    quantiles, one per outcome class:
      * concerts that did not sell out: the quantile of |actual - m| (log sell-through): the half-width;
      * concerts that sold out (actual log sell-through 0): the quantile of -m, the prediction's distance from
        the sell-out boundary; the interval reaches capacity when -m is within it. A bin with fewer than
        `min_sold_out` sell-outs uses the quantile over all the sell-outs of the slice.
    A sold-out concert's residual is censored (demand beyond capacity is not seen), so one pooled quantile
    over-covers sell-outs and under-covers the rest; per class, coverage holds for each class in each bin."""
    bins = max(1, min(max_bins, len(m) // min_per_bin))
    edges = [float(e) for e in np.quantile(m, np.linspace(0, 1, bins + 1))[1:-1]] if bins > 1 else []
    index = np.searchsorted(np.asarray(edges), m, side="right")
    sold_out = actual_log_st >= -1e-12
    scores = np.abs(actual_log_st - m)
    quantiles = [conformal_quantile(scores[(index == b) & ~sold_out], coverage) for b in range(bins)]
    finite = [q for q in quantiles if math.isfinite(q)]
    fallback = max(finite) if finite else 1.0
    pooled = conformal_quantile(-m[sold_out], coverage)
    sold_out_quantiles = []
    for b in range(bins):
        distances = -m[(index == b) & sold_out]
        sold_out_quantiles.append(conformal_quantile(distances, coverage) if len(distances) >= min_sold_out
                                  else pooled)  # fmt: skip
    return Calibration(coverage, edges, [q if math.isfinite(q) else fallback for q in quantiles],
                       [q if math.isfinite(q) else 1e9 for q in sold_out_quantiles])  # fmt: skip
