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

Trees cannot extrapolate: beyond the prices they were fit on they answer a constant. So the price has its own
response (`PriceResponse`), fitted by training to what the trees learned inside the range (never to the
generator's coefficients): per venue type, the share of fans willing to pay a price r times the typical price,
`log S(r) = log(1 - Phi((log r - log_median) / sigma))`, a demand curve whose elasticity grows with the price.

    r = ticket_price / typical price            (transform.typical_price: the price regression of the history)
    r_b = r clipped to the venue type's range   (1st-99th percentile of the fitting rows)
    m(x, p) = min(0, trees(x at r_b) + log S(r) - log S(r_b))

Inside the range r_b = r and the trees answer alone, exactly as before; outside, the prediction moves with the
price along the fitted curve, its interval is widened by `1 + d` (d = |log r - log r_b|) and its confidence is
multiplied by exp(-d). Outside the range the model was trained on (`training_range`: list price per venue type,
price relative to the artist's and the venue's usual price, event date) a prediction also carries `warnings`.
Both are stored in model.json, so the SageMaker inference script answers the same. A model saved without a price
response holds a list price outside its range at the nearer bound, as it always did.

`sell_out_probability` maps m through the share of calibration concerts that sold out at that predicted m
(monotone, interpolated): a model of the outcome, not of the median.

Loaded the same way by the local predictor and by the SageMaker inference script, so it depends only on numpy,
lightgbm, scipy (a dependency of lightgbm, and in the scikit-learn container) and the sibling modules
`features`, `transform` and `training_range` (which the SageMaker package ships
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
from scipy.special import log_ndtr

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
    sold_out_curve: list[list[float]] | None = None
    """[m, share of calibration concerts that sold out] points, m increasing, share non-decreasing."""

    def sell_out_probability(self, m: np.ndarray) -> np.ndarray | None:
        """The chance each concert sells out at predicted log sell-through m (None without a curve)."""
        if not self.sold_out_curve:
            return None
        xs, ys = np.asarray(self.sold_out_curve, dtype=np.float64).T
        return np.asarray(np.interp(m, xs, ys), dtype=np.float64)

    def _bin(self, m: np.ndarray) -> np.ndarray:
        return np.searchsorted(np.asarray(self.edges), m, side="right")

    def half_width(self, m: np.ndarray) -> np.ndarray:
        """The interval's half-width (log scale) for each predicted log sell-through."""
        return np.asarray(self.quantiles)[self._bin(m)]

    def bounds(self, m: np.ndarray, capacity: np.ndarray,
               widen: np.ndarray | float = 1.0) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """The interval (low, high) in tickets for predicted log sell-through `m` (at most 0) at `capacity`;
        `widen` (at least 1) multiplies the half-widths (an extrapolated price)."""
        q = self.half_width(m) * widen
        low = capacity * np.exp(m - q)
        high = capacity * np.exp(np.minimum(0.0, m + q))
        if self.sold_out_quantiles is not None:
            reaches = -m <= np.asarray(self.sold_out_quantiles)[self._bin(m)] * widen
            high = np.where(reaches, capacity, np.minimum(high, np.maximum(capacity - 1.0, 0.0)))
        return low, np.maximum(high, capacity * np.exp(m))


@dataclass
class PriceResponse:
    """The price response beyond the trees' range (see the module's docstring), per venue type: `low`, `high`
    (range of price / typical price of the fitting rows), `log_median`, `sigma` (the fitted curve). `pooled`
    (the median of each) serves a venue type with too few rows for a fit of its own."""

    venue_types: dict[str, dict[str, float]]
    pooled: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, stored in model.json."""
        return {"venue_types": self.venue_types, "pooled": self.pooled}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> PriceResponse | None:
        """Inverse of `to_dict`; None for a model saved without a price response."""
        if not data:
            return None
        return cls({k: {f: float(x) for f, x in v.items()} for k, v in data["venue_types"].items()},
                   {f: float(x) for f, x in data["pooled"].items()})  # fmt: skip

    @staticmethod
    def log_share(ratio: np.ndarray, log_median: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        """log(1 - Phi((log ratio - log_median) / sigma)): the log share of buyers left at that price ratio."""
        return np.asarray(log_ndtr(-(np.log(ratio) - log_median) / sigma), dtype=np.float64)

    def apply(self, cols: Mapping[str, np.ndarray], params: transform.TransformParams) -> dict[str, np.ndarray]:
        """For each instance: `price` (the price the trees are given: r clipped into the range, times the typical
        price), `delta` (log S(r) - log S(r_b), added to the trees' answer), `distance` (|log r - log r_b|),
        `ratio`, `low`, `high` and `typical`."""
        typical = transform.typical_price(cols, params)
        names = np.asarray(cols["venue_type"], dtype=object)
        fields = ("low", "high", "log_median", "sigma")
        table = {f: np.array([self.venue_types.get(str(v), self.pooled)[f] for v in names], dtype=np.float64)
                 for f in fields}  # fmt: skip
        ratio = np.asarray(cols["ticket_price"], dtype=np.float64) / typical
        clipped = np.clip(ratio, table["low"], table["high"])
        delta = self.log_share(ratio, table["log_median"], table["sigma"]) - self.log_share(
            clipped, table["log_median"], table["sigma"])
        return {"price": clipped * typical, "delta": delta, "distance": np.abs(np.log(ratio / clipped)),
                "ratio": ratio, "low": table["low"], "high": table["high"], "typical": typical}


class TicketModel:
    """Predicts sales (median), an interval and a confidence for batches of instances."""

    def __init__(self, booster: lgb.Booster, params: transform.TransformParams, calibration: Calibration,
                 version: str, seen_range: training_range.TrainingRange | None = None,
                 price_response: PriceResponse | None = None) -> None:  # fmt: skip
        self.booster = booster
        self.params = params
        self.calibration = calibration
        self.version = version
        self.training_range = seen_range
        """What the trees were fit on; None for a model saved before ranges were recorded (no checks then)."""
        self.price_response = price_response
        """The price response beyond the trees' range; None for a model saved before it existed (prices held)."""

    def raw_log_sell_through(self, cols: Mapping[str, np.ndarray]) -> np.ndarray:
        """The trees' own answer (log sell-through, not capped at 0) for instances as given: no clipping."""
        x = transform.design_matrix(cols, self.params)
        threads = 1 if len(x) < 1000 else 0
        return np.asarray(self.booster.predict(x, num_threads=threads), dtype=np.float64)

    def _log_sell_through(self, cols: Mapping[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray] | None]:
        """(m, the price response's terms or None): the trees at the clipped price plus the response's delta."""
        if self.price_response is not None:
            terms = self.price_response.apply(cols, self.params)
            raw = self.raw_log_sell_through({**cols, "ticket_price": terms["price"]})
            return np.minimum(0.0, raw + terms["delta"]), terms
        if self.training_range is not None:
            cols = self.training_range.clamp_prices(cols)
        return np.minimum(0.0, self.raw_log_sell_through(cols)), None

    def log_sell_through(self, cols: Mapping[str, np.ndarray]) -> np.ndarray:
        """The predicted median log sell-through (at most 0) of each instance: the trees inside the price range,
        the fitted price response beyond it (a model without one holds a list price outside its venue type's
        training range at the nearer bound, `TrainingRange.clamp_prices`)."""
        return self._log_sell_through(cols)[0]

    def predict_columns(self, cols: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Sell-through, predicted sales, interval bounds (widened outside the price range), the distance outside
        it (`extrapolation`, log price; 0 inside) and the sell-out probability, for instances given as columns."""
        m, terms = self._log_sell_through(cols)
        capacity = np.asarray(cols["capacity"], dtype=np.float64)
        distance = terms["distance"] if terms is not None else np.zeros(len(m))
        low, high = self.calibration.bounds(m, capacity, 1.0 + distance)
        out = {"sell_through": np.exp(m), "predicted_sales": capacity * np.exp(m), "low": low, "high": high,
               "extrapolation": distance}  # fmt: skip
        probability = self.calibration.sell_out_probability(m)
        if probability is not None:
            out["sell_out_probability"] = probability
        if terms is not None:
            out.update({f"ratio_{k}": terms[k] for k in ("low", "high")}, price_ratio=terms["ratio"],
                       typical_price=terms["typical"])  # fmt: skip
        return out

    def predict(self, instances: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """One prediction dict per instance (JSON-able): sell_through, predicted_sales, low, high, coverage,
        confidence (`features.confidence`, times the confidence factor), model_version, warnings (plain sentences;
        empty inside the training range) and confidence_factor (1.0 inside it; see `training_range`)."""
        if not instances:
            return []
        out = self.predict_columns(transform.columns_from_instances(instances))
        extrapolates = self.price_response is not None
        predictions = []
        for i, inst in enumerate(instances):
            sales, low, high = (round(float(out[k][i]), 3) for k in ("predicted_sales", "low", "high"))
            warnings, factor = (self.training_range.assess(inst, extrapolates=extrapolates)
                                if self.training_range is not None else ([], 1.0))  # fmt: skip
            distance = float(out["extrapolation"][i])
            if distance > 0:
                factor = round(min(factor, math.exp(-distance)), 4)  # served rounded: the confidence uses it so
                if not any(w.startswith("ticket_price") for w in warnings):
                    warnings.append(_ratio_warning(inst, out, i))
            extra = {}
            if "sell_out_probability" in out:
                extra["sell_out_probability"] = round(float(out["sell_out_probability"][i]), 4)
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
                **extra,
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
                "sold_out_curve": self.calibration.sold_out_curve,
            },
            "training_range": None if self.training_range is None else self.training_range.to_dict(),
            "price_response": None if self.price_response is None else self.price_response.to_dict(),
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
        curve = cal.get("sold_out_curve")
        calibration = Calibration(float(cal["coverage"]), [float(e) for e in cal["edges"]],
                                  [float(q) for q in cal["quantiles"]],
                                  None if sold_out is None else [float(q) for q in sold_out],
                                  None if curve is None else [[float(a), float(b)] for a, b in curve])  # fmt: skip
        return cls(booster, transform.TransformParams.from_dict(spec["transform"]), calibration, spec["version"],
                   training_range.TrainingRange.from_dict(spec.get("training_range")),
                   PriceResponse.from_dict(spec.get("price_response")))  # fmt: skip


def _ratio_warning(inst: Mapping[str, Any], out: Mapping[str, np.ndarray], i: int) -> str:
    """The warning for a price outside the range of price / typical price the trees were fit on."""
    ratio, lo, hi = (float(out[k][i]) for k in ("price_ratio", "ratio_low", "ratio_high"))
    typical = float(out["typical_price"][i])
    price = training_range.money(float(inst["ticket_price"]))
    side = "more" if ratio > hi else "fewer"
    return (f"ticket_price {price} is {ratio:.2f} times the typical price for this act at a {inst.get('venue_type')} "
            f"({training_range.money(round(typical, 2))}); the {inst.get('venue_type')} concerts the model was "
            f"trained on were priced {lo:.2f}–{hi:.2f} times it: beyond that the prediction follows the price "
            f"response fitted to the history ({side} fans drop out with each step in price), with a wider "
            "interval and a lower confidence.")


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
                       [q if math.isfinite(q) else 1e9 for q in sold_out_quantiles],
                       sold_out_curve(m, sold_out))  # fmt: skip


def sold_out_curve(m: np.ndarray, sold_out: np.ndarray, *, points: int = 20) -> list[list[float]]:
    """[median m, share sold out] per equal-count bin of m, the shares made non-decreasing (a concert predicted
    nearer capacity is never less likely to sell out): the map behind `sell_out_probability`."""
    order = np.argsort(m, kind="stable")
    chunks = [c for c in np.array_split(order, max(1, min(points, len(m) // 50))) if len(c)]
    xs = [float(np.median(m[c])) for c in chunks]
    ys = np.maximum.accumulate([float(sold_out[c].mean()) for c in chunks])
    return [[round(x, 5), round(float(y), 4)] for x, y in zip(xs, ys, strict=True)]
