"""The names the assistant recognises: artists, venues and cities from the warehouse, US states, genres and
venue types from the platform's models, with the common ways people write them."""

from __future__ import annotations

from dataclasses import dataclass

from concert_api.adapters.warehouse.base import Params, Row, Warehouse, query_side_by_side
from concert_api.adapters.warehouse.queries import chat as q
from concert_api.models import GENRES, VENUE_TYPES
from concert_api.vocabulary import STATE_NAMES

US_STATES = STATE_NAMES
"""Postal code -> state name (`concert_api.vocabulary`, the one table of states)."""

GENRE_SYNONYMS: dict[str, str] = {
    "hip hop": "hip-hop", "hiphop": "hip-hop", "rap": "hip-hop", "r and b": "r&b", "rnb": "r&b",
    "rhythm and blues": "r&b", "edm": "electronic", "electronica": "electronic", "dance music": "electronic",
    "techno": "electronic", "house music": "electronic", "alt rock": "alternative", "alt-rock": "alternative",
    "heavy metal": "metal", "indie rock": "indie", "country music": "country", "classical music": "classical",
    "orchestral": "classical", "latino": "latin", "reggaeton": "latin", "soul": "r&b", "punk": "rock",
}  # fmt: skip

VENUE_TYPE_WORDS: dict[str, str] = {
    "club": "club", "clubs": "club", "nightclub": "club", "nightclubs": "club",
    "theater": "theater", "theaters": "theater", "theatre": "theater", "theatres": "theater",
    "arena": "arena", "arenas": "arena",
    "amphitheater": "amphitheater", "amphitheaters": "amphitheater", "amphitheatre": "amphitheater",
    "amphitheatres": "amphitheater",
    "stadium": "stadium", "stadiums": "stadium", "stadia": "stadium",
}  # fmt: skip
assert set(VENUE_TYPE_WORDS.values()) == set(VENUE_TYPES)


@dataclass(frozen=True)
class Catalog:
    """Everything the entity matcher compares a message with."""

    artists: tuple[Row, ...]
    venues: tuple[Row, ...]
    cities: tuple[Row, ...]

    @classmethod
    def load(cls, warehouse: Warehouse) -> Catalog:
        """Read the names from the warehouse: three small independent queries, run side by side (the first chat
        turn on the Data API waits for one round trip, not three)."""
        queries = (q.CATALOG_ARTISTS, q.CATALOG_VENUES, q.CATALOG_CITIES)
        statements: list[tuple[str, Params]] = [(sql, {}) for sql in queries]
        artists, venues, cities = (tuple(rows) for rows in query_side_by_side(warehouse, statements))
        return cls(artists=artists, venues=venues, cities=cities)

    @property
    def genres(self) -> tuple[str, ...]:
        return GENRES

    def cities_with_venues(self) -> list[Row]:
        """Cities that have at least one venue, most populous first."""
        return [c for c in self.cities if int(c["venues"] or 0) > 0]

    def venue(self, venue_id: str) -> Row | None:
        """The venue with this id."""
        return next((v for v in self.venues if v["venue_id"] == venue_id), None)

    def artist(self, name: str) -> Row | None:
        """The artist with this exact name."""
        return next((a for a in self.artists if a["name"] == name), None)
