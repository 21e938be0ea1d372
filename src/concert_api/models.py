"""Request and response models of the five endpoints, exactly as the guide writes them.

They validate what comes in, document what goes out, and are the source of the OpenAPI document and of the
agent tool schemas. Extra fields beyond the guide's are additive and optional.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from concert_api.vocabulary import state_code

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

DEFAULT_RADIUS_KM = 100.0
"""The radius around a city or point when the request does not give one."""
Count = Annotated[int, Strict()]
"""A whole number given as a JSON number: `"5"`, `5.0` and `true` are rejected, not coerced."""
Number = Annotated[float, Strict(), AllowInfNan(False)]
"""A finite JSON number: strings, booleans, NaN and Infinity are rejected."""
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]

EVENT_DATE_MIN = dt.date(1990, 1, 1)
EVENT_DATE_MAX = dt.date(2099, 12, 31)
"""The window of concert dates the API reasons about: the warehouse's history and any booking ahead."""


def _iso_event_date(value: Any) -> Any:
    """Only `YYYY-MM-DD` (or a `date` from Python callers): not a number, which pydantic would read as seconds
    since 1970, and not a datetime; inside [`EVENT_DATE_MIN`, `EVENT_DATE_MAX`]."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("must be a real date written YYYY-MM-DD") from None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValueError("must be a date written YYYY-MM-DD, e.g. 2027-06-19")
    if not EVENT_DATE_MIN <= value <= EVENT_DATE_MAX:
        raise ValueError(f"must be between {EVENT_DATE_MIN} and {EVENT_DATE_MAX}")
    return value


EventDate = Annotated[dt.date, BeforeValidator(_iso_event_date)]


def _state_code(value: str | None) -> str | None:
    if value is None:
        return None
    code = state_code(value)
    if code is None:
        raise ValueError(f"unknown US state {value!r}; give a code such as 'TX' or a name such as 'Texas'")
    return code


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class RequestModel(BaseModel):
    """Requests reject unknown fields, so a typo in a field name is a 400 that names it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


# --- POST /chat -------------------------------------------------------------------------------------


class ChatRequest(RequestModel):
    message: str = Field(
        min_length=1, max_length=2000, description="A question about artists, venues, concerts, sales or predictions."
    )
    session_id: str | None = Field(
        None,
        min_length=2,
        max_length=100,
        pattern=r"^[0-9a-zA-Z._:-]+$",
        description="Continue a conversation; created when absent.",
    )
    user_id: Id | None = Field(None, description="Personalises recommendations asked for in the chat.")


class ChatResponse(ResponseModel):
    message: str
    session_id: str
    intent: str
    confidence: float = Field(ge=0, le=1)
    data: dict[str, Any] = Field(default_factory=dict)
    suggestions: list[str] = Field(default_factory=list)
    timestamp: str


# --- POST /venues/popularity ------------------------------------------------------------------------


RankBy = Literal["popularity", "attendance_rate", "revenue", "bookings", "tickets"]
"""The orders of `POST /venues/popularity`; see `warehouse.queries.refresh` for the popularity composite."""
RANK_BY: tuple[str, ...] = get_args(RankBy)


class VenuePopularityRequest(RequestModel):
    top_n: Count = Field(10, ge=1, le=100, description="How many venues to return.")
    min_events: Count = Field(5, ge=0, le=100_000, description="Only venues with at least this many past concerts.")
    city: str | None = Field(None, min_length=1, max_length=100, description="Only venues in this city.")
    state: str | None = Field(
        None, min_length=2, max_length=40, description='Only venues in this state: a code ("TX") or a name ("Texas").'
    )
    venue_type: VenueType | None = Field(None, description="Only venues of this type.")
    rank_by: RankBy = Field(
        "popularity",
        description="What to rank by: popularity (the composite of demand, scale and activity), attendance_rate, "
        "revenue (per event), bookings (concerts per month) or tickets (sold per event).",
    )

    _state = field_validator("state")(lambda value: _state_code(value))
    _venue_type = field_validator("venue_type", mode="before")(lambda value: _lower(value))
    _rank_by = field_validator("rank_by", mode="before")(lambda value: _lower(value))


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
    popularity_rank: int = Field(description="The venue's place in this ranking (by `rank_by`), from 1.")
    popularity_score: float | None = Field(
        None,
        description="The composite popularity in 0-1: 0.4 demand (attendance rate shrunk for few events, among "
        "venues of the same type) + 0.4 scale (tickets per event) + 0.2 activity (bookings per month), each a "
        "percentile rank.",
    )
    tickets_per_event: float | None = Field(None, description="Average tickets sold per completed concert.")
    forecast_attendance_rate: float | None = Field(
        None,
        description="Expected attendance rate over the next 180 days (mean predicted sell-through of the venue's "
        "scheduled concerts), batch-scored with the data; absent when the venue has no forecast.",
    )
    forecast_model_version: str | None = Field(
        None, description="The model version that scored `forecast_attendance_rate`."
    )
    forecast_scored_at: str | None = Field(
        None, description="When `forecast_attendance_rate` was scored (ISO 8601, UTC)."
    )
    latitude: float | None = Field(None, description="The venue's latitude (WGS 84), for a map.")
    longitude: float | None = Field(None, description="The venue's longitude (WGS 84), for a map.")


class VenuePopularityResponse(ResponseModel):
    venues: list[VenueRanking]
    total_venues: int
    timestamp: str


# --- POST /tickets/predict --------------------------------------------------------------------------


class TicketPredictionRequest(RequestModel):
    artist_id: Id = Field(description="The performing artist, e.g. artist_001.")
    venue_id: Id = Field(description="The venue, e.g. venue_001; sales never exceed its capacity.")
    event_date: EventDate = Field(description=f"The concert's date, YYYY-MM-DD, between {EVENT_DATE_MIN} and "
                                              f"{EVENT_DATE_MAX}.")
    ticket_price: Number = Field(gt=0, le=100_000, description="The list price of a ticket, in dollars.")


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
    warnings: list[str] | None = Field(
        None,
        description="Reasons to trust this prediction less, e.g. a price or date outside what the model has seen.",
    )
    timestamp: str


# --- POST /recommendations --------------------------------------------------------------------------


class LocationFilter(RequestModel):
    """A city, a state, or a point with a radius; recommendations decay with distance from it."""

    city: str | None = Field(None, min_length=1, max_length=100)
    state: str | None = Field(None, min_length=2, max_length=40, description='A code ("TX") or a name ("Texas").')
    latitude: Number | None = Field(None, ge=-90, le=90)
    longitude: Number | None = Field(None, ge=-180, le=180)
    radius_km: Number = Field(DEFAULT_RADIUS_KM, gt=0, le=5000, description="Concerts within this distance.")

    @model_validator(mode="after")
    def _one_kind(self) -> LocationFilter:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude must be given together")
        if self.city is None and self.state is None and self.latitude is None:
            raise ValueError("give a city, a state, or latitude and longitude")
        return self

    _state = field_validator("state")(lambda value: _state_code(value))


def _location_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "text"
    return "object" if isinstance(value, dict | LocationFilter) else None


Location = Annotated[
    Annotated[str, Tag("text")] | Annotated[LocationFilter, Tag("object")],
    Discriminator(
        _location_kind,
        custom_error_type="location_type",
        custom_error_message="give a city or state as text, or an object with latitude and longitude",
    ),
]
"""A city or state as text, or a `LocationFilter` object; the tag keeps a 400 about the branch the input took."""

UNION_TAGS = frozenset({"text", "object"})
"""Tags of the request models' unions, which error messages leave out of a field's path."""


class RecommendationsRequest(RequestModel):
    user_id: Id | None = Field(None, description="Personalise from this user's history (404 if unknown).")
    artist_preferences: list[Genre] = Field(
        default_factory=list, max_length=len(GENRES), description="Genres to recommend from."
    )
    location: Location | None = Field(
        None, description='A city ("New York"), a state ("NY"), or {"latitude", "longitude", "radius_km"}.'
    )
    top_n: Count = Field(10, ge=1, le=100, description="How many concerts to return.")

    @field_validator("artist_preferences", mode="before")
    @classmethod
    def _lower_genres(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [v.strip().lower() if isinstance(v, str) else v for v in value]
        return value

    @field_validator("location")
    @classmethod
    def _non_empty_location(cls, value: Any) -> Any:
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
    missing: list[str] | None = Field(
        None, description="Local parts the embedded platform lacks (warehouse file, model), with the command to run."
    )


class ErrorResponse(ResponseModel):
    error: str
    details: str
    timestamp: str


# --- POST /tickets/price-curve ----------------------------------------------------------------------

MAX_PRICE_POINTS = 50
"""The most prices one price curve predicts (the work of a request is bounded)."""
DEFAULT_PRICE_POINTS = 25
Price = Annotated[float, Strict(), AllowInfNan(False), Field(gt=0, le=100_000)]


class PriceCurveRequest(RequestModel):
    artist_id: Id = Field(description="The performing artist, e.g. artist_001.")
    venue_id: Id = Field(description="The venue, e.g. venue_001; sales never exceed its capacity.")
    event_date: dt.date = Field(description="The concert's date, YYYY-MM-DD.")
    min_price: Price | None = Field(
        None, description="Lowest list price of the grid, in dollars (default: half the artist's usual price)."
    )
    max_price: Price | None = Field(
        None, description="Highest list price of the grid, in dollars (default: three times the artist's usual price)."
    )
    points: Count = Field(
        DEFAULT_PRICE_POINTS, ge=2, le=MAX_PRICE_POINTS, description="How many prices, evenly spaced in log."
    )
    prices: list[Price] | None = Field(
        None,
        min_length=1,
        max_length=MAX_PRICE_POINTS,
        description="Exactly these list prices instead of a grid (not with min_price, max_price or points).",
    )

    @field_validator("max_price")
    @classmethod
    def _above_min(cls, value: float | None, info: ValidationInfo) -> float | None:
        low = info.data.get("min_price")
        if value is not None and low is not None and value <= low:
            raise ValueError("must be greater than min_price")
        return value

    @field_validator("prices")
    @classmethod
    def _not_with_a_grid(cls, value: list[float] | None, info: ValidationInfo) -> list[float] | None:
        if value is not None and any(info.data.get(k) is not None for k in ("min_price", "max_price")):
            raise ValueError("give either prices or min_price/max_price, not both")
        return value


class PricePoint(ResponseModel):
    ticket_price: float
    predicted_sales: float = Field(description="Median predicted tickets sold at this list price.")
    expected_revenue: float = Field(description="ticket_price x predicted_sales, in dollars.")
    prediction_interval: PredictionInterval
    confidence: float = Field(ge=0, le=1)
    sell_out_probability: float | None = Field(None, ge=0, le=1)
    extrapolated: bool = Field(description="The price lies outside what the model was trained on for this concert.")


class PriceCurveResponse(ResponseModel):
    artist_id: str
    venue_id: str
    event_date: dt.date
    capacity: int
    usual_price: float | None = Field(
        None, description="The artist's usual list price (geometric mean of past prices), the default grid's centre."
    )
    curve: list[PricePoint]
    best_price: PricePoint = Field(description="The price of the curve with the highest expected revenue.")
    model_version: str | None = None
    warnings: list[str] | None = None
    timestamp: str
