"""Venue popularity rankings."""

from __future__ import annotations

from typing import Any

from concert_api.adapters.warehouse.base import Row, Warehouse
from concert_api.adapters.warehouse.queries import venues as q
from concert_api.errors import utc_now_iso
from concert_api.models import VenuePopularityRequest, VenuePopularityResponse, VenueRanking
from concert_api.services.geo import known_city
from concert_api.services.result_cache import cached


def rank_venues(request: VenuePopularityRequest, warehouse: Warehouse) -> VenuePopularityResponse:
    """The `top_n` venues with at least `min_events` completed concerts, optionally within a city, state or venue
    type, ranked by `rank_by`: the composite popularity score by default (demand, scale and activity; see
    `queries.refresh`), or one measure. The ranking reads the `venue_metrics` summary table.

    Each venue with a batch-scored forecast (`venue_forecasts`, joined in the same statement: no model is called
    here) also gets `forecast_attendance_rate` with the model version and time that scored it; a venue without
    one gets none. A city the warehouse does not know is a 400 naming `city`. Rankings are answered from memory
    until the warehouse's data changes (`result_cache`; forecasts live in the warehouse, so a rescoring is a
    change too)."""
    params = {
        "top_n": request.top_n,
        "min_events": request.min_events,
        "city": request.city or "",
        "state": request.state or "",
        "venue_type": request.venue_type or "",
        "rank_by": request.rank_by,
    }

    def read() -> tuple[VenueRanking, ...]:
        rows = warehouse.query(q.VENUE_POPULARITY, params)
        if request.city and not rows:  # a city with ranked venues is known: only an empty ranking asks (one trip)
            known_city(request.city, warehouse)
        return tuple(_ranking(row) for row in rows)

    venues = list(cached("venue_popularity", warehouse, tuple(params.items()), read))  # shared: never mutated
    return VenuePopularityResponse(venues=venues, total_venues=len(venues), timestamp=utc_now_iso())


def _ranking(row: Row) -> VenueRanking:
    return VenueRanking(
        venue_id=row["venue_id"],
        name=row["name"],
        city=row["city"],
        state=row["state"],
        capacity=int(row["capacity"]),
        venue_type=row["venue_type"],
        total_concerts=int(row["total_concerts"]),
        avg_attendance_rate=round(float(row["avg_attendance_rate"]), 4),
        revenue_per_event=round(float(row["revenue_per_event"]), 2),
        tickets_per_event=round(float(row["tickets_per_event"]), 1),
        booking_frequency=round(float(row["booking_frequency"]), 3),
        popularity_rank=int(row["popularity_rank"]),
        popularity_score=round(float(row["popularity_score"]), 4),
        latitude=_coordinate(row.get("latitude")),
        longitude=_coordinate(row.get("longitude")),
        **_forecast(row),
    )


def _forecast(row: Row) -> dict[str, Any]:
    """The row's forecast fields, or none when the venue has no forecast."""
    rate = row.get("forecast_attendance_rate")
    if rate is None:
        return {}
    return {
        "forecast_attendance_rate": round(float(rate), 4),
        "forecast_model_version": row.get("forecast_model_version"),
        "forecast_scored_at": row.get("forecast_scored_at"),
    }


def _coordinate(value: Any) -> float | None:
    return None if value is None else round(float(value), 5)
