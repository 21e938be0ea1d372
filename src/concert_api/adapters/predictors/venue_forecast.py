"""The venue forecast's definition, shared by every way of scoring it.

A venue's forecast is the mean predicted sell-through of the concerts it has scheduled in the next
`HORIZON_DAYS` days, from the ticket-sales model: the bookings (artist, date, price) are known, so the forecast
rests on them rather than on the venue's past alone. Forecasts are batch-scored with the data and the model
(`concert_tools.model.scoring`, written to the `venue_forecasts` table) and never computed on a request: the
ranking reads the table. A SageMaker endpoint running the model package (`SAGEMAKER_VENUE_ENDPOINT`) can still do
a one-off scoring (`concert-api model score --endpoint`): `batched` sends it the instances `MAX_BATCH` at a time.

Standard library only: the predictions come from any `predict(instances)` callable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from concert_api.adapters.warehouse.queries.venues import FORECAST_HORIZON_DAYS

HORIZON_DAYS = FORECAST_HORIZON_DAYS
MAX_BATCH = 500
"""Instances per endpoint call (SageMaker's payload limit is 6 MB; one instance is about 700 bytes)."""

PredictFn = Callable[[Sequence[Mapping[str, Any]]], list[dict[str, Any]]]
Progress = Callable[[int, int], None]
"""Called as `progress(instances_done, instances_total)`."""


def batched(predict: PredictFn, instances: Sequence[Mapping[str, Any]],
            progress: Progress | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """`predict` over `instances` in calls of at most `MAX_BATCH`, reporting progress after each call."""
    predictions: list[dict[str, Any]] = []
    for start in range(0, len(instances), MAX_BATCH):
        predictions.extend(predict(instances[start : start + MAX_BATCH]))
        if progress is not None:
            progress(len(predictions), len(instances))
    return predictions
