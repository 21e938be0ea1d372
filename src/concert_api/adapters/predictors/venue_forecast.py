"""The venue model: each venue's expected attendance rate over the coming months.

A venue's forecast is the mean predicted sell-through of the concerts it has scheduled in the next
`HORIZON_DAYS` days, from the ticket-sales model: the bookings (artist, date, price) are known, so the forecast
rests on them rather than on the venue's past alone. It is served the same two ways as the ticket model: in
process (one batch over every venue, computed once and cached until the day or the warehouse's data
generation changes, or `CACHE_SECONDS` pass) or by a SageMaker endpoint running the same
model package (`SAGEMAKER_VENUE_ENDPOINT`), sent the ranked venues' upcoming concerts in one call.

Standard library only: the predictions come from any `predict(instances)` callable.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from concert_api.adapters.warehouse.base import Warehouse, data_generation
from concert_api.adapters.warehouse.queries import features as q
from concert_api.ml import features

HORIZON_DAYS = 180
CACHE_SECONDS = 900.0
MAX_BATCH = 500
"""Instances per endpoint call (SageMaker's payload limit is 6 MB; one instance is about 700 bytes)."""

PredictFn = Callable[[Sequence[Mapping[str, Any]]], list[dict[str, Any]]]


class ScheduledConcertForecaster:
    """`VenueForecaster` over a prediction function. `cache_all`: forecast every venue at once and keep the
    result until the warehouse's data generation or the day changes, at most `CACHE_SECONDS` (the local model; a
    new model gets a new forecaster from the composition root); otherwise query and predict only the venues asked
    for."""

    def __init__(self, predict: PredictFn, *, backend: str, cache_all: bool,
                 horizon_days: int = HORIZON_DAYS) -> None:  # fmt: skip
        self._predict = predict
        self.backend = backend
        self.cache_all = cache_all
        self.horizon_days = horizon_days
        self._lock = threading.Lock()
        self._cache: tuple[float, tuple[dt.date, Any], dict[str, float]] | None = None

    def forecast(self, warehouse: Warehouse, venue_ids: Sequence[str], today: dt.date) -> dict[str, float]:
        """venue_id -> mean predicted sell-through of its scheduled concerts in [today, today + horizon)."""
        if not venue_ids:
            return {}
        if not self.cache_all:
            return self._compute(warehouse, venue_ids, today)
        key = (today, data_generation(warehouse))
        with self._lock:
            cached = self._cache
            if cached is None or cached[1] != key or time.monotonic() - cached[0] > CACHE_SECONDS:
                cached = (time.monotonic(), key, self._compute(warehouse, (), today))
                self._cache = cached
        return {v: cached[2][v] for v in venue_ids if v in cached[2]}

    def _compute(self, warehouse: Warehouse, venue_ids: Sequence[str], today: dt.date) -> dict[str, float]:
        rows = warehouse.query(
            q.SCHEDULED_CONCERT_FEATURES,
            {
                "as_of": today,
                "start": today,
                "end": today + dt.timedelta(days=self.horizon_days),
                "venue_ids": "," + ",".join(venue_ids) + "," if venue_ids else "",
            },
        )
        instances = [features.instance(r, event_date=r["event_date"], ticket_price=r["ticket_price"]) for r in rows]
        predictions: list[dict[str, Any]] = []
        for start in range(0, len(instances), MAX_BATCH):
            predictions.extend(self._predict(instances[start : start + MAX_BATCH]))
        totals: dict[str, list[float]] = {}
        for row, pred in zip(rows, predictions, strict=True):
            totals.setdefault(row["venue_id"], []).append(float(pred["sell_through"]))
        return {venue: round(sum(v) / len(v), 4) for venue, v in totals.items()}
