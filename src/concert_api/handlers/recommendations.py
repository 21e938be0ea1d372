"""`POST /recommendations` — function `concert-api-recommendations`."""

from __future__ import annotations

from concert_api import composition
from concert_api.handlers.events import ApiRequest
from concert_api.handlers.runtime import api_endpoint
from concert_api.models import RecommendationsRequest, RecommendationsResponse
from concert_api.services import recommendations


@api_endpoint(name="recommendations", method="POST", path="/recommendations", event="Recommendations handler invoked")
def recommendations_handler(request: ApiRequest) -> RecommendationsResponse:
    """Recommend upcoming concerts from the user's preferences, place and history."""
    body = request.parse(RecommendationsRequest)
    return recommendations.recommend(body, composition.warehouse())
