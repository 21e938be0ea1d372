"""What the prediction service needs from a predictor, whatever serves the model (standard library only).

Two implementations: `local_predictor.LocalTicketPredictor` (the model in this process, features from an
in-memory store built from the warehouse) and `sagemaker_predictor.SageMakerTicketPredictor` (features from the
warehouse per request, the model behind a SageMaker endpoint).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from concert_api.adapters.warehouse.base import Warehouse

Prediction = dict[str, Any]
"""sell_through, predicted_sales, low, high, coverage, confidence, model_version; from a model that records its
training range (and an endpoint running such a package) also warnings (list of sentences) and confidence_factor
(see `training_range`)."""


@runtime_checkable
class TicketPredictor(Protocol):
    """Feature lookup and prediction for `POST /tickets/predict`."""

    backend: str

    def feature_row(self, warehouse: Warehouse, artist_id: str, venue_id: str, as_of: dt.date) -> Mapping[str, Any]:
        """The `REQUEST_FEATURES` row of the pair: attributes and history aggregates as of `as_of`. Its
        `artist_id` (`venue_id`) is None when the warehouse has no such artist (venue)."""
        ...

    def predict(self, instances: Sequence[Mapping[str, Any]]) -> list[Prediction]:
        """One prediction per instance (see `features.instance`)."""
        ...

    def ping(self) -> None:
        """Raise unless the model can answer."""
        ...
