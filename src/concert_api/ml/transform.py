"""Instances (columns of raw fields) to the numeric design matrix the gradient-boosted trees read.

Vectorised with numpy, so one function serves training (hundreds of thousands of rows), the local predictor
(one row) and the SageMaker inference script (a batch). The few fitted numbers it needs (the priors the averages
shrink toward, the typical-price regression) are `TransformParams`, stored in the model artefact.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

try:  # inside the package, or beside it in the SageMaker model's code/ directory
    from concert_api.ml.features import GENRES, INSTANCE_FIELDS, VENUE_TYPES
except ImportError:  # pragma: no cover - the SageMaker container
    from features import GENRES, INSTANCE_FIELDS, VENUE_TYPES  # type: ignore[no-redef]

FloatArray = npt.NDArray[np.float64]

SHRINKAGE = 5.0
"""Pseudo-counts: an average over n past concerts is (sum + SHRINKAGE * prior) / (n + SHRINKAGE)."""

PEAK_DAY_OF_YEAR = 196  # mid-July: the seasonal feature is cos(2 pi (day - 196) / 365.25)

FEATURE_NAMES: tuple[str, ...] = (
    "popularity", "genre", "log_capacity", "venue_type", "log_city_population", "log_price",
    "weekday", "season", "day_of_year",
    "price_vs_typical", "price_vs_artist", "price_vs_venue",
    "a_log_n", "a_mean_st", "a_mean_log_st", "a_sold_out_share", "a_room_vs_usual",
    "v_log_n", "v_mean_st", "v_mean_log_st", "v_popularity_vs_usual",
    "gc_log_n", "gc_effect", "g_mean_log_st",
)  # fmt: skip
CATEGORICAL_FEATURES: tuple[str, ...] = ("genre", "venue_type", "weekday")


@dataclass
class TransformParams:
    """Numbers fitted on the training history: priors of the shrunk averages and the typical-price model
    `log price ~ b0 + b1 popularity + b2 log city population + b[venue type]`."""

    prior_st: float = 0.75
    prior_log_st: float = -0.35
    prior_sold_out: float = 0.3
    price_coef: list[float] = field(default_factory=lambda: [3.0, 0.013, 0.05] + [0.0] * len(VENUE_TYPES))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, for the artefact's metadata."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TransformParams:
        """Inverse of `to_dict`."""
        return cls(**{k: data[k] for k in ("prior_st", "prior_log_st", "prior_sold_out", "price_coef")})


def columns_from_instances(instances: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """A batch of instance dicts as columns (field -> array); None becomes NaN in numeric columns."""
    cols: dict[str, np.ndarray] = {}
    for name in INSTANCE_FIELDS:
        values = [inst.get(name) for inst in instances]
        if name in ("genre", "venue_type", "city", "state", "event_date"):
            cols[name] = np.array(values, dtype=object)
        else:
            cols[name] = np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)
    return cols


def codes(values: np.ndarray, vocabulary: Sequence[str]) -> FloatArray:
    """Category index of each value in `vocabulary` (NaN when unknown)."""
    lookup = {v: float(i) for i, v in enumerate(vocabulary)}
    return np.array([lookup.get(v, math.nan) for v in values], dtype=np.float64)


def dates(values: np.ndarray) -> np.ndarray:
    """ISO date strings or `date`s as numpy datetime64[D]."""
    return np.array([v if isinstance(v, dt.date) else str(v)[:10] for v in values], dtype="datetime64[D]")


def typical_log_price(params: TransformParams, popularity: FloatArray, log_city_pop: FloatArray,
                      venue_type: FloatArray) -> FloatArray:  # fmt: skip
    """The fitted typical list price (log USD) for this artist popularity, city size and venue type."""
    b = np.asarray(params.price_coef, dtype=np.float64)
    vt = np.nan_to_num(venue_type, nan=0.0).astype(np.int64)
    return b[0] + b[1] * popularity + b[2] * log_city_pop + b[3:][vt]


def typical_price(cols: Mapping[str, np.ndarray], params: TransformParams) -> FloatArray:
    """The fitted typical list price (USD) of each instance: the reference its price response is measured from."""
    pop = np.asarray(cols["popularity"], dtype=np.float64)
    log_city = np.log(np.maximum(np.asarray(cols["city_population"], dtype=np.float64), 1.0))
    return np.exp(typical_log_price(params, pop, log_city, codes(np.asarray(cols["venue_type"]), VENUE_TYPES)))


def price_design(popularity: FloatArray, log_city_pop: FloatArray, venue_type: FloatArray) -> FloatArray:
    """The typical-price regression's design matrix (intercept, popularity, log city population, type dummies;
    the first type's dummy is dropped into the intercept by a zero coefficient)."""
    vt = np.nan_to_num(venue_type, nan=0.0).astype(np.int64)
    dummies = np.zeros((len(vt), len(VENUE_TYPES)))
    dummies[np.arange(len(vt)), vt] = 1.0
    dummies[:, 0] = 0.0
    return np.column_stack([np.ones(len(vt)), popularity, log_city_pop, dummies])


def design_matrix(cols: Mapping[str, np.ndarray], params: TransformParams) -> FloatArray:
    """The feature matrix (rows x `FEATURE_NAMES`) of a batch of instances given as columns."""
    f = {k: np.asarray(v) for k, v in cols.items()}
    pop = f["popularity"].astype(np.float64)
    genre = codes(f["genre"], GENRES)
    vtype = codes(f["venue_type"], VENUE_TYPES)
    log_cap = np.log(f["capacity"].astype(np.float64))
    log_city = np.log(np.maximum(f["city_population"].astype(np.float64), 1.0))
    log_price = np.log(f["ticket_price"].astype(np.float64))
    day = dates(f["event_date"])
    weekday = ((day.astype(np.int64) + 3) % 7).astype(np.float64)  # 1970-01-01 was a Thursday
    doy = (day - day.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64) + 1
    season = np.cos(2 * np.pi * (doy - PEAK_DAY_OF_YEAR) / 365.25)

    def mean(sum_name: str, n_name: str, prior: float) -> FloatArray:
        n = np.nan_to_num(f[n_name].astype(np.float64))
        s = np.nan_to_num(f[sum_name].astype(np.float64))
        return (s + SHRINKAGE * prior) / (n + SHRINKAGE)

    def raw_mean(sum_name: str, n_name: str) -> FloatArray:
        n = f[n_name].astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, f[sum_name].astype(np.float64) / np.where(n > 0, n, 1.0), np.nan)

    g_mean_log_st = mean("g_sum_log_st", "g_n", params.prior_log_st)
    gc_mean_log_st = (np.nan_to_num(f["gc_sum_log_st"].astype(np.float64)) + SHRINKAGE * g_mean_log_st) / (
        np.nan_to_num(f["gc_n"].astype(np.float64)) + SHRINKAGE
    )
    columns = {
        "popularity": pop,
        "genre": genre,
        "log_capacity": log_cap,
        "venue_type": vtype,
        "log_city_population": log_city,
        "log_price": log_price,
        "weekday": weekday,
        "season": season,
        "day_of_year": doy.astype(np.float64),
        "price_vs_typical": log_price - typical_log_price(params, pop, log_city, vtype),
        "price_vs_artist": log_price - raw_mean("a_sum_log_price", "a_n"),
        "price_vs_venue": log_price - raw_mean("v_sum_log_price", "v_n"),
        "a_log_n": np.log1p(np.nan_to_num(f["a_n"].astype(np.float64))),
        "a_mean_st": mean("a_sum_st", "a_n", params.prior_st),
        "a_mean_log_st": mean("a_sum_log_st", "a_n", params.prior_log_st),
        "a_sold_out_share": mean("a_sum_sold_out", "a_n", params.prior_sold_out),
        "a_room_vs_usual": log_cap - raw_mean("a_sum_log_capacity", "a_n"),
        "v_log_n": np.log1p(np.nan_to_num(f["v_n"].astype(np.float64))),
        "v_mean_st": mean("v_sum_st", "v_n", params.prior_st),
        "v_mean_log_st": mean("v_sum_log_st", "v_n", params.prior_log_st),
        "v_popularity_vs_usual": pop - raw_mean("v_sum_popularity", "v_n"),
        "gc_log_n": np.log1p(np.nan_to_num(f["gc_n"].astype(np.float64))),
        "gc_effect": gc_mean_log_st - g_mean_log_st,
        "g_mean_log_st": g_mean_log_st,
    }
    return np.column_stack([columns[name] for name in FEATURE_NAMES]).astype(np.float64)
