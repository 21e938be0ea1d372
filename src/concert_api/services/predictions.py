"""Ticket-sales prediction behind `POST /tickets/predict`: look the pair up, predict, keep within capacity.

The predictor decides where features and model live (in process, or Redshift plus a SageMaker endpoint); this
service holds the rules: unknown artist or venue -> 404 naming which, sales never above the venue's capacity, an
interval around the prediction and a confidence derived from it (see `ml.model.confidence`).
"""

from __future__ import annotations

import datetime as dt

from concert_api.errors import DependencyError, NotFound, utc_now_iso
from concert_api.ml import features
from concert_api.ml.predictor import TicketPredictor
from concert_api.models import PredictionInterval, TicketPredictionRequest, TicketPredictionResponse
from concert_api.warehouse.base import Warehouse


def predict_tickets(
    request: TicketPredictionRequest,
    *,
    warehouse: Warehouse,
    predictor: TicketPredictor,
    today: dt.date | None = None,
) -> TicketPredictionResponse:
    """Predicted tickets sold for the request, with an interval, a confidence and the features used.

    Features are the artist's and venue's attributes and their history up to `today` (default: today)."""
    row = predictor.feature_row(warehouse, request.artist_id, request.venue_id, today or dt.date.today())
    _check_found(row.get("artist_id"), row.get("venue_id"), request)
    inst = features.instance(row, event_date=request.event_date, ticket_price=request.ticket_price)
    prediction = predictor.predict([inst])[0]
    capacity = float(inst["capacity"] or 0)
    try:
        sales = min(max(float(prediction["predicted_sales"]), 0.0), capacity)
        low = min(max(float(prediction["low"]), 0.0), sales)
        high = min(max(float(prediction["high"]), sales), capacity)
        coverage = float(prediction.get("coverage", 0.8))
    except (TypeError, ValueError) as exc:
        raise DependencyError("The prediction model returned an unexpected answer.", internal=str(exc)) from exc
    return TicketPredictionResponse(
        predicted_sales=round(sales, 1),
        confidence=features.confidence(sales, low, high),
        features_used=features.features_used(inst, request.artist_id, request.venue_id),
        prediction_interval=PredictionInterval(low=round(low, 1), high=round(high, 1), coverage=coverage),
        model_version=prediction.get("model_version"),
        timestamp=utc_now_iso(),
    )


def _check_found(artist_id: object, venue_id: object, request: TicketPredictionRequest) -> None:
    missing = []
    if artist_id is None:
        missing.append(f"artist_id {request.artist_id!r}")
    if venue_id is None:
        missing.append(f"venue_id {request.venue_id!r}")
    if missing:
        raise NotFound(f"Unknown {' and '.join(missing)}.")
