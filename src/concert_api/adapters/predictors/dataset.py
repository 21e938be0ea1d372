"""Training and evaluation rows from the warehouse: completed concerts joined to the history aggregates.

The aggregates come from `warehouse.queries.features` (the statements the local feature store and the SageMaker
path use too). Each concert is given the aggregates as of the start of its period (point in time): no row's
features contain its own outcome or any later one. (Leave-one-out averages were tried first and leak: within an
artist, the left-out mean falls exactly as the row's own sell-through rises, and the trees learn that.)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from concert_api.adapters.warehouse.base import Warehouse
from concert_api.adapters.warehouse.queries import features as q
from concert_api.ml.features import INSTANCE_FIELDS

Progress = Callable[[int, int], None]
"""Called as `progress(done, total)`."""


@dataclass
class Aggregates:
    """The history aggregates as of one date, keyed for joining: artist_id -> row, venue_id -> row,
    (genre, city, state) -> row, genre -> row."""

    as_of: dt.date
    artists: dict[str, dict[str, Any]]
    venues: dict[str, dict[str, Any]]
    genre_city: dict[tuple[str, str, str], dict[str, Any]]
    genres: dict[str, dict[str, Any]]

    def row(self, artist_id: str, venue_id: str) -> dict[str, Any] | None:
        """The joined feature row of an (artist, venue) pair, shaped like `REQUEST_FEATURES`; None if unknown."""
        artist = self.artists.get(artist_id)
        venue = self.venues.get(venue_id)
        if artist is None or venue is None:
            return None
        gc = self.genre_city.get((artist["genre"], venue["city"], venue["state"]), _EMPTY_GC)
        genre = self.genres.get(artist["genre"], _EMPTY_G)
        return {**artist, **venue, **gc, **genre}


_EMPTY_GC = {"gc_n": 0, "gc_sum_st": None, "gc_sum_log_st": None}
_EMPTY_G = {"g_n": 0, "g_sum_st": None, "g_sum_log_st": None}


def load_aggregates(warehouse: Warehouse, as_of: dt.date) -> Aggregates:
    """Four queries: every artist and venue with its aggregates, and the genre-in-city and genre aggregates."""
    params = {"as_of": as_of}
    artists = {r["artist_id"]: r for r in warehouse.query(q.ARTISTS_WITH_AGGREGATES, params)}
    venues = {r["venue_id"]: r for r in warehouse.query(q.VENUES_WITH_AGGREGATES, params)}
    genre_city = {(r["genre"], r["city"], r["state"]): r for r in warehouse.query(q.GENRE_CITY_AGGREGATES, params)}
    genres = {r["genre"]: r for r in warehouse.query(q.GENRE_AGGREGATES, params)}
    return Aggregates(as_of, artists, venues, genre_city, genres)


@dataclass
class Concerts:
    """Completed concerts, oldest first, as columns."""

    concert_id: np.ndarray
    artist_id: np.ndarray
    venue_id: np.ndarray
    event_date: np.ndarray  # datetime64[D]
    ticket_price: np.ndarray
    tickets_sold: np.ndarray

    def __len__(self) -> int:
        return len(self.concert_id)

    def take(self, mask: np.ndarray) -> Concerts:
        """The subset selected by a boolean mask or an index array."""
        return Concerts(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))


def load_concerts(warehouse: Warehouse, as_of: dt.date) -> Concerts:
    """Every completed concert before `as_of` with its tickets sold."""
    rows = warehouse.query(q.COMPLETED_CONCERTS, {"as_of": as_of})
    return Concerts(
        concert_id=np.array([r["concert_id"] for r in rows], dtype=object),
        artist_id=np.array([r["artist_id"] for r in rows], dtype=object),
        venue_id=np.array([r["venue_id"] for r in rows], dtype=object),
        event_date=np.array([r["event_date"] for r in rows], dtype="datetime64[D]"),
        ticket_price=np.array([r["ticket_price"] for r in rows], dtype=np.float64),
        tickets_sold=np.array([r["tickets_sold"] for r in rows], dtype=np.float64),
    )


def instance_columns(concerts: Concerts, aggregates: Aggregates) -> dict[str, np.ndarray]:
    """The instance columns (`features.INSTANCE_FIELDS`) of each concert, with the aggregates given."""
    artist_idx, artist_cols = _gather(aggregates.artists, list(concerts.artist_id), "artist")
    venue_idx, venue_cols = _gather(aggregates.venues, list(concerts.venue_id), "venue")
    out: dict[str, np.ndarray] = {"event_date": concerts.event_date, "ticket_price": concerts.ticket_price}
    for name, values in artist_cols.items():
        out[name] = values[artist_idx]
    for name, values in venue_cols.items():
        out[name] = values[venue_idx]
    keys = list(zip(out["genre"], out["city"], out["state"], strict=True))
    gc_idx, gc_cols = _gather(aggregates.genre_city, keys, None, empty=_EMPTY_GC)
    g_idx, g_cols = _gather(aggregates.genres, list(out["genre"]), None, empty=_EMPTY_G)
    for name, values in gc_cols.items():
        out[name] = values[gc_idx]
    for name, values in g_cols.items():
        out[name] = values[g_idx]
    return {name: out[name] for name in INSTANCE_FIELDS}


_TEXT_FIELDS = ("genre", "venue_type", "city", "state")


def _gather(
    table: dict[Any, dict[str, Any]], keys: list[Any], what: str | None, *, empty: dict[str, Any] | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Row index of each key into columns of `table` (plus a last `empty` row for keys not in it)."""
    names = [n for n in INSTANCE_FIELDS if n in next(iter(table.values()), empty or {})]
    rows = list(table.values()) + ([empty] if empty is not None else [])
    position = {key: i for i, key in enumerate(table)}
    missing = len(rows) - 1
    try:
        idx = np.array([position[k] for k in keys] if empty is None else [position.get(k, missing) for k in keys],
                       dtype=np.int64)  # fmt: skip
    except KeyError as exc:
        raise ValueError(f"a concert names an unknown {what}: {exc.args[0]}") from None
    cols: dict[str, np.ndarray] = {}
    for name in names:
        values = [r.get(name) for r in rows]
        if name in _TEXT_FIELDS:
            cols[name] = np.array(values, dtype=object)
        else:
            cols[name] = np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)
    return idx, cols


def point_in_time_columns(
    warehouse: Warehouse,
    concerts: Concerts,
    *,
    period_days: int,
    anchor: dt.date | None = None,
    progress: Progress | None = None,
) -> dict[str, np.ndarray]:
    """Instance columns where each concert sees the aggregates as of the start of its period (`period_days`
    long, counted from `anchor`, by default the first concert): what serving would have known then, with a
    bounded staleness.

    Concerts must be ordered by date. This is how the model is trained and evaluated: never with aggregates
    that contain the concert itself or anything after it."""
    if len(concerts) == 0:
        raise ValueError("no completed concerts to build features from")
    first = np.datetime64(anchor, "D") if anchor is not None else concerts.event_date[0]
    block = ((concerts.event_date - first).astype(np.int64) // period_days).astype(np.int64)
    parts: list[dict[str, np.ndarray]] = []
    blocks = np.unique(block)
    for done, b in enumerate(blocks):
        as_of = (first + np.timedelta64(int(b) * period_days, "D")).astype(dt.date)
        part = concerts.take(block == b)
        parts.append(instance_columns(part, load_aggregates(warehouse, as_of)))
        if progress:
            progress(done + 1, len(blocks))
    return {name: np.concatenate([p[name] for p in parts]) for name in INSTANCE_FIELDS}


def sell_through(tickets: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Tickets sold over capacity, capped at 1."""
    return np.minimum(1.0, tickets / capacity)


def log_sell_through(tickets: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """log(sell-through), with at least one ticket sold (as the feature SQL computes it)."""
    return np.log(np.minimum(1.0, np.maximum(tickets, 1.0) / capacity))
