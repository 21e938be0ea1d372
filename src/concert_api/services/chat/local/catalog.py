"""The names the assistant recognises: artists, venues and cities from the warehouse, US states, genres and
venue types from the platform's models, with the common ways people write them."""

from __future__ import annotations

from dataclasses import dataclass

from concert_api.adapters.warehouse.base import Row, Warehouse
from concert_api.adapters.warehouse.queries import chat as q
from concert_api.models import GENRES, VENUE_TYPES

US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}  # fmt: skip

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
        """Read the names from the warehouse (three small queries)."""
        return cls(
            artists=tuple(warehouse.query(q.CATALOG_ARTISTS, {})),
            venues=tuple(warehouse.query(q.CATALOG_VENUES, {})),
            cities=tuple(warehouse.query(q.CATALOG_CITIES, {})),
        )

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
