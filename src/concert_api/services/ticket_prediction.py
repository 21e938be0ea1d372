"""Ticket-sales prediction behind `POST /tickets/predict`: look the pair up, predict, keep within capacity.

The predictor decides where features and model live (in process, or Redshift plus a SageMaker endpoint); this
service holds the rules: unknown artist or venue -> 404 naming which, sales never above the venue's capacity, an
interval around the prediction and a confidence derived from it (`ml.features.confidence`, the one
implementation of the rule), features as of the earlier of today and the event date (point in time).

Outside the model's training range (a list price beyond what it saw for the venue type, a price far from the
artist's or the venue's usual one, a date before its data or more than 18 months after), the prediction carries
`warnings` and a `confidence_factor` below 1, which lowers `confidence` (`ml.training_range`). The model computes
both, locally and in the SageMaker inference script alike (the range travels in the model artefact, which this
service never sees on the SageMaker path); the service passes the warnings on and applies the factor to the
confidence it derives from the served interval. A prediction without them (a model or an endpoint older than the
range) is served as before, without warnings.
"""

from __future__ import annotations

import datetime as dt

from concert_api.adapters.predictors.base import TicketPredictor
from concert_api.adapters.warehouse.base import Warehouse
from concert_api.errors import DependencyError, NotFound, utc_now_iso
from concert_api.ml import features
from concert_api.models import PredictionInterval, TicketPredictionRequest, TicketPredictionResponse
from concert_api.services import result_cache


def predict_tickets(
    request: TicketPredictionRequest,
    *,
    warehouse: Warehouse,
    predictor: TicketPredictor,
    today: dt.date | None = None,
) -> TicketPredictionResponse:
    """Predicted tickets sold for the request, with an interval, a confidence and the features used.

    Features are the artist's and venue's attributes and their history before `as_of = min(today, event_date)`
    (`today` defaults to today): point in time, as in training, so a concert that has already happened is
    predicted from what was known before it, never from aggregates that include its own outcome."""
    today = today or dt.date.today()
    as_of = min(today, request.event_date)
    row = result_cache.feature_row(predictor, warehouse, request.artist_id, request.venue_id, as_of)
    _check_found(row.get("artist_id"), row.get("venue_id"), request)
    inst = features.instance(row, event_date=request.event_date, ticket_price=request.ticket_price)
    prediction = predictor.predict([inst])[0]
    try:
        sales, low, high = features.served_interval(prediction["predicted_sales"], prediction["low"],
                                                    prediction["high"], float(inst["capacity"] or 0))  # fmt: skip
        coverage = float(prediction.get("coverage", 0.8))
        factor = float(prediction.get("confidence_factor", 1.0))
        raw_warnings = prediction.get("warnings") or []
        if not isinstance(raw_warnings, list):
            raise TypeError(f"warnings is a {type(raw_warnings).__name__}, not a list")
        warnings = [str(w) for w in raw_warnings]
    except (KeyError, TypeError, ValueError) as exc:
        raise DependencyError("The prediction model returned an unexpected answer.", internal=str(exc)) from exc
    return TicketPredictionResponse(
        predicted_sales=sales,
        confidence=features.confidence(sales, low, high, factor),
        features_used=features.features_used(inst, request.artist_id, request.venue_id),
        prediction_interval=PredictionInterval(low=low, high=high, coverage=coverage),
        model_version=prediction.get("model_version"),
        warnings=warnings or None,
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
