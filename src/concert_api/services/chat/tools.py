"""The tool registry: the platform's functions as tools with a typed input, a description and an intent.

The same registry serves the local assistant (which fills the inputs from the entities it recognised), the
Bedrock Agent action-group Lambda (which receives them from the agent) and the Converse tool-use loop. Tools
take names as well as ids, because people and language models speak in names: "Olivia Royce", not
"artist_001". Each tool returns a JSON-ready dict; `run_tool` validates the arguments and records which tool ran
with which parameters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from concert_api.adapters.warehouse.base import Row, Warehouse
from concert_api.adapters.warehouse.queries import chat as q
from concert_api.errors import BadRequest, NotFound, ServiceNotConfigured, describe_validation_error
from concert_api.models import (
    Genre,
    Id,
    PriceCurveRequest,
    PriceCurveResponse,
    RecommendationsRequest,
    TicketPredictionRequest,
    TicketPredictionResponse,
    VenuePopularityRequest,
)
from concert_api.services.recommendations import recommend
from concert_api.services.venue_popularity import rank_venues

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)
UPCOMING_HORIZON_DAYS = 730

Predict = Callable[[TicketPredictionRequest], TicketPredictionResponse]
PriceCurve = Callable[[PriceCurveRequest], PriceCurveResponse]


class AmbiguousName(BadRequest):
    """A name matches several artists or venues; `candidates` lists them so the caller can ask which."""

    def __init__(self, kind: str, name: str, candidates: list[str]) -> None:
        shown = ", ".join(candidates[:5])
        super().__init__(f"{kind} {name!r} matches several: {shown}. Give the full name.")
        self.kind = kind
        self.name = name
        self.candidates = candidates


@dataclass
class ToolContext:
    """What the tools need: the warehouse, today's date (injectable for tests), and the ticket-prediction and
    price-curve services (the composition passes them in; without them, predictions and price curves answer that
    they are not available)."""

    warehouse: Warehouse
    today: dt.date = field(default_factory=dt.date.today)
    predict: Predict | None = None
    price_curve: PriceCurve | None = None


# --- Inputs ------------------------------------------------------------------------------------------------


class ToolInput(BaseModel):
    """Tool inputs reject unknown fields and strip whitespace, like the API's requests."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ArtistLookupInput(ToolInput):
    artist: str | None = Field(None, min_length=1, max_length=120,
                               description="Artist name or id. Omit to list the most popular artists.")
    genre: Genre | None = Field(None, description="Only artists of this genre (when no artist is named).")
    top_n: int = Field(5, ge=1, le=50, description="How many artists to list when no artist is named.")
    compare_with: str | None = Field(None, min_length=1, max_length=120,
                                     description="A second artist (name or id) to compare with the first, side by "
                                                 "side.")


class VenueLookupInput(ToolInput):
    venue: str = Field(min_length=1, max_length=120, description="Venue name or id.")
    compare_with: str | None = Field(None, min_length=1, max_length=120,
                                     description="A second venue (name or id) to compare with the first, side by "
                                                 "side.")


class ConcertSearchInput(ToolInput):
    artist: str | None = Field(None, min_length=1, max_length=120, description="Artist name or id.")
    artists: list[str] | None = Field(None, min_length=1, max_length=10,
                               description="Several artists (names or ids): concerts by any of them, e.g. the artists "
                                           "of the last answer ('which of them play in Denver?').")
    venue: str | None = Field(None, min_length=1, max_length=120, description="Venue name or id.")
    city: str | None = Field(None, min_length=1, max_length=100, description="City, e.g. 'Chicago'.")
    state: str | None = Field(None, min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$",
                              description="Two-letter US state code, e.g. 'TX'.")
    genre: Genre | None = Field(None, description="Genre of the artist.")
    date_from: dt.date | None = Field(None, description="First date (YYYY-MM-DD), inclusive.")
    date_to: dt.date | None = Field(None, description="Last date (YYYY-MM-DD), inclusive.")
    max_price: float | None = Field(None, gt=0, le=100_000, description="Highest face-value ticket price in USD.")
    when: Literal["upcoming", "past", "any"] = Field(
        "upcoming", description="Scheduled concerts from today on, completed ones before today, or both.")
    limit: int = Field(10, ge=1, le=50, description="How many concerts to list.")

    @field_validator("state")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


class TicketPredictionInput(ToolInput):
    artist: str = Field(min_length=1, max_length=120, description="Artist name or id.")
    venue: str = Field(min_length=1, max_length=120, description="Venue name or id.")
    event_date: dt.date = Field(description="Date of the concert (YYYY-MM-DD).")
    ticket_price: float = Field(gt=0, le=100_000, description="Face-value ticket price in USD.")


class PriceCurveInput(ToolInput):
    artist: str = Field(min_length=1, max_length=120, description="Artist name or id.")
    venue: str = Field(min_length=1, max_length=120, description="Venue name or id.")
    event_date: dt.date = Field(description="Date of the concert (YYYY-MM-DD).")
    min_price: float | None = Field(None, gt=0, le=100_000,
                                    description="Lowest list price to try, in USD (default: half the artist's usual "
                                                "price).")
    max_price: float | None = Field(None, gt=0, le=100_000,
                                    description="Highest list price to try, in USD (default: three times the "
                                                "artist's usual price).")


class RecommendationsInput(ToolInput):
    genres: list[Genre] = Field(default_factory=list, max_length=15, description="Preferred genres.")
    location: str | None = Field(None, min_length=1, max_length=100,
                                 description="A city ('Chicago', 'Austin, TX') or a two-letter state code.")
    user_id: Id | None = Field(None, description="The user, to use their attendance history.")
    top_n: int = Field(5, ge=1, le=50, description="How many concerts to recommend.")

    @field_validator("genres", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v for v in value.replace(";", ",").split(",") if v.strip()]
        if isinstance(value, list):
            return [v.strip().lower() if isinstance(v, str) else v for v in value]
        return value


class SalesFiguresInput(ToolInput):
    artist: str | None = Field(None, min_length=1, max_length=120, description="Artist name or id.")
    venue: str | None = Field(None, min_length=1, max_length=120, description="Venue name or id.")
    city: str | None = Field(None, min_length=1, max_length=100, description="City, e.g. 'Chicago'.")
    state: str | None = Field(None, min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$",
                              description="Two-letter US state code.")
    genre: Genre | None = Field(None, description="Genre of the artist.")
    date_from: dt.date | None = Field(None, description="First concert date (YYYY-MM-DD), inclusive.")
    date_to: dt.date | None = Field(None, description="Last concert date (YYYY-MM-DD), inclusive; default today.")
    group_by: Literal["artist", "venue", "city", "state", "genre"] | None = Field(
        None, description="Also rank the figures by this dimension.")
    rank_by: Literal["revenue", "tickets"] = Field(
        "revenue", description="What the group_by ranking orders by, highest first: revenue, or tickets sold "
                               "('which artist sold the most tickets').")
    min_concerts: int | None = Field(None, ge=1, le=10_000,
                              description="Only groups with at least this many completed concerts in the ranking.")
    top_n: int = Field(5, ge=1, le=50, description="How many groups to rank when group_by is given.")

    @field_validator("state")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


VENUE_RANKING_NOTES = {
    "top_n": "How many venues to rank.",
    "min_events": "Only venues with at least this many concerts.",
    "city": "Only venues in this city.",
    "state": "Only venues in this two-letter US state.",
    "venue_type": "Only venues of this type.",
}


# --- The tools ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tool:
    """One function of the platform offered to an assistant."""

    name: str
    intent: str
    description: str
    input_model: type[BaseModel]
    run: Callable[[Any, ToolContext], dict[str, Any]]
    field_notes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ToolResult:
    """What ran: the tool, the validated parameters it ran with, and its JSON-ready result."""

    tool: str
    intent: str
    parameters: dict[str, Any]
    result: dict[str, Any]

    def as_data(self) -> dict[str, Any]:
        """The record a chat response's `data` carries."""
        return {"tool": self.tool, "parameters": self.parameters, "result": self.result}


def _venue_rankings(args: VenuePopularityRequest, ctx: ToolContext) -> dict[str, Any]:
    response = rank_venues(args, ctx.warehouse)
    return {"venues": [v.model_dump(mode="json", exclude_none=True) for v in response.venues],
            "total_venues": response.total_venues}


def _artist_lookup(args: ArtistLookupInput, ctx: ToolContext) -> dict[str, Any]:
    if not args.artist:
        rows = ctx.warehouse.query(q.TOP_ARTISTS, {"today": ctx.today.isoformat(), "genre": args.genre or "",
                                                   "top_n": args.top_n})
        return {"artists": [_top_artist(r) for r in rows], "total_artists": len(rows)}
    result: dict[str, Any] = {"artist": _artist_profile(args.artist, ctx)}
    if args.compare_with:
        result["compared_with"] = _artist_profile(args.compare_with, ctx)
    return result


def _artist_profile(name: str, ctx: ToolContext) -> dict[str, Any]:
    artist = resolve_artist(name, ctx.warehouse)
    rows = ctx.warehouse.query(q.ARTIST_PROFILE, {"artist_id": artist["artist_id"], "today": ctx.today.isoformat()})
    profile = _profile(rows[0])
    upcoming = search_concerts(ctx, artist_id=artist["artist_id"], date_from=ctx.today,
                               date_to=ctx.today + dt.timedelta(days=UPCOMING_HORIZON_DAYS), status="scheduled",
                               limit=3)
    profile["next_concerts"] = upcoming["concerts"]
    return profile


def _venue_lookup(args: VenueLookupInput, ctx: ToolContext) -> dict[str, Any]:
    result: dict[str, Any] = {"venue": venue_profile(args.venue, ctx)}
    if args.compare_with:
        result["compared_with"] = venue_profile(args.compare_with, ctx)
    return result


def venue_profile(name: str, ctx: ToolContext) -> dict[str, Any]:
    """A venue's capacity, type and place, its rank in the popularity ranking (among venues with at least the
    ranking's default number of concerts), its attendance and revenue per event, and its next concerts."""
    venue = resolve_venue(name, ctx.warehouse)
    min_events = int(VenuePopularityRequest.model_fields["min_events"].default)
    row = ctx.warehouse.query(q.VENUE_PROFILE, {"venue_id": venue["venue_id"], "today": ctx.today.isoformat(),
                                                "min_events": min_events})[0]
    rate = row["avg_attendance_rate"]
    profile: dict[str, Any] = {
        "venue_id": row["venue_id"], "name": row["name"], "city": row["city"], "state": row["state"],
        "capacity": int(row["capacity"]), "venue_type": row["venue_type"],
        "total_concerts": int(row["total_concerts"] or 0),
        "avg_attendance_rate": None if rate is None else round(float(rate), 4),
        "revenue_per_event": None if row["revenue_per_event"] is None else round(float(row["revenue_per_event"]), 2),
        "popularity_rank": None if row["popularity_rank"] is None else int(row["popularity_rank"]),
        "ranked_venues": None if row["ranked_venues"] is None else int(row["ranked_venues"]),
        "ranking_min_events": min_events,
        "upcoming_concerts": int(row["upcoming_concerts"] or 0),
    }
    upcoming = search_concerts(ctx, venue_id=venue["venue_id"], date_from=ctx.today,
                               date_to=ctx.today + dt.timedelta(days=UPCOMING_HORIZON_DAYS), status="scheduled",
                               limit=3)
    profile["next_concerts"] = upcoming["concerts"]
    return profile


def _concert_search(args: ConcertSearchInput, ctx: ToolContext) -> dict[str, Any]:
    if args.artists and not args.artist:
        return _concerts_by_artists(args, ctx)
    artist_id = resolve_artist(args.artist, ctx.warehouse)["artist_id"] if args.artist else ""
    venue_id = resolve_venue(args.venue, ctx.warehouse)["venue_id"] if args.venue else ""
    if args.when == "upcoming":
        start = max(args.date_from or ctx.today, ctx.today)
        end = args.date_to or start + dt.timedelta(days=UPCOMING_HORIZON_DAYS)
        status = "scheduled"
    elif args.when == "past":
        start = args.date_from or EARLIEST
        end = min(args.date_to or ctx.today, ctx.today - dt.timedelta(days=1))
        status = "completed"
    else:
        start, end, status = args.date_from or EARLIEST, args.date_to or LATEST, ""
    found = search_concerts(ctx, artist_id=artist_id, venue_id=venue_id, city=args.city or "",
                            state=args.state or "", genre=args.genre or "", date_from=start, date_to=end,
                            status=status, max_price=args.max_price or 0.0, limit=args.limit)
    return {**found, "date_from": start.isoformat(), "date_to": end.isoformat()}


def _concerts_by_artists(args: ConcertSearchInput, ctx: ToolContext) -> dict[str, Any]:
    """Concerts by any of several artists: one search per artist, merged in date order (the SQL takes one
    artist; ten at most keeps this a handful of small queries)."""
    merged: list[dict[str, Any]] = []
    total = 0
    result: dict[str, Any] = {}
    for name in dict.fromkeys(args.artists or []):
        one = args.model_copy(update={"artist": name, "artists": None})
        result = _concert_search(one, ctx)
        merged += result["concerts"]
        total += result["total_matches"]
    merged.sort(key=lambda c: (c["event_date"], c["concert_id"]))
    return {"concerts": merged[:args.limit], "total_matches": total, "date_from": result["date_from"],
            "date_to": result["date_to"]}


def _concert_named(artist_name: str, venue_name: str, event_date: dt.date,
                   ctx: ToolContext) -> tuple[Row, Row, dict[str, Any]]:
    """The artist and venue a request names, and the concert's description every answer about it starts with."""
    artist = resolve_artist(artist_name, ctx.warehouse)
    venue = resolve_venue(venue_name, ctx.warehouse)
    base: dict[str, Any] = {
        "artist": {"artist_id": artist["artist_id"], "name": artist["name"]},
        "venue": {"venue_id": venue["venue_id"], "name": venue["name"], "city": venue["city"],
                  "state": venue["state"], "capacity": int(venue["capacity"])},
        "event_date": event_date.isoformat(),
    }
    return artist, venue, base


def _ticket_prediction(args: TicketPredictionInput, ctx: ToolContext) -> dict[str, Any]:
    artist, venue, base = _concert_named(args.artist, args.venue, args.event_date, ctx)
    base["ticket_price"] = round(args.ticket_price, 2)
    request = TicketPredictionRequest(artist_id=artist["artist_id"], venue_id=venue["venue_id"],
                                      event_date=args.event_date, ticket_price=args.ticket_price)
    try:
        if ctx.predict is None:
            raise ServiceNotConfigured("Ticket-sales prediction is not available here.")
        response = ctx.predict(request)
    except ServiceNotConfigured as exc:
        return {**base, "available": False, "reason": exc.details or exc.error}
    prediction = response.model_dump(mode="json", exclude_none=True)
    prediction.pop("timestamp", None)
    prediction.pop("features_used", None)
    cautions = [c for w in response.warnings or [] if (c := read_warning(w)) is not None]
    if cautions:
        prediction["cautions"] = cautions
    price_used = next((c["predicted_at"] for c in cautions if "predicted_at" in c), None)
    if price_used is not None:
        prediction["predicted_at_price"] = price_used
    return {**base, "available": True, **prediction}


OUTSIDE_THE_GRID = re.compile(r"prices lie outside what the model was trained on")
"""The price-curve service's summary warning; the curve's `extrapolated` flags say the same, and a reply words
them."""
SELLS_OUT_AT = 0.5
"""A price "sells out" when the model gives a sell-out probability of at least this (an even chance or better)."""


def _price_curve(args: PriceCurveInput, ctx: ToolContext) -> dict[str, Any]:
    """The price-curve service for a concert named in words: the best price, the highest price likely to sell out,
    and the curve, with the service's warnings."""
    artist, venue, base = _concert_named(args.artist, args.venue, args.event_date, ctx)
    try:
        request = PriceCurveRequest(artist_id=artist["artist_id"], venue_id=venue["venue_id"],
                                    event_date=args.event_date, min_price=args.min_price, max_price=args.max_price)
    except ValidationError as exc:
        raise BadRequest(describe_validation_error(exc)) from None
    try:
        if ctx.price_curve is None:
            raise ServiceNotConfigured("Price curves are not available here.")
        response = ctx.price_curve(request)
    except ServiceNotConfigured as exc:
        return {**base, "available": False, "reason": exc.details or exc.error}
    curve = [p.model_dump(mode="json", exclude_none=True) for p in response.curve]
    selling_out = [p for p in curve if _sells_out(p, response.capacity)]
    result: dict[str, Any] = {
        **base, "available": True, "usual_price": response.usual_price,
        "best_price": response.best_price.model_dump(mode="json", exclude_none=True),
        "sell_out_price": max(selling_out, key=lambda p: p["ticket_price"]) if selling_out else None,
        "lowest_price": curve[0], "highest_price": curve[-1], "curve": curve,
        "model_version": response.model_version, "warnings": response.warnings,
    }
    parsed = [(w, read_warning(w)) for w in response.warnings or []]
    result["cautions"] = [c for _, c in parsed if c is not None] or None
    result["other_warnings"] = [w for w, c in parsed if c is None and not OUTSIDE_THE_GRID.search(w)] or None
    return {k: v for k, v in result.items() if v is not None}


def _sells_out(point: Mapping[str, Any], capacity: int) -> bool:
    probability = point.get("sell_out_probability")
    if probability is not None:
        return float(probability) >= SELLS_OUT_AT
    return float(point["predicted_sales"]) >= capacity


_MONEY = r"\$([\d,]+(?:\.\d+)?)"
_WARNINGS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((kind, re.compile(p)) for kind, p in (
    ("price_above", rf"^ticket_price {_MONEY} is above .* for (?P<kind>\w+) \({_MONEY}–{_MONEY}\).*capped at what "
                    rf"it predicts for {_MONEY}"),
    ("price_below", rf"^ticket_price {_MONEY} is below .* for (?P<kind>\w+) \({_MONEY}–{_MONEY}\).*held at what "
                    rf"it predicts for {_MONEY}"),
    ("price_outside", rf"^ticket_price {_MONEY} is (?P<direction>above|below) .* for (?P<kind>\w+) "
                      rf"\({_MONEY}–{_MONEY}\): the prediction is an extrapolation along the price response"),
    ("unseen_venue_type", r"^the model was trained on no (?P<kind>\w+) concerts"),
    ("unusual_price", rf"is (?P<ratio>[\d.]+) times the (?P<whose>artist|venue)'s usual price \({_MONEY}\)"),
    ("date_before", r"^event_date (?P<day>\d{4}-\d\d-\d\d) is before .*\((?P<first>\d{4}-\d\d-\d\d)\)"),
    ("date_after", r"^event_date (?P<day>\d{4}-\d\d-\d\d) is more than 18 months after .*\("
                   r"(?P<last>\d{4}-\d\d-\d\d)\)"),
))


def read_warning(text: str) -> dict[str, Any] | None:
    """A prediction warning of the API (`ml.training_range`) as numbers a reply can quote: the price the model
    actually predicted at, the list prices it knows, the usual price, the dates it was trained on. None for a
    warning of another shape (the reply then quotes it whole)."""
    for kind, pattern in _WARNINGS:
        m = pattern.search(text)
        if m is None:
            continue
        numbers = [float(g.replace(",", "")) for g in m.groups() if g and g[0].isdigit() and "-" not in g]
        if kind in {"price_above", "price_below"}:
            price, low, high, at = numbers[-4:]
            return {"kind": kind, "venue_type": m.group("kind"), "ticket_price": price, "known_low": low,
                    "known_high": high, "predicted_at": at}
        if kind == "price_outside":
            price, low, high = numbers[-3:]
            return {"kind": kind, "direction": m.group("direction"), "venue_type": m.group("kind"),
                    "ticket_price": price, "known_low": low, "known_high": high}
        if kind == "unseen_venue_type":
            return {"kind": kind, "venue_type": m.group("kind")}
        if kind == "unusual_price":
            return {"kind": kind, "whose": m.group("whose"), "ratio": float(m.group("ratio")),
                    "usual_price": numbers[-1]}
        if kind == "date_before":
            return {"kind": kind, "event_date": m.group("day"), "first_date": m.group("first")}
        return {"kind": kind, "event_date": m.group("day"), "last_date": m.group("last")}
    return None


def _recommendations(args: RecommendationsInput, ctx: ToolContext) -> dict[str, Any]:
    request = RecommendationsRequest(user_id=args.user_id, artist_preferences=args.genres,
                                     location=args.location, top_n=args.top_n)
    response = recommend(request, ctx.warehouse, today=ctx.today)
    return {"recommendations": [r.model_dump(mode="json", exclude_none=True) for r in response.recommendations],
            "total_recommendations": response.total_recommendations,
            "recommendation_type": response.recommendation_type}


def _sales_figures(args: SalesFiguresInput, ctx: ToolContext) -> dict[str, Any]:
    params: dict[str, Any] = {
        "artist_id": resolve_artist(args.artist, ctx.warehouse)["artist_id"] if args.artist else "",
        "venue_id": resolve_venue(args.venue, ctx.warehouse)["venue_id"] if args.venue else "",
        "city": args.city or "",
        "state": args.state or "",
        "genre": args.genre or "",
        "date_from": (args.date_from or EARLIEST).isoformat(),
        "date_to": min(args.date_to or ctx.today, ctx.today).isoformat(),
    }
    totals = _totals(ctx.warehouse.query(q.SALES_TOTALS, params)[0])
    result: dict[str, Any] = {"totals": totals, "date_from": params["date_from"], "date_to": params["date_to"]}
    if args.group_by:
        rows = ctx.warehouse.query(q.SALES_BREAKDOWN, {**params, "group_by": args.group_by, "top_n": args.top_n,
                                                       "rank_by": args.rank_by,
                                                       "min_concerts": args.min_concerts or 1})
        result["group_by"] = args.group_by
        result["rank_by"] = args.rank_by
        result["breakdown"] = [{"name": r["group_name"], "concerts": int(r["concerts"]),
                                "tickets_sold": int(r["tickets_sold"]), "revenue": round(float(r["revenue"]), 2),
                                "rank": int(r["sales_rank"])} for r in rows]
    return result


TOOLS: tuple[Tool, ...] = (
    Tool("venue_rankings", "venue_popularity",
         "Rank concert venues by popularity (attendance rate shrunk toward the mean for venues with few concerts), "
         "optionally within a city, a state or a venue type. Returns each venue's concerts, attendance rate, "
         "revenue per event and rank.",
         VenuePopularityRequest, _venue_rankings, VENUE_RANKING_NOTES),
    Tool("artist_lookup", "artist_lookup",
         "Look up an artist by name: genre, popularity (0-100), home city, concerts played, tickets sold, revenue, "
         "average attendance and next concerts; with compare_with, a second artist side by side. Without a name, "
         "list the most popular artists.",
         ArtistLookupInput, _artist_lookup),
    Tool("venue_lookup", "venue_lookup",
         "Look up a venue by name or id: capacity, type, city and state, rank in the popularity ranking, concerts, "
         "average attendance, revenue per event, upcoming concerts and the next ones; with compare_with, a second "
         "venue side by side.",
         VenueLookupInput, _venue_lookup),
    Tool("concert_search", "concert_search",
         "Find concerts by artist, venue, city, state, genre, date range and maximum ticket price. Upcoming "
         "(scheduled) concerts by default; past (completed) ones with when='past'.",
         ConcertSearchInput, _concert_search),
    Tool("ticket_prediction", "ticket_prediction",
         "Predict how many tickets a concert would sell, for an artist, a venue, a date and a ticket price.",
         TicketPredictionInput, _ticket_prediction),
    Tool("price_curve", "price_curve",
         "Price a concert: for an artist, a venue and a date, the predicted tickets sold and expected revenue "
         "across a range of ticket prices (by default half to three times the artist's usual price), the "
         "revenue-maximising price (best_price: its expected revenue and sell-out probability) and the highest "
         "price likely to sell out (sell_out_price: sell-out probability at least 50%; absent when no price of the "
         "range is). Answers 'what price would sell out / earn the most for X at Y on D?'. Quote its warnings.",
         PriceCurveInput, _price_curve),
    Tool("recommendations", "recommendations",
         "Recommend upcoming concerts for preferred genres, a location and optionally a user's history.",
         RecommendationsInput, _recommendations),
    Tool("sales_figures", "sales_query",
         "Ticket sales of completed concerts: concerts, tickets sold, revenue, average price paid per ticket "
         "(revenue over tickets sold) and average attendance rate, filtered by artist, venue, city, state, genre and "
         "dates; optionally ranked by a dimension, by revenue or (rank_by='tickets') by tickets sold.",
         SalesFiguresInput, _sales_figures),
)

TOOLS_BY_NAME: dict[str, Tool] = {t.name: t for t in TOOLS}
TOOL_FOR_INTENT: dict[str, Tool] = {t.intent: t for t in TOOLS}


def get_tool(name: str) -> Tool:
    """The tool called `name`; a `NotFound` listing the tools otherwise."""
    try:
        return TOOLS_BY_NAME[name]
    except KeyError:
        raise NotFound(f"unknown tool {name!r}; tools: {', '.join(TOOLS_BY_NAME)}") from None


def validate_arguments(tool: Tool, arguments: Mapping[str, Any]) -> BaseModel:
    """The arguments validated as the tool's input; a `BadRequest` naming each bad field otherwise."""
    try:
        return tool.input_model.model_validate(dict(arguments))
    except ValidationError as exc:
        raise BadRequest(describe_validation_error(exc)) from None


def run_tool(name: str, arguments: Mapping[str, Any], ctx: ToolContext) -> ToolResult:
    """Validate the arguments, run the tool, and record what ran with which parameters."""
    tool = get_tool(name)
    args = validate_arguments(tool, arguments)
    result = tool.run(args, ctx)
    parameters = args.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    return ToolResult(tool=tool.name, intent=tool.intent, parameters=parameters, result=result)


# --- Shared look-ups ----------------------------------------------------------------------------------------


def resolve_artist(name: str, warehouse: Warehouse) -> Row:
    """The artist with this id or name (exact, else the only partial match); `AmbiguousName` or `NotFound`."""
    return _resolve("artist", name, warehouse.query(q.ARTISTS_BY_NAME, {"name": name}), "artist_id")


def resolve_venue(name: str, warehouse: Warehouse) -> Row:
    """The venue with this id or name (exact, else the only partial match); `AmbiguousName` or `NotFound`."""
    return _resolve("venue", name, warehouse.query(q.VENUES_BY_NAME, {"name": name}), "venue_id")


def _resolve(kind: str, name: str, rows: list[Row], id_column: str) -> Row:
    exact = [r for r in rows if r[id_column] == name or str(r["name"]).lower() == name.lower()]
    if exact:
        return exact[0]
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise NotFound(f"No {kind} named {name!r}.")
    raise AmbiguousName(kind, name, [str(r["name"]) for r in rows])


def search_concerts(ctx: ToolContext, *, date_from: dt.date, date_to: dt.date, status: str, limit: int,
                    artist_id: str = "", venue_id: str = "", city: str = "", state: str = "", genre: str = "",
                    max_price: float = 0.0) -> dict[str, Any]:
    """Concerts matching the filters, in date order, with the total number of matches."""
    rows = ctx.warehouse.query(q.CONCERT_SEARCH, {
        "date_from": date_from.isoformat(), "date_to": date_to.isoformat(), "status": status,
        "artist_id": artist_id, "venue_id": venue_id, "city": city, "state": state, "genre": genre,
        "max_price": float(max_price), "limit": limit,
    })
    concerts = [_concert(r) for r in rows]
    return {"concerts": concerts, "total_matches": int(rows[0]["total_matches"]) if rows else 0}


def _concert(row: Row) -> dict[str, Any]:
    concert: dict[str, Any] = {
        "concert_id": row["concert_id"],
        "event_date": str(row["event_date"])[:10],
        "venue_id": row["venue_id"],
        "artist_name": row["artist_name"],
        "genre": row["genre"],
        "venue_name": row["venue_name"],
        "city": row["city"],
        "state": row["state"],
        "capacity": int(row["capacity"]),
        "ticket_price": round(float(row["ticket_price"]), 2),
        "status": row["status"],
    }
    if row.get("tickets_sold") is not None:
        concert["tickets_sold"] = int(row["tickets_sold"])
        concert["revenue"] = round(float(row["revenue"]), 2)
    return concert


def _top_artist(row: Row) -> dict[str, Any]:
    return {"artist_id": row["artist_id"], "name": row["name"], "genre": row["genre"],
            "popularity": round(float(row["popularity"]), 1), "upcoming_concerts": int(row["upcoming_concerts"]),
            "rank": int(row["popularity_rank"])}


def _profile(row: Row) -> dict[str, Any]:
    rate = row["avg_attendance_rate"]
    return {
        "artist_id": row["artist_id"], "name": row["name"], "genre": row["genre"],
        "popularity": round(float(row["popularity"]), 1),
        "home_city": row["home_city"], "home_state": row["home_state"],
        "completed_concerts": int(row["completed_concerts"] or 0),
        "upcoming_concerts": int(row["upcoming_concerts"] or 0),
        "tickets_sold": int(row["tickets_sold"] or 0),
        "revenue": round(float(row["revenue"] or 0), 2),
        "avg_attendance_pct": None if rate is None else round(100 * float(rate), 1),
        "last_concert_date": None if row["last_concert_date"] is None else str(row["last_concert_date"])[:10],
    }


def _totals(row: Row) -> dict[str, Any]:
    price, rate = row["avg_price_paid"], row["avg_attendance_rate"]
    return {
        "concerts": int(row["concerts"] or 0),
        "tickets_sold": int(row["tickets_sold"] or 0),
        "revenue": round(float(row["revenue"] or 0), 2),
        "avg_price_paid": None if price is None else round(float(price), 2),
        "avg_attendance_pct": None if rate is None else round(100 * float(rate), 1),
        "first_date": None if row["first_date"] is None else str(row["first_date"])[:10],
        "last_date": None if row["last_date"] is None else str(row["last_date"])[:10],
    }
