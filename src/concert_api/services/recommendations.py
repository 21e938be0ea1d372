"""Concert recommendations: upcoming concerts scored by genre, place, the user's history and popularity.

Each candidate's score is the weighted mean of the factors that apply to the request, each in 0-1:

* popularity  (weight 0.25, always): the artist's popularity / 100, the prior for a user with no history;
* genre       (0.35, when genres are known): 1 for a requested or favourite genre, else the genre's share of the
  user's attendance history;
* artist      (0.25, for a user with history): 1 for an artist the user has seen, else the artist's weight among
  users who saw the same artists ("users like you"), scaled to at most 0.8;
* distance    (0.15, for a point location): exp(-d / (radius / 2)), so a concert at the edge of the radius keeps
  13% of this factor.

At most two concerts per artist are returned, at two different venues (the best-scoring date of a run of
shows), so one touring artist does not fill the list. An unknown `user_id` is a 404: personalisation was asked
for and cannot be given.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from concert_api.adapters.warehouse.base import Row, Warehouse
from concert_api.adapters.warehouse.queries import recommendations as q
from concert_api.errors import BadRequest, NotFound, utc_now_iso
from concert_api.models import (
    Recommendation,
    RecommendationsRequest,
    RecommendationsResponse,
    RecommendationType,
)
from concert_api.services.geo import Area, resolve_location

WEIGHTS = {"popularity": 0.25, "genre": 0.35, "artist": 0.25, "distance": 0.15}
MAX_PER_ARTIST = 2
HOME_RADIUS_KM = 300.0


@dataclass
class Taste:
    """What is known of the user: preferred genres with weights, artists seen, artists peers saw."""

    genres: dict[str, float] = field(default_factory=dict)
    seen_artists: set[str] = field(default_factory=set)
    peer_artists: dict[str, float] = field(default_factory=dict)
    home: str | None = None
    explicit_genres: bool = False

    @property
    def has_history(self) -> bool:
        return bool(self.seen_artists)


def recommend(
    request: RecommendationsRequest, warehouse: Warehouse, *, today: dt.date | None = None
) -> RecommendationsResponse:
    """Recommend upcoming concerts for the request; see the module docstring for the scoring."""
    today = today or dt.date.today()
    taste = _taste(request, warehouse)
    area = resolve_location(request.location, warehouse) if request.location is not None else None
    if area is None and taste.home and taste.has_history:
        area = _home_area(taste.home, warehouse)

    candidates = _candidates(warehouse, today, area, taste)
    scored = sorted(
        (_score(row, taste, area) for row in candidates),
        key=lambda item: (-item[0], str(item[1]["event_date"]), item[1]["concert_id"]),
    )
    per_artist: Counter[str] = Counter()
    shows: set[tuple[str, str]] = set()
    picked: list[Recommendation] = []
    for score, row, factors, distance in scored:
        show = (row["artist_id"], row["venue_id"])
        if per_artist[row["artist_id"]] >= MAX_PER_ARTIST or show in shows:
            continue  # one date per artist and venue, at most two venues per artist
        per_artist[row["artist_id"]] += 1
        shows.add(show)
        picked.append(_recommendation(row, score, _reasons(row, factors, taste, area, distance), distance))
        if len(picked) == request.top_n:
            break
    return RecommendationsResponse(
        recommendations=picked,
        total_recommendations=len(picked),
        recommendation_type=_kind(taste, request),
        timestamp=utc_now_iso(),
    )


def _taste(request: RecommendationsRequest, warehouse: Warehouse) -> Taste:
    taste = _user_taste(request.user_id, warehouse) if request.user_id else Taste()
    if request.artist_preferences:
        taste.explicit_genres = True
        taste.genres = {genre: 1.0 for genre in request.artist_preferences}
    return taste


def _user_taste(user_id: str, warehouse: Warehouse) -> Taste:
    """The user's favourite genres, the genres and artists of their attendance, and their peers' artists."""
    profile = warehouse.query(q.USER_PROFILE, {"user_id": user_id})
    if not profile:
        raise NotFound(f"user_id: unknown user {user_id!r}; leave it out for recommendations without a history.")
    user = profile[0]
    taste = Taste(home=f"{user['home_city']}, {user['home_state']}")
    for genre in filter(None, (g.strip() for g in str(user["favorite_genres"] or "").split(","))):
        taste.genres[genre] = 1.0
    history = warehouse.query(q.USER_HISTORY, {"user_id": user_id})
    taste.seen_artists = {row["artist_id"] for row in history}
    genre_counts: Counter[str] = Counter()
    for row in history:
        genre_counts[row["genre"]] += int(row["times_attended"])
    if genre_counts:
        top = max(genre_counts.values())
        for genre, count in genre_counts.items():
            taste.genres[genre] = max(taste.genres.get(genre, 0.0), count / top)
    if taste.seen_artists:
        peers = warehouse.query(q.PEER_ARTISTS, {"user_id": user_id})
        if peers:
            top_weight = max(float(r["weight"]) for r in peers)
            taste.peer_artists = {r["artist_id"]: 0.8 * float(r["weight"]) / top_weight for r in peers}
    return taste


def _home_area(home: str, warehouse: Warehouse) -> Area | None:
    try:
        area = resolve_location(home, warehouse, field="user.home_city")
    except BadRequest:  # a profile whose home city has no venues: recommend without a place
        return None
    return Area(area.label, area.latitude, area.longitude, HOME_RADIUS_KM, area.state)


def _candidates(warehouse: Warehouse, today: dt.date, area: Area | None, taste: Taste) -> list[Row]:
    min_lat, max_lat, min_lon, max_lon = area.bounding_box() if area else (-90.0, 90.0, -180.0, 180.0)
    base: dict[str, Any] = {
        "today": today.isoformat(),
        "state": (area.state if area and area.state else ""),
        "min_lat": min_lat,
        "max_lat": max_lat,
        "min_lon": min_lon,
        "max_lon": max_lon,
        "artist_ids": "",
        "genres": _framed(taste.genres) if taste.genres else "",
    }
    rows = {row["concert_id"]: row for row in warehouse.query(q.UPCOMING_CONCERTS, base)}
    if not taste.explicit_genres and taste.genres:
        # Favourite genres narrow the first fetch; popular concerts of other genres still compete.
        rows.update({row["concert_id"]: row for row in warehouse.query(q.UPCOMING_CONCERTS, {**base, "genres": ""})})
    known = taste.seen_artists | set(taste.peer_artists)
    if known:
        by_artist = {**base, "genres": base["genres"] if taste.explicit_genres else "", "artist_ids": _framed(known)}
        rows.update({row["concert_id"]: row for row in warehouse.query(q.UPCOMING_CONCERTS, by_artist)})
    if area is not None and area.latitude is not None:
        rows = {
            k: r
            for k, r in rows.items()
            if (area.distance_km(float(r["latitude"]), float(r["longitude"])) or 0.0) <= area.radius_km
        }
    return list(rows.values())


def _framed(values: Any) -> str:
    return "," + ",".join(sorted(values)) + ","


def _score(row: Row, taste: Taste, area: Area | None) -> tuple[float, Row, dict[str, float], float | None]:
    """The candidate's score and the factors that produced it (see the module docstring)."""
    factors: dict[str, float] = {"popularity": float(row["artist_popularity"]) / 100.0}
    if taste.genres:
        factors["genre"] = taste.genres.get(row["genre"], 0.0)
    if taste.has_history:
        seen = row["artist_id"] in taste.seen_artists
        factors["artist"] = 1.0 if seen else taste.peer_artists.get(row["artist_id"], 0.0)
    distance = area.distance_km(float(row["latitude"]), float(row["longitude"])) if area else None
    if distance is not None and area is not None:
        factors["distance"] = math.exp(-distance / (area.radius_km / 2))
    total_weight = sum(WEIGHTS[name] for name in factors)
    score = sum(WEIGHTS[name] * value for name, value in factors.items()) / total_weight
    return round(min(1.0, max(0.0, score)), 4), row, factors, distance


def _reasons(row: Row, factors: dict[str, float], taste: Taste, area: Area | None, distance: float | None) -> str:
    """The factors that produced a score, the largest contribution first."""
    reasons: list[tuple[float, str]] = []
    if factors.get("genre"):
        label = "requested" if taste.explicit_genres else "favourite"
        reasons.append((WEIGHTS["genre"] * factors["genre"], f"matches your {label} genre {row['genre']}"))
    if factors.get("artist"):
        text = (
            f"you have seen {row['artist_name']} before"
            if row["artist_id"] in taste.seen_artists
            else "popular with fans of artists you have seen"
        )
        reasons.append((WEIGHTS["artist"] * factors["artist"], text))
    if distance is not None and area is not None:
        reasons.append((WEIGHTS["distance"] * factors["distance"], f"{distance:.0f} km from {area.label}"))
    elif area is not None:
        reasons.append((0.0, f"in {area.label}"))
    reasons.append(
        (WEIGHTS["popularity"] * factors["popularity"], f"artist popularity {float(row['artist_popularity']):.0f}/100")
    )
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
