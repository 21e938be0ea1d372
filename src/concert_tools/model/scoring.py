"""Batch scoring of the venue forecasts: every scheduled concert of the horizon in one vectorised pass.

    SCHEDULED_CONCERT_FEATURES (one statement) -> columns -> TicketModel.predict_columns (one call)
        -> mean sell-through per venue -> rows of `venue_forecasts`

A forecast changes only when the data or the model changes, so it is computed with them (every `data load` for
the current model, every `model train`, `concert-api model score`) and written into the warehouse in the same
swap or transaction as the data it was computed from. The venue ranking joins the table: no model runs on a
request. `endpoint_scorer` does the same through a SageMaker endpoint (a one-off scoring).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from concert_api.adapters.predictors.venue_forecast import HORIZON_DAYS, PredictFn, batched
from concert_api.adapters.warehouse.base import ColumnFetch, ForecastScorer
from concert_api.adapters.warehouse.queries import features as q
from concert_api.ml import artefacts
from concert_api.ml.features import AGGREGATE_FIELDS, ATTRIBUTE_FIELDS
from concert_api.ml.model import TicketModel

Progress = Callable[[str, int, int], None]
"""Called as `progress(step_description, done, total)`."""

_TEXT_FIELDS = ("genre", "venue_type", "city", "state")


@dataclass
class ScoringSummary:
    """What one scoring wrote: the model, when, how many concerts and venues."""

    model_version: str
    scored_at: str
    concerts: int = 0
    venues: int = 0


def current_model(model_dir: Path) -> TicketModel | None:
    """The served (`current`) local ticket model, or None when none has been trained."""
    version_dir = artefacts.current_version_dir(model_dir)
    return None if version_dir is None else TicketModel.load(version_dir)


def local_scorer(model: TicketModel, *, today: dt.date | None = None, progress: Progress | None = None,
                 summary: ScoringSummary | None = None) -> ForecastScorer:  # fmt: skip
    """A `ForecastScorer` that predicts every scheduled concert of the horizon with `model` in one call.
    `summary`, when given, is filled with what was scored."""

    def score(fetch: ColumnFetch) -> list[tuple[Any, ...]]:
        report = progress or (lambda _step, _done, _total: None)
        report("reading the scheduled concerts' features", 0, 3)
        cols = fetch(q.SCHEDULED_CONCERT_FEATURES, _params(today))
        n = len(cols["venue_id"])
        report(f"predicting {n:,} scheduled concerts", 1, 3)
        sell_through = model.predict_columns(model_columns(cols))["sell_through"] if n else np.zeros(0)
        report("averaging per venue", 2, 3)
        rows = forecast_rows(cols["venue_id"], sell_through, model.version, _fill(summary, model.version, n))
        report(f"scored {len(rows):,} venues", 3, 3)
        return rows

    return score


def endpoint_scorer(
    predict: PredictFn,
    model_version: str,
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
    summary: ScoringSummary | None = None,
) -> ForecastScorer:
    """A `ForecastScorer` that sends the scheduled concerts to a SageMaker endpoint (`predict`) in batches: the
    one-off scoring of `concert-api model score --endpoint`."""
    from concert_api.ml import features

    def score(fetch: ColumnFetch) -> list[tuple[Any, ...]]:
        report = progress or (lambda _step, _done, _total: None)
        cols = fetch(q.SCHEDULED_CONCERT_FEATURES, _params(today))
        names = list(cols)
        rows = [dict(zip(names, values, strict=True)) for values in zip(*(_plain(cols[c]) for c in names), strict=True)]
        instances = [features.instance(r, event_date=r["event_date"], ticket_price=r["ticket_price"]) for r in rows]
        predictions = batched(predict, instances, lambda done, total: report("scoring on the endpoint", done, total))
        sell_through = np.array([float(p["sell_through"]) for p in predictions], dtype=np.float64)
        version = next((str(p["model_version"]) for p in predictions if p.get("model_version")), model_version)
        return forecast_rows(cols["venue_id"], sell_through, version, _fill(summary, version, len(rows)))

    return score


def forecast_rows(venue_ids: Sequence[Any], sell_through: np.ndarray, model_version: str,
                  summary: ScoringSummary) -> list[tuple[Any, ...]]:  # fmt: skip
    """`venue_forecasts` rows: each venue's mean predicted sell-through (rounded to 4 places) over its scheduled
    concerts, with the horizon, the model version and `summary.scored_at`."""
    if len(sell_through) == 0:
        return []
    venues, inverse = np.unique(np.asarray(venue_ids, dtype=object).astype(str), return_inverse=True)
    means = np.bincount(inverse, weights=sell_through) / np.bincount(inverse)
    summary.venues = len(venues)
    return [(str(v), HORIZON_DAYS, round(float(m), 4), model_version, summary.scored_at)
            for v, m in zip(venues, means, strict=True)]  # fmt: skip


def model_columns(cols: Mapping[str, Sequence[Any]]) -> dict[str, np.ndarray]:
    """The feature query's columns as the model's input columns (`transform.columns_from_instances`' shape):
    numbers as float64 with NaN for NULL, categories as object arrays, dates as datetime64[D]."""
    out: dict[str, np.ndarray] = {"event_date": np.asarray(cols["event_date"]).astype("datetime64[D]")}
    for name in ("ticket_price", *ATTRIBUTE_FIELDS, *AGGREGATE_FIELDS):
        values = cols[name]
        if name in _TEXT_FIELDS:
            out[name] = np.asarray(_plain(values), dtype=object)
        elif isinstance(values, np.ma.MaskedArray):
            out[name] = values.astype(np.float64).filled(math.nan)
        else:
            out[name] = np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)
    for name in AGGREGATE_FIELDS:
        if name.endswith("_n"):
            out[name] = np.nan_to_num(out[name])
    return out


def _plain(values: Sequence[Any]) -> list[Any]:
    """A column as Python values (masked entries as None)."""
    if isinstance(values, np.ma.MaskedArray):
        return [None if m else v for v, m in zip(values.data.tolist(), np.ma.getmaskarray(values), strict=True)]
    if isinstance(values, np.ndarray):
        if np.issubdtype(values.dtype, np.datetime64):
            return [v.isoformat() for v in values.astype("datetime64[D]").tolist()]
        return list(values.tolist())
    return list(values)


def _params(today: dt.date | None) -> dict[str, Any]:
    day = today or dt.date.today()
    return {"as_of": day, "start": day, "end": day + dt.timedelta(days=HORIZON_DAYS), "venue_ids": ""}


def _fill(summary: ScoringSummary | None, version: str, concerts: int) -> ScoringSummary:
    filled = summary or ScoringSummary(version, now_iso())
    filled.model_version, filled.concerts = version, concerts
    if not filled.scored_at:
        filled.scored_at = now_iso()
    return filled


def now_iso() -> str:
    """The current UTC time as `venue_forecasts.scored_at` holds it (ISO 8601, seconds, `Z`)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
