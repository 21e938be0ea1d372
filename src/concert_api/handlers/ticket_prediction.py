"""`POST /tickets/predict` — function `concert-api-ticket-prediction`."""

from __future__ import annotations

from concert_api import composition
from concert_api.handlers.events import ApiRequest
from concert_api.handlers.runtime import api_endpoint
from concert_api.models import TicketPredictionRequest, TicketPredictionResponse
from concert_api.services import ticket_prediction


@api_endpoint(name="ticket-prediction", method="POST", path="/tickets/predict",
              event="Ticket prediction handler invoked")
def ticket_prediction_handler(request: ApiRequest) -> TicketPredictionResponse:
    """Predict the tickets an artist sells at a venue on a date at a price, as the guide describes."""
    body = request.parse(TicketPredictionRequest)
    return ticket_prediction.predict_tickets(
        body, warehouse=composition.warehouse(), predictor=composition.ticket_predictor()
    )
