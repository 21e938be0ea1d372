"""The model's inputs, as plain Python: what one prediction needs, built from a row of the feature SQL.

Imports nothing beyond the standard library, so the Lambda path (which sends features to a SageMaker endpoint)
can build instances without numpy; the SageMaker inference script ships a copy of this module.

An *instance* is a JSON-able dict: the request (`event_date`, `ticket_price`), the artist's and the venue's
attributes and the aggregates of `warehouse.queries.features` (sums and counts of the history before the date
the aggregates were computed). `concert_api.ml.transform` turns instances into the numeric design matrix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

GENRES: tuple[str, ...] = (
    "pop", "rock", "hip-hop", "country", "electronic", "r&b", "latin", "alternative", "indie", "metal", "jazz",
    "folk", "blues", "classical", "reggae",
)  # fmt: skip
"""`concert_api.models.GENRES`, repeated so this module stays standalone (a test keeps them equal)."""

VENUE_TYPES: tuple[str, ...] = ("club", "theater", "arena", "amphitheater", "stadium")

ATTRIBUTE_FIELDS: tuple[str, ...] = (
    "popularity", "genre", "capacity", "venue_type", "city", "state", "city_population",
)  # fmt: skip
"""The artist's and the venue's attributes in an instance."""

AGGREGATE_FIELDS: tuple[str, ...] = (
    "a_n", "a_sum_st", "a_sum_log_st", "a_sum_sold_out", "a_sum_log_price", "a_sum_log_capacity",
    "v_n", "v_sum_st", "v_sum_log_st", "v_sum_tickets", "v_sum_log_price", "v_sum_popularity",
    "gc_n", "gc_sum_st", "gc_sum_log_st",
    "g_n", "g_sum_st", "g_sum_log_st",
)  # fmt: skip
"""The history aggregates in an instance (same names as the feature SQL's columns)."""

REQUEST_FIELDS: tuple[str, ...] = ("event_date", "ticket_price")

INSTANCE_FIELDS: tuple[str, ...] = REQUEST_FIELDS + ATTRIBUTE_FIELDS + AGGREGATE_FIELDS
"""Every key of an instance, in a fixed order (the columns a batch of instances is turned into)."""


def instance(row: Mapping[str, Any], *, event_date: dt.date | str, ticket_price: float) -> dict[str, Any]:
    """One prediction's instance from a feature row (`REQUEST_FEATURES`, or a joined store row) and the request.

    Missing aggregates (no history) become None; counts become 0."""
    out: dict[str, Any] = {
        "event_date": event_date.isoformat() if isinstance(event_date, dt.date) else str(event_date),
        "ticket_price": float(ticket_price),
        "popularity": _float(row.get("popularity")),
        "genre": row.get("genre"),
        "capacity": _float(row.get("capacity")),
        "venue_type": row.get("venue_type"),
        "city": row.get("city"),
        "state": row.get("state"),
        "city_population": _float(row.get("city_population")),
    }
    for name in AGGREGATE_FIELDS:
        value = row.get(name)
        if name.endswith("_n"):
            out[name] = int(value or 0)
        else:
            out[name] = _float(value)
    return out


def features_used(inst: Mapping[str, Any], artist_id: str, venue_id: str) -> dict[str, Any]:
    """The guide's `features_used`: the request, plus the main attributes the prediction rested on."""
    return {
        "artist_id": artist_id,
        "venue_id": venue_id,
        "event_date": inst["event_date"],
        "ticket_price": inst["ticket_price"],
        "artist_popularity": inst["popularity"],
        "genre": inst["genre"],
        "venue_capacity": int(inst["capacity"]) if inst["capacity"] is not None else None,
        "venue_type": inst["venue_type"],
        "city": inst["city"],
        "state": inst["state"],
        "artist_past_concerts": inst["a_n"],
        "venue_past_concerts": inst["v_n"],
    }


def confidence(predicted: float, low: float, high: float, factor: float = 1.0) -> float:
    """The guide's `confidence` in 0-1 from the interval: 1 - (high - low) / (2 * predicted), clipped to [0, 1],
    times `factor`, rounded to 4 places; 0 when nothing is predicted to sell.

    It reads "the outcome lies within +/-(1 - confidence) of the prediction, at the interval's coverage": an
    interval of +/-20% gives 0.8; a sell-out that is all but certain (a narrow interval at capacity) nears 1.
    `factor` (in (0, 1]) lowers it for a request outside the model's training range (`training_range`: 1.0
    inside, where the confidence is exactly the interval's). The one implementation: the model
    (`TicketModel.predict`), the service and the evaluation all call it."""
    if not predicted > 0:
        return 0.0
    interval = min(1.0, max(0.0, 1.0 - (high - low) / (2.0 * predicted)))
    return round(interval * min(1.0, max(0.0, float(factor))), 4)


def served_interval(predicted: float, low: float, high: float, capacity: float) -> tuple[float, float, float]:
    """(predicted_sales, low, high) exactly as `POST /tickets/predict` serves them: sales within [0, capacity],
    low within [0, sales], high within [sales, capacity], each rounded to 0.1 ticket.

    The service answers with these, and the evaluation scores the interval's coverage on these same bounds."""
    sales = min(max(float(predicted), 0.0), float(capacity))
    lo = min(max(float(low), 0.0), sales)
    hi = min(max(float(high), sales), float(capacity))
    return round(sales, 1), round(lo, 1), round(hi, 1)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
