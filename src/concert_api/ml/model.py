"""The trained ticket-sales model: gradient-boosted trees on log sell-through plus a conformal interval.

    median log sell-through  m(x) = min(0, trees(x))           (LightGBM, L1 loss: the conditional median)
    predicted sales          = capacity * exp(m(x))            (never above capacity)
    80% interval             = capacity * exp(m(x) -/+ q_b)    (capped at capacity; q_b: split-conformal
                                                               quantile of |log residual| in the bin b of m(x))

Loaded the same way by the local predictor and by the SageMaker inference script, so it depends only on numpy,
lightgbm and the sibling modules `features` and `transform` (which the SageMaker package ships beside it). The
artefact is text: LightGBM's model file and JSON, no pickle, so it loads across library versions.
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
    from concert_api.ml import transform
except ImportError:  # pragma: no cover - the SageMaker container, where the modules sit side by side
    import transform  # type: ignore[no-redef]

BOOSTER_FILE = "booster.txt"
MODEL_FILE = "model.json"


@dataclass
class Calibration:
    """Split-conformal half-widths (log scale), one per bin of the predicted log sell-through (Mondrian
    conformal): `edges` split the bins, `quantiles[b]` is the half-width of bin b."""

    coverage: float
    edges: list[float]
    quantiles: list[float]

    def half_width(self, m: np.ndarray) -> np.ndarray:
        """The interval's half-width for each predicted log sell-through."""
        return np.asarray(self.quantiles)[np.searchsorted(np.asarray(self.edges), m, side="right")]


class TicketModel:
    """Predicts sales (median), an interval and a confidence for batches of instances."""

    def __init__(self, booster: lgb.Booster, params: transform.TransformParams, calibration: Calibration,
                 version: str) -> None:  # fmt: skip
        self.booster = booster
        self.params = params
        self.calibration = calibration
        self.version = version

    def log_sell_through(self, cols: Mapping[str, np.ndarray]) -> np.ndarray:
        """The predicted median log sell-through (at most 0) of each instance."""
        x = transform.design_matrix(cols, self.params)
        threads = 1 if len(x) < 1000 else 0
        return np.minimum(0.0, np.asarray(self.booster.predict(x, num_threads=threads), dtype=np.float64))

    def predict_columns(self, cols: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Sell-through, predicted sales, interval bounds and confidence for instances given as columns."""
        m = self.log_sell_through(cols)
        capacity = np.asarray(cols["capacity"], dtype=np.float64)
        q = self.calibration.half_width(m)
        sales = capacity * np.exp(m)
        low = capacity * np.exp(m - q)
        high = np.minimum(capacity, capacity * np.exp(m + q))
        conf = np.clip(1.0 - (high - low) / (2.0 * np.maximum(sales, 1e-9)), 0.0, 1.0)  # features.confidence
        return {"sell_through": np.exp(m), "predicted_sales": sales, "low": low, "high": high, "confidence": conf}

    def predict(self, instances: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """One prediction dict per instance (JSON-able): sell_through, predicted_sales, low, high, coverage,
        confidence, model_version."""
        if not instances:
            return []
        out = self.predict_columns(transform.columns_from_instances(instances))
        return [
            {
                "sell_through": round(float(out["sell_through"][i]), 6),
                "predicted_sales": round(float(out["predicted_sales"][i]), 3),
                "low": round(float(out["low"][i]), 3),
                "high": round(float(out["high"][i]), 3),
                "coverage": self.calibration.coverage,
                "confidence": round(float(out["confidence"][i]), 4),
                "model_version": self.version,
            }
            for i in range(len(instances))
        ]

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
            },
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
        calibration = Calibration(float(cal["coverage"]), [float(e) for e in cal["edges"]],
                                  [float(q) for q in cal["quantiles"]])  # fmt: skip
        return cls(booster, transform.TransformParams.from_dict(spec["transform"]), calibration, spec["version"])


def conformal_quantile(scores: np.ndarray, coverage: float) -> float:
    """The split-conformal quantile: the ceil((n + 1) * coverage)-th smallest score (infinite if n is too small)."""
    n = len(scores)
    k = math.ceil((n + 1) * coverage)
    if n == 0 or k > n:
        return math.inf
    return float(np.sort(scores)[k - 1])


def calibrate(m: np.ndarray, actual_log_st: np.ndarray, coverage: float, *, min_per_bin: int = 1000,
              max_bins: int = 4) -> Calibration:  # fmt: skip
    """Mondrian split conformal on a calibration slice: bins of equal count over the predicted log sell-through
    (as many as keep `min_per_bin` rows each, at most `max_bins`; one bin on small data, where more bins
    mostly add variance), and in each bin the conformal quantile of
    |actual - predicted| log sell-through. Coverage holds within each bin, hence overall."""
    bins = max(1, min(max_bins, len(m) // min_per_bin))
    edges = [float(e) for e in np.quantile(m, np.linspace(0, 1, bins + 1))[1:-1]] if bins > 1 else []
    index = np.searchsorted(np.asarray(edges), m, side="right")
    scores = np.abs(actual_log_st - m)
    quantiles = [conformal_quantile(scores[index == b], coverage) for b in range(bins)]
    finite = [q for q in quantiles if math.isfinite(q)]
    fallback = max(finite) if finite else 1.0
    return Calibration(coverage, edges, [q if math.isfinite(q) else fallback for q in quantiles])
