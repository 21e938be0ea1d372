"""Locations: resolving a city or state name against the warehouse, distances, and bounding boxes."""

from __future__ import annotations

import math
from dataclasses import dataclass

from concert_api.adapters.warehouse.base import Row, Warehouse
from concert_api.adapters.warehouse.queries import recommendations as q
from concert_api.errors import BadRequest
from concert_api.models import DEFAULT_RADIUS_KM, LocationFilter
from concert_api.vocabulary import state_code

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Area:
    """Where to look: a point with a radius, or a whole state (then `latitude` is None)."""

    label: str
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float = DEFAULT_RADIUS_KM
    state: str | None = None
    centre: tuple[float, float] | None = None  # a state's most populous city: where widening a search starts

    @property
    def point(self) -> tuple[float, float] | None:
        """The point distances are measured from: the circle's centre, or a state's main city."""
        if self.latitude is not None and self.longitude is not None:
            return self.latitude, self.longitude
        return self.centre

    def bounding_box(self) -> tuple[float, float, float, float]:
        """(min_lat, max_lat, min_lon, max_lon) enclosing the circle; the whole globe for a state."""
        if self.latitude is None or self.longitude is None:
            return -90.0, 90.0, -180.0, 180.0
        dlat = math.degrees(self.radius_km / EARTH_RADIUS_KM)
        cos_lat = max(0.01, math.cos(math.radians(self.latitude)))
        dlon = min(180.0, dlat / cos_lat)
        return self.latitude - dlat, self.latitude + dlat, self.longitude - dlon, self.longitude + dlon

    def distance_km(self, latitude: float, longitude: float) -> float | None:
        """Great-circle distance from the area's centre, or None for a state."""
        if self.latitude is None or self.longitude is None:
            return None
        return haversine_km(self.latitude, self.longitude, latitude, longitude)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def lookup_name(location: str | LocationFilter) -> str:
    """The name to look up in `cities` (`CITY_LOOKUP`'s `:name`) to resolve `location`; '' for a point."""
    if isinstance(location, LocationFilter):
        if location.latitude is not None and location.longitude is not None:
            return ""
        return location.city or location.state or ""
    text = location.strip()
    if "," in text:
        return text.rpartition(",")[0].strip()
    return state_code(text) or text


def resolve_location(
    location: str | LocationFilter,
    warehouse: Warehouse | None,
    *,
    field: str = "location",
    cities: list[Row] | None = None,
) -> Area:
    """Resolve a request's location: "Chicago", "Chicago, IL", "IL", "Illinois", or a `LocationFilter`.

    `cities` are the `CITY_LOOKUP` rows for `lookup_name(location)` when the caller fetched them already (in
    the same statement as other data); otherwise they are queried from `warehouse`. An unknown city or state is
    a 400 naming the field, with a hint of what would work."""
    if cities is None:
        name = lookup_name(location)
        if name and warehouse is None:
            raise ValueError("resolve_location needs a warehouse or the looked-up cities")
        cities = warehouse.query(q.CITY_LOOKUP, {"name": name}) if name and warehouse is not None else []
    if isinstance(location, LocationFilter):
        if location.latitude is not None and location.longitude is not None:
            label = f"({location.latitude:.3f}, {location.longitude:.3f})"
            return Area(label, location.latitude, location.longitude, location.radius_km)
        if location.city:
            return _city_area(location.city, location.state, location.radius_km, cities, field)
        return _state_area(location.state or "", cities, field)
    text = location.strip()
    if "," in text:
        city, _, state = text.rpartition(",")
        code = state_code(state) or state.strip().upper() or None
        return _city_area(city.strip(), code, DEFAULT_RADIUS_KM, cities, field)
    code = state_code(text)
    if code is not None:
        return _state_area(code, cities, field)
    return _city_area(text, None, DEFAULT_RADIUS_KM, cities, field)


def _city_area(city: str, state: str | None, radius_km: float, cities: list[Row], field: str) -> Area:
    rows = [r for r in cities if r["city"].lower() == city.lower()]
    if state:
        rows = [r for r in rows if r["state"] == state]
    if not rows:
        raise BadRequest(
            f"{field}: unknown city {city!r}; give a US city with venues (e.g. 'Chicago' or 'Austin, TX'), "
            "a state ('TX' or 'Texas'), or latitude and longitude."
        )
    row = min(rows, key=lambda r: (-r["population"], r["state"]))  # the most populous city of that name
    return Area(f"{row['city']}, {row['state']}", float(row["latitude"]), float(row["longitude"]), radius_km)


def known_city(city: str, warehouse: Warehouse, *, field: str = "city") -> None:
    """Raise a 400 naming `field` unless the warehouse has a city of that name."""
    _city_area(city, None, DEFAULT_RADIUS_KM, warehouse.query(q.CITY_LOOKUP, {"name": city}), field)


def _state_area(state: str, cities: list[Row], field: str) -> Area:
    rows = [r for r in cities if r["state"] == state.upper()]
    if not rows:
        raise BadRequest(f"{field}: unknown state {state!r}; give a two-letter US state code with venues, e.g. 'NY'.")
    main = min(rows, key=lambda r: (-r["population"], r["city"]))
    return Area(state.upper(), state=state.upper(), centre=(float(main["latitude"]), float(main["longitude"])))
