"""Venue popularity rankings."""

from __future__ import annotations

import datetime as dt
import logging

from concert_api.adapters.predictors.base import VenueForecaster
from concert_api.adapters.warehouse.base import Row, Warehouse
from concert_api.adapters.warehouse.queries import venues as q
from concert_api.errors import ApiError, utc_now_iso
from concert_api.models import VenuePopularityRequest, VenuePopularityResponse, VenueRanking
from concert_api.services.geo import known_city
from concert_api.services.result_cache import cached

log = logging.getLogger(__name__)


def rank_venues(
    request: VenuePopularityRequest, warehouse: Warehouse, forecaster: VenueForecaster | None = None
) -> VenuePopularityResponse:
    """The `top_n` venues with at least `min_events` completed concerts, optionally within a city, state or venue
    type, ranked by `rank_by`: the composite popularity score by default (demand, scale and activity; see
    `queries.refresh`), or one measure. The ranking reads the `venue_metrics` summary table.

    With a venue `forecaster`, each venue with scheduled concerts also gets `forecast_attendance_rate`; if the
    forecaster fails, the ranking is still returned, without it (the failure is logged). A city the warehouse
    does not know is a 400 naming `city`. Rankings are answered from memory until the warehouse's data changes
    (`result_cache`)."""
    params = {
        "top_n": request.top_n,
        "min_events": request.min_events,
        "city": request.city or "",
        "state": request.state or "",
        "venue_type": request.venue_type or "",
        "rank_by": request.rank_by,
    }

    def read() -> tuple[VenueRanking, ...]:
        if request.city:
            known_city(request.city, warehouse)
        return tuple(_ranking(row) for row in warehouse.query(q.VENUE_POPULARITY, params))

    ranked = cached("venue_popularity", warehouse, tuple(params.items()), read)
    venues = list(ranked)  # shared with the cache: never mutated, a venue with a forecast is a copy
    if forecaster is not None and venues:
        forecasts = _forecasts(forecaster, warehouse, [v.venue_id for v in venues])
        venues = [_with_forecast(v, forecasts.get(v.venue_id)) for v in venues]
    return VenuePopularityResponse(venues=venues, total_venues=len(venues), timestamp=utc_now_iso())


def _with_forecast(venue: VenueRanking, forecast: float | None) -> VenueRanking:
    return venue if forecast is None else venue.model_copy(update={"forecast_attendance_rate": forecast})


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
    )


def _forecasts(forecaster: VenueForecaster, warehouse: Warehouse, venue_ids: list[str]) -> dict[str, float]:
    try:
        return forecaster.forecast(warehouse, venue_ids, dt.date.today())
    except ApiError as exc:
        log.warning("venue forecast unavailable (%s backend): %s", forecaster.backend, exc.details or exc.error,
                    extra={"internal": getattr(exc, "internal", None)})  # fmt: skip
    except Exception:  # the ranking stands on its own; a broken forecaster must not take it down
        log.exception("venue forecast failed (%s backend)", forecaster.backend)
    return {}
