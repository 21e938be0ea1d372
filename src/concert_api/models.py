"""Request and response models of the five endpoints, exactly as the guide writes them.

They validate what comes in, document what goes out, and are the source of the OpenAPI document and of the
agent tool schemas. Extra fields beyond the guide's are additive and optional.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Genre = Literal[
    "pop",
    "rock",
    "hip-hop",
    "country",
    "electronic",
    "r&b",
    "latin",
    "alternative",
    "indie",
    "metal",
    "jazz",
    "folk",
    "blues",
    "classical",
    "reggae",
]
VenueType = Literal["club", "theater", "arena", "amphitheater", "stadium"]

GENRES: tuple[str, ...] = get_args(Genre)
"""The genres the platform knows; requests naming any other genre get a 400."""

VENUE_TYPES: tuple[str, ...] = get_args(VenueType)
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class RequestModel(BaseModel):
    """Requests reject unknown fields, so a typo in a field name is a 400 that names it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


# --- POST /chat -------------------------------------------------------------------------------------


class ChatRequest(RequestModel):
    message: str = Field(min_length=1, max_length=2000, examples=["Tell me about popular artists"])
    session_id: str | None = Field(
        None,
        min_length=2,
        max_length=100,
        pattern=r"^[0-9a-zA-Z._:-]+$",
        description="Continue a conversation; created when absent.",
    )
    user_id: Id | None = None


class ChatResponse(ResponseModel):
    message: str
    session_id: str
    intent: str
    confidence: float = Field(ge=0, le=1)
    data: dict[str, Any] = Field(default_factory=dict)
    suggestions: list[str] = Field(default_factory=list)
    timestamp: str


# --- POST /venues/popularity ------------------------------------------------------------------------


class VenuePopularityRequest(RequestModel):
    top_n: int = Field(10, ge=1, le=100)
    min_events: int = Field(5, ge=0, le=100_000)
    city: str | None = Field(None, min_length=1, max_length=100)
    state: str | None = Field(None, min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")
    venue_type: VenueType | None = None

    @field_validator("state")
    @classmethod
    def _upper_state(cls, value: str | None) -> str | None:
        return value.upper() if value else value


class VenueRanking(ResponseModel):
    venue_id: str
    name: str
    city: str
    state: str
    capacity: int
    venue_type: str
    total_concerts: int
    avg_attendance_rate: float
    revenue_per_event: float
    booking_frequency: float
    popularity_rank: int
    popularity_score: float | None = Field(
        None, description="Attendance rate shrunk toward the mean for venues with few concerts."
    )
    forecast_attendance_rate: float | None = Field(
        None, description="Expected attendance rate over the coming months, when the venue model is available."
    )


class VenuePopularityResponse(ResponseModel):
    venues: list[VenueRanking]
    total_venues: int
    timestamp: str


# --- POST /tickets/predict --------------------------------------------------------------------------


class TicketPredictionRequest(RequestModel):
    artist_id: Id
    venue_id: Id
    event_date: dt.date
    ticket_price: float = Field(gt=0, le=100_000)


class PredictionInterval(ResponseModel):
    low: float
    high: float
    coverage: float = Field(gt=0, lt=1)


class TicketPredictionResponse(ResponseModel):
    predicted_sales: float
    confidence: float = Field(ge=0, le=1)
    features_used: dict[str, Any]
    prediction_interval: PredictionInterval | None = None
    model_version: str | None = None
    timestamp: str


# --- POST /recommendations --------------------------------------------------------------------------


class LocationFilter(RequestModel):
    """A city, a state, or a point with a radius; recommendations decay with distance from it."""

    city: str | None = Field(None, min_length=1, max_length=100)
    state: str | None = Field(None, min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    radius_km: float = Field(100.0, gt=0, le=5000)

    @model_validator(mode="after")
    def _one_kind(self) -> LocationFilter:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude must be given together")
        if self.city is None and self.state is None and self.latitude is None:
            raise ValueError("give a city, a state, or latitude and longitude")
        if self.state:
            self.state = self.state.upper()
        return self


class RecommendationsRequest(RequestModel):
    user_id: Id | None = None
    artist_preferences: list[Genre] = Field(default_factory=list, max_length=len(GENRES))
    location: str | LocationFilter | None = Field(
        None, description='A city ("New York"), a state ("NY"), or {"latitude", "longitude", "radius_km"}.'
    )
    top_n: int = Field(10, ge=1, le=100)

    @field_validator("artist_preferences", mode="before")
    @classmethod
    def _lower_genres(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [v.strip().lower() if isinstance(v, str) else v for v in value]
        return value

    @field_validator("location")
    @classmethod
    def _non_empty_location(cls, value: str | LocationFilter | None) -> str | LocationFilter | None:
        if isinstance(value, str) and not (1 <= len(value) <= 100):
            raise ValueError("location must be a city or state name of 1 to 100 characters")
        return value


class Recommendation(ResponseModel):
    concert_id: str
    artist_name: str
    genre: str
    artist_popularity: float
    venue_name: str
    city: str
    state: str
    capacity: int
    event_date: str
    score: float = Field(ge=0, le=1)
    reasoning: str
    distance_km: float | None = None


RecommendationType = Literal["personalized", "genre_filtered", "location_based", "popular"]


class RecommendationsResponse(ResponseModel):
    recommendations: list[Recommendation]
    total_recommendations: int
    recommendation_type: RecommendationType
    timestamp: str


# --- GET /health ------------------------------------------------------------------------------------

ServiceState = Literal["configured", "not_configured"]


class ProbeResult(ResponseModel):
    status: Literal["ok", "error", "skipped"]
    latency_ms: float | None = None
    details: str | None = None


class HealthResponse(ResponseModel):
    status: Literal["healthy", "degraded", "unhealthy"]
    timestamp: str
    version: str
    services: dict[str, str]
    backends: dict[str, str] | None = Field(None, description="The adapters in use (warehouse, predictor, ...).")
    probes: dict[str, ProbeResult] | None = Field(None, description="Present with ?deep=true.")


class ErrorResponse(ResponseModel):
    error: str
    details: str
    timestamp: str
