"""`POST /tickets/price-curve` — function `concert-api-price-curve`."""

from __future__ import annotations

from concert_api import composition
from concert_api.handlers.events import ApiRequest
from concert_api.handlers.runtime import api_endpoint
from concert_api.models import PriceCurveRequest, PriceCurveResponse
from concert_api.services import price_curve


@api_endpoint(name="price-curve", method="POST", path="/tickets/price-curve", event="Price curve handler invoked")
def price_curve_handler(request: ApiRequest) -> PriceCurveResponse:
    """Predicted sales and revenue of one concert across a grid of prices, and the revenue-maximising price."""
    body = request.parse(PriceCurveRequest)
    return price_curve.price_curve(body, warehouse=composition.warehouse(), predictor=composition.ticket_predictor())
