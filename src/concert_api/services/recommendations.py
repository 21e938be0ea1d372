"""Concert recommendations: upcoming concerts ranked by how likely the user is to go.

Two warehouse statements per request (`queries.recommendations`): who is asking and where, then the candidates,
retrieved by the user's seen and similar artists (co-attendance, `artist_similarity`), by genre and by
popularity inside the place and date window, plus the nearest shows beyond it to fill a short list.

Each candidate concert gets a likelihood, the expected share of the user's concert-going it stands for:

    likelihood = genre share x place x demand / local scene of the genre x (prior + artist evidence)

* genre share: 1 for a requested or favourite genre; a genre the user only attended outside their favourites
  weighs `HISTORY_GENRE_WEIGHT` x its share of their history (most visits go to favourites); without genres, 1;
* place: 1 at any venue of the area's own city (the user's home city, or the requested city), else
  exp(-distance / `PLACE_DECAY_KM`): people mostly go out in their own city, rarely in the next one;
* demand: the show's expected crowd, (capacity / 20,000)^0.5 x (artist popularity / 100)^2;
* local scene: the summed place x demand of the genre's concerts in the window, when genres are known: a show is
  a bigger share of a small scene than of a crowded one;
* artist evidence (users with a history): `SEEN_WEIGHT` for an artist the user has seen, else the artist's
  similarity to the user's artists relative to the most similar candidate (collaborative filtering), on top of
  `COLLABORATIVE_PRIOR`.

An artist's likelihood is the sum over its concerts in the window (more shows nearby, more chances); artists are
ranked by it, one concert each (the likeliest), and `score` is the artist's likelihood relative to the best
(1.0). When fewer than `top_n` artists qualify, a second venue per artist fills the list, then concerts beyond the
place or window, nearest first, each saying so in `reasoning`. An unknown `user_id` is a 404: personalisation
was asked for and cannot be given.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from concert_api.adapters.warehouse.base import Row, Warehouse, query_side_by_side, statements_are_round_trips
from concert_api.adapters.warehouse.queries import recommendations as q
from concert_api.errors import NotFound, utc_now_iso
from concert_api.models import (
    Recommendation,
    RecommendationsRequest,
    RecommendationsResponse,
    RecommendationType,
)
from concert_api.services.geo import EARTH_RADIUS_KM, Area, haversine_km, lookup_name, resolve_location
from concert_api.services.result_cache import cached

MAX_PER_ARTIST = 2
"""At most two concerts per artist, at two venues; the second only to fill a short list."""
HOME_RADIUS_KM = 300.0
DEFAULT_WINDOW_DAYS = 180
"""Concerts in the next `window_days` come first; later ones only fill a short list."""
FAVOURITE_GENRE_WEIGHT = 0.5
"""A genre with at least this weight in the user's taste retrieves its own candidates."""
# The likelihood's constants (see the module docstring), chosen on the offline evaluation (docs/recommendations.md).
HISTORY_GENRE_WEIGHT = 0.15
PLACE_DECAY_KM = 5.0
REFERENCE_CAPACITY = 20_000.0
CAPACITY_EXPONENT = 0.3
POPULARITY_EXPONENT = 1.5
SEEN_WEIGHT = 2.0
COLLABORATIVE_PRIOR = 3.0
GENRE_FLOOR = 0.02
"""The genre share of a genre the user has shown no taste for (it still reaches them through popularity)."""
REASON_WEIGHTS = {"popularity": 0.25, "genre": 0.35, "artist": 0.25, "distance": 0.15}
"""How much each factor counts when ordering the reasons given in `reasoning`."""

Scored = tuple[float, Row, dict[str, float], float | None]
"""(likelihood, candidate row, the factors behind it, distance in km or None)."""


@dataclass
class Taste:
    """What is known of the user: preferred genres with weights, artists seen (with how often), home."""

    genres: dict[str, float] = field(default_factory=dict)
    seen_artists: dict[str, int] = field(default_factory=dict)
    home: Area | None = None
    explicit_genres: bool = False

    @property
    def has_history(self) -> bool:
        return bool(self.seen_artists)


@dataclass(frozen=True)
class Window:
    """Where and when the request looks first; candidates outside it only fill a short list."""

    area: Area | None
    today: dt.date
    until: dt.date
    days: int

    def misses(self, row: Row, distance: float | None) -> str | None:
        """Why `row` is outside the window (for `reasoning`), or None when it is inside."""
        area = self.area
        if area is not None and distance is not None and area.latitude is not None and distance > area.radius_km:
            return f"{distance:.0f} km from {area.label}, beyond the {area.radius_km:.0f} km asked for"
        if area is not None and area.state and row["state"] != area.state:
            return f"in {row['state']}, outside {area.state}"
        if _date(row["event_date"]) >= self.until:
            return f"on {str(row['event_date'])[:10]}, after the next {self.days} days"
        return None


def recommend(
    request: RecommendationsRequest,
    warehouse: Warehouse,
    *,
    today: dt.date | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> RecommendationsResponse:
    """Recommend upcoming concerts for the request; see the module docstring for the scoring.

    `today` is the as-of date: concerts on or after it are upcoming (the handler uses the real date; the offline
    evaluation a past cutoff). Two warehouse statements per request: the user and place, then the candidates;
    answers are kept in memory until the warehouse's data changes (`result_cache`)."""
    today = today or dt.date.today()
    key = (request.model_dump_json(), today, window_days)
    answer = cached("recommendations", warehouse, key, lambda: _recommend(request, warehouse, today, window_days))
    return answer.model_copy(update={"timestamp": utc_now_iso()})


def _recommend(request: RecommendationsRequest, warehouse: Warehouse, today: dt.date,
               window_days: int) -> RecommendationsResponse:  # fmt: skip
    name = lookup_name(request.location) if request.location is not None else ""
    context_params = {"user_id": request.user_id or "", "name": name}
    until = today + dt.timedelta(days=window_days)
    if request.user_id and request.location is None and statements_are_round_trips(warehouse):
        # Around the user's home, on the Data API: the candidate statement finds the home and the genres itself,
        # so the two statements run side by side (one round trip instead of two).
        anywhere = Window(None, today, until, window_days)
        candidate_params = _candidate_params(request, _with_requested_genres(Taste(), request), anywhere,
                                            from_home=True)
        context, candidates = query_side_by_side(
            warehouse, [(q.REQUEST_CONTEXT, context_params), (q.CANDIDATES_AROUND_HOME, candidate_params)]
        )
        taste = _taste(request, context)
        window = Window(taste.home, today, until, window_days)
        return _pick(request, taste, window, candidates)
    context = warehouse.query(q.REQUEST_CONTEXT, context_params)
    taste = _taste(request, context)
    area: Area | None = taste.home
    if request.location is not None:
        places = [{**row, "population": row["n"]} for row in context if row["kind"] == "place"]
        area = resolve_location(request.location, None, cities=places)
    window = Window(area, today, until, window_days)
    candidates = warehouse.query(q.CANDIDATES, _candidate_params(request, taste, window))
    return _pick(request, taste, window, candidates)


def _taste(request: RecommendationsRequest, context: list[Row]) -> Taste:
    return _with_requested_genres(_user_taste(request.user_id, context) if request.user_id else Taste(), request)


def _with_requested_genres(taste: Taste, request: RecommendationsRequest) -> Taste:
    """Genres the request names replace the user's."""
    if request.artist_preferences:
        taste.explicit_genres = True
        taste.genres = {genre: 1.0 for genre in request.artist_preferences}
    return taste


def _user_taste(user_id: str, context: list[Row]) -> Taste:
    """The user's favourite genres, the genres and artists of their attendance, and their home."""
    profile = next((row for row in context if row["kind"] == "profile"), None)
    if profile is None:
        raise NotFound(f"user_id: unknown user {user_id!r}; leave it out for recommendations without a history.")
    taste = Taste()
    for genre in filter(None, (g.strip() for g in str(profile["detail"] or "").split(","))):
        taste.genres[genre] = 1.0
    genre_counts: Counter[str] = Counter()
    for row in context:
        if row["kind"] == "history":
            taste.seen_artists[row["city"]] = int(row["n"])
            genre_counts[row["detail"]] += int(row["n"])
    if genre_counts:
        top = max(genre_counts.values())
        outside_favourites = HISTORY_GENRE_WEIGHT if taste.genres else 1.0
        for genre, count in genre_counts.items():
            taste.genres[genre] = max(taste.genres.get(genre, 0.0), outside_favourites * count / top)
    home = next((row for row in context if row["kind"] == "home"), None)
    if home is not None:  # a profile whose home city is not in `cities`: recommend without a place
        label = f"{home['city']}, {home['state']}"
        taste.home = Area(label, float(home["latitude"]), float(home["longitude"]), HOME_RADIUS_KM)
    return taste


def _candidate_params(request: RecommendationsRequest, taste: Taste, window: Window, *,
                      from_home: bool = False) -> dict[str, Any]:  # fmt: skip
    """The candidate statement's parameters for this taste and window; `from_home`: for `CANDIDATES_AROUND_HOME`,
    which takes the place (the user's home, `HOME_RADIUS_KM` around it) and, unless the request names genres, the
    genres from the warehouse itself, weighed as `_user_taste` weighs them."""
    area = window.area
    min_lat, max_lat, min_lon, max_lon = area.bounding_box() if area else (-90.0, 90.0, -180.0, 180.0)
    lat, lon = (area.point if area and area.point else (0.0, 0.0))
    genres = [g for g, weight in taste.genres.items() if taste.explicit_genres or weight >= FAVOURITE_GENRE_WEIGHT]
    return {
        "user_id": request.user_id or "",
        "today": window.today.isoformat(),
        "until": window.until.isoformat(),
        "genres": _framed(genres) if genres else "",
        "genre_filter": "1" if taste.explicit_genres else "",
        "state": (area.state if area and area.state else ""),
        "min_lat": min_lat,
        "max_lat": max_lat,
        "min_lon": min_lon,
        "max_lon": max_lon,
        "lat": lat,
        "lon": lon,
        "lon_scale": math.cos(math.radians(lat)) if area and area.point else 0.0,
        "home_dlat": math.degrees(HOME_RADIUS_KM / EARTH_RADIUS_KM),
        "genres_from_user": "1" if from_home and not taste.explicit_genres else "",
        "genre_share": FAVOURITE_GENRE_WEIGHT,
    }


def _pick(request: RecommendationsRequest, taste: Taste, window: Window, rows: list[Row]) -> RecommendationsResponse:
    """Score every candidate, rank the artists inside the window, then fill `top_n` (see the module docstring)."""
    top_affinity = max((float(r["affinity"]) for r in rows), default=0.0)
    located = []  # (row, distance, why it is outside the window or None, place, place x demand)
    for row in rows:
        distance = _distance(row, window.area)
        place = _place(row, distance, window.area)
        located.append((row, distance, window.misses(row, distance), place, place * _demand(row)))
    scene: dict[str, float] = {}
    for row, _, miss, _, crowd in located:
        if miss is None:
            scene[row["genre"]] = scene.get(row["genre"], 0.0) + crowd
    inside: list[Scored] = []
    outside: list[tuple[Scored, str]] = []
    for row, distance, miss, place, crowd in located:
        item = _score(row, taste, distance, place, crowd, top_affinity, scene)
        if miss is None:
            inside.append(item)
        else:
            outside.append((item, miss))
    artist_total: dict[str, float] = {}
    for item in inside:
        artist_total[item[1]["artist_id"]] = artist_total.get(item[1]["artist_id"], 0.0) + item[0]
    best = max(artist_total.values(), default=0.0) or max((item[0] for item, _ in outside), default=0.0) or 1.0
    inside.sort(key=lambda e: (-artist_total[e[1]["artist_id"]], -e[0], str(e[1]["event_date"]), e[1]["concert_id"]))
    outside.sort(key=lambda e: _widening_order(e[0], window.area))
    passes: list[tuple[list[tuple[Scored, str | None]], int]] = [
        ([(item, None) for item in inside], 1),  # the likeliest concert of each artist
        ([(item, None) for item in inside], MAX_PER_ARTIST),  # a second venue, to fill a short list
        ([(item, miss) for item, miss in outside], MAX_PER_ARTIST),  # beyond the place or window
    ]
    per_artist: Counter[str] = Counter()
    shows: set[tuple[str, str]] = set()
    picked: list[Recommendation] = []
    for items, limit in passes:
        for (likelihood, row, factors, distance), miss in items:
            if len(picked) == request.top_n:
                break
            show = (row["artist_id"], row["venue_id"])
            if per_artist[row["artist_id"]] >= limit or show in shows:
                continue
            per_artist[row["artist_id"]] += 1
            shows.add(show)
            share = artist_total[row["artist_id"]] if miss is None else likelihood
            score = round(min(1.0, share / best), 4)
            if miss is None:
                reasoning = _reasons(row, factors, taste, window.area, distance)
            else:
                reasoning = f"Widened the search to reach {request.top_n} concerts: {miss}. " + _reasons(
                    row, factors, taste, None, None
                )
            picked.append(_recommendation(row, score, reasoning, distance))
    return RecommendationsResponse(
        recommendations=picked,
        total_recommendations=len(picked),
        recommendation_type=_kind(taste, request),
        timestamp=utc_now_iso(),
    )


def _distance(row: Row, area: Area | None) -> float | None:
    return area.distance_km(float(row["latitude"]), float(row["longitude"])) if area else None


def _place(row: Row, distance: float | None, area: Area | None) -> float:
    """How likely the user is to go out where the concert is: 1 in the area's own city (any venue of it), else
    decaying fast with the distance; 1 without a place."""
    if distance is None or area is None:
        return 1.0
    if area.label.lower() == f"{row['city']}, {row['state']}".lower():
        return 1.0
    return math.exp(-distance / PLACE_DECAY_KM)


def _demand(row: Row) -> float:
    """The show's expected crowd, up to a constant: bigger rooms and more popular artists draw more."""
    capacity = max(1.0, float(row["capacity"]))
    popularity = float(row["artist_popularity"]) / 100.0
    return (capacity / REFERENCE_CAPACITY) ** CAPACITY_EXPONENT * popularity**POPULARITY_EXPONENT


WIDENING_STEP_KM = 50.0


def _widening_order(item: Scored, area: Area | None) -> tuple[float, float, str, str]:
    """Concerts outside the window fill a short list nearest first (in steps of 50 km, the best score first
    within a step), or soonest first without a place."""
    score, row, distance = item[0], item[1], item[3]
    point = area.point if area else None
    if point is None:
        return 0.0, -score, str(row["event_date"]), row["concert_id"]
    far = distance  # measured from the same point when the area is a circle
    if far is None:
        far = haversine_km(point[0], point[1], float(row["latitude"]), float(row["longitude"]))
    return far // WIDENING_STEP_KM, -score, str(row["event_date"]), row["concert_id"]


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _framed(values: Any) -> str:
    return "," + ",".join(sorted(values)) + ","


def _score(row: Row, taste: Taste, distance: float | None, place: float, crowd: float, top_affinity: float,
           scene: dict[str, float]) -> Scored:  # fmt: skip
    """The candidate's likelihood and the factors behind it (see the module docstring), from its `place` factor
    and `crowd` (place x demand); `scene` sums the crowds of the window's concerts per genre."""
    factors: dict[str, float] = {"popularity": float(row["artist_popularity"]) / 100.0}
    likelihood = crowd
    if distance is not None:
        factors["distance"] = place
    if taste.genres:
        factors["genre"] = taste.genres.get(row["genre"], 0.0)
        likelihood *= max(GENRE_FLOOR, factors["genre"]) / max(scene.get(row["genre"], 0.0), 1e-9)
    if taste.has_history:
        seen = row["artist_id"] in taste.seen_artists
        similar = float(row["affinity"]) / top_affinity if top_affinity > 0 else 0.0
        factors["artist"] = 1.0 if seen else similar
        likelihood *= COLLABORATIVE_PRIOR + (SEEN_WEIGHT if seen else similar)
    return likelihood, row, factors, distance


def _reasons(row: Row, factors: dict[str, float], taste: Taste, area: Area | None, distance: float | None) -> str:
    """The factors that produced a score, the largest contribution first."""
    reasons: list[tuple[float, str]] = []
    if factors.get("genre"):
        label = "requested" if taste.explicit_genres else "favourite"
        reasons.append((REASON_WEIGHTS["genre"] * factors["genre"], f"matches your {label} genre {row['genre']}"))
    if factors.get("artist"):
        text = (
            f"you have seen {row['artist_name']} before"
            if row["artist_id"] in taste.seen_artists
            else "fans of artists you have seen go to see them too"
        )
        reasons.append((REASON_WEIGHTS["artist"] * factors["artist"], text))
    if distance is not None and area is not None:
        reasons.append((REASON_WEIGHTS["distance"] * factors["distance"], f"{distance:.0f} km from {area.label}"))
    elif area is not None:
        reasons.append((0.0, f"in {area.label}"))
    popularity = float(row["artist_popularity"])
    reasons.append((REASON_WEIGHTS["popularity"] * factors["popularity"], f"artist popularity {popularity:.0f}/100"))
    text = "; ".join(text for _, text in sorted(reasons, key=lambda item: -item[0]))
    return text[:1].upper() + text[1:]


def _recommendation(row: Row, score: float, reasoning: str, distance: float | None) -> Recommendation:
    return Recommendation(
        concert_id=row["concert_id"],
        artist_name=row["artist_name"],
        genre=row["genre"],
        artist_popularity=round(float(row["artist_popularity"]), 1),
        venue_name=row["venue_name"],
        city=row["city"],
        state=row["state"],
        capacity=int(row["capacity"]),
        event_date=str(row["event_date"])[:10],
        score=score,
        reasoning=reasoning,
        distance_km=None if distance is None else round(distance, 1),
    )


def _kind(taste: Taste, request: RecommendationsRequest) -> RecommendationType:
    if taste.has_history or (taste.genres and not taste.explicit_genres):
        return "personalized"
    if request.artist_preferences:
        return "genre_filtered"
    if request.location is not None:
        return "location_based"
    return "popular"
