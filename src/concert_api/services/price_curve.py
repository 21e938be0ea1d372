"""The price curve behind `POST /tickets/price-curve`: predicted sales and revenue across prices, and the best one.

For one concert (artist, venue, date) the service builds a grid of list prices (at most `MAX_PRICE_POINTS`;
by default `DEFAULT_PRICE_POINTS` prices evenly spaced in log from half to three times the artist's usual price),
asks the predictor for all of them in one batch (one SageMaker invocation on AWS), and returns, per price, the
predicted sales (median), the expected revenue (price x predicted sales, at list price), the interval, the
confidence and the sell-out probability, with the revenue-maximising price of the grid.

The same rules as `POST /tickets/predict` (`services.predictions`): unknown artist or venue -> 404 naming which,
sales within capacity, features as of the earlier of today and the event date, and a price outside what the model
was trained on flagged (`extrapolated`) with a lower confidence; the model follows the price beyond its range
with the price response it fitted (`ml.model`), so the curve keeps moving there.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from concert_api.adapters.predictors.base import TicketPredictor
from concert_api.adapters.warehouse.base import Warehouse
from concert_api.errors import BadRequest, DependencyError, NotFound, utc_now_iso
from concert_api.ml import features
from concert_api.models import PredictionInterval, PriceCurveRequest, PriceCurveResponse, PricePoint
from concert_api.services import result_cache

DEFAULT_RANGE = (0.5, 3.0)
"""The default grid, as multiples of the artist's usual price (or the venue's, for an artist without history)."""
FALLBACK_PRICES = (15.0, 250.0)
"""The default grid for an artist and a venue with no past concert: no usual price to centre on."""


def money(x: float) -> str:
    """$1,234.50: a price in a sentence (standard library only: this module is on the Lambda import path)."""
    return f"${x:,.2f}"


def price_grid(low: float, high: float, points: int) -> list[float]:
    """`points` list prices evenly spaced in log from `low` to `high`, rounded to the cent, without repeats."""
    if points == 1 or low == high:
        return [round(low, 2)]
    step = (math.log(high) - math.log(low)) / (points - 1)
    return sorted({round(math.exp(math.log(low) + i * step), 2) for i in range(points)})


def usual_price(row: Mapping[str, Any]) -> float | None:
    """The artist's usual list price (geometric mean of its past prices), else the venue's; None without either."""
    for n_name, sum_name in (("a_n", "a_sum_log_price"), ("v_n", "v_sum_log_price")):
        n, total = row.get(n_name), row.get(sum_name)
        if n and total is not None:
            return round(math.exp(float(total) / float(n)), 2)
    return None


def prices_for(request: PriceCurveRequest, usual: float | None) -> list[float]:
    """The request's prices, or its grid with the defaults filled in; 400 when the bounds cross."""
    if request.prices is not None:
        return sorted(set(request.prices))
    default_low, default_high = ((usual * DEFAULT_RANGE[0], usual * DEFAULT_RANGE[1]) if usual is not None
                                 else FALLBACK_PRICES)  # fmt: skip
    low = request.min_price if request.min_price is not None else default_low
    high = request.max_price if request.max_price is not None else default_high
    if low >= high:
        field = "min_price" if request.min_price is not None else "max_price"
        raise BadRequest(f"{field}: the grid from {money(low)} to {money(high)} is empty; give both min_price and "
                         "max_price, min_price below max_price")  # fmt: skip
    return price_grid(low, high, request.points)


def price_curve(
    request: PriceCurveRequest,
    *,
    warehouse: Warehouse,
    predictor: TicketPredictor,
    today: dt.date | None = None,
) -> PriceCurveResponse:
    """The predicted sales, revenue and interval at each price of the grid, and the revenue-maximising price."""
    today = today or dt.date.today()
    as_of = min(today, request.event_date)
    row = result_cache.feature_row(predictor, warehouse, request.artist_id, request.venue_id, as_of)
    missing = [f"{name} {value!r}" for name, value, found in (
        ("artist_id", request.artist_id, row.get("artist_id")), ("venue_id", request.venue_id, row.get("venue_id")))
        if found is None]  # fmt: skip
    if missing:
        raise NotFound(f"Unknown {' and '.join(missing)}.")
    usual = usual_price(row)
    prices = prices_for(request, usual)
    instances = [features.instance(row, event_date=request.event_date, ticket_price=p) for p in prices]
    predictions = predictor.predict(instances)
    capacity = float(instances[0]["capacity"] or 0)
    try:
        curve = [_point(price, p, capacity) for price, p in zip(prices, predictions, strict=True)]
        model_version = predictions[0].get("model_version")
        best_index = max(range(len(curve)), key=lambda i: (curve[i].expected_revenue, -i))
        best_warnings = [str(w) for w in predictions[best_index].get("warnings") or []]
    except (KeyError, TypeError, ValueError) as exc:
        raise DependencyError("The prediction model returned an unexpected answer.", internal=str(exc)) from exc
    warnings = _summary_warnings(curve) + best_warnings
    return PriceCurveResponse(
        artist_id=request.artist_id,
        venue_id=request.venue_id,
        event_date=request.event_date,
        capacity=int(capacity),
        usual_price=usual,
        curve=curve,
        best_price=curve[best_index],
        model_version=model_version,
        warnings=warnings or None,
        timestamp=utc_now_iso(),
    )


def _point(price: float, prediction: Mapping[str, Any], capacity: float) -> PricePoint:
    sales, low, high = features.served_interval(prediction["predicted_sales"], prediction["low"],
                                                prediction["high"], capacity)  # fmt: skip
    factor = float(prediction.get("confidence_factor", 1.0))
    probability = prediction.get("sell_out_probability")
    return PricePoint(
        ticket_price=price,
        predicted_sales=sales,
        expected_revenue=round(price * sales, 2),
        prediction_interval=PredictionInterval(low=low, high=high, coverage=float(prediction.get("coverage", 0.8))),
        confidence=features.confidence(sales, low, high, factor),
        sell_out_probability=None if probability is None else min(1.0, max(0.0, float(probability))),
        extrapolated=factor < 1.0,
    )


def _summary_warnings(curve: list[PricePoint]) -> list[str]:
    outside = [p.ticket_price for p in curve if p.extrapolated]
    if not outside:
        return []
    inside = [p.ticket_price for p in curve if not p.extrapolated]
    seen = (f"the grid's prices from {money(min(inside))} to {money(max(inside))} are inside it" if inside
            else "none of the grid's prices is inside it")  # fmt: skip
    return [f"{len(outside)} of the {len(curve)} prices lie outside what the model was trained on for this concert "
            f"({seen}); there the predictions follow the price response fitted to the history, with wider "
            "intervals and lower confidence."]  # fmt: skip
