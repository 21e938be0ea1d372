"""`POST /venues/popularity` — function `concert-api-venue-popularity`."""

from __future__ import annotations

from concert_api import composition
from concert_api.handlers.events import ApiRequest
from concert_api.handlers.runtime import api_endpoint
from concert_api.models import VenuePopularityRequest, VenuePopularityResponse
from concert_api.services import venue_popularity


@api_endpoint(
    name="venue-popularity", method="POST", path="/venues/popularity", event="Venue popularity handler invoked"
)
def venue_popularity_handler(request: ApiRequest) -> VenuePopularityResponse:
    """Rank venues by popularity, as the guide's request and response describe (plus each venue's batch-scored
    forecast attendance rate, when it has one)."""
    body = request.parse(VenuePopularityRequest)
    return venue_popularity.rank_venues(body, composition.warehouse())
