"""`POST /tickets/predict` — function `concert-api-ticket-prediction`."""

from __future__ import annotations

from concert_api.errors import ServiceNotConfigured
from concert_api.handlers.events import ApiRequest
from concert_api.handlers.runtime import api_endpoint
from concert_api.models import TicketPredictionRequest, TicketPredictionResponse


@api_endpoint(
    name="ticket-prediction", method="POST", path="/tickets/predict", event="Ticket prediction handler invoked"
)
def ticket_prediction_handler(request: ApiRequest) -> TicketPredictionResponse:
    """Predict ticket sales (the model lands with its own issue)."""
    request.parse(TicketPredictionRequest)
    raise ServiceNotConfigured("Ticket-sales prediction is not available yet: no model is configured.")
