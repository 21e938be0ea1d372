"""US states by code and name, so that requests may say "Texas", "texas" or "TX": the one table of them."""

from __future__ import annotations

STATE_NAMES: dict[str, str] = {
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
"""Postal code -> the state's name, as a reply writes it."""

CITY_FIRST = frozenset({"NY", "WA"})
"""States whose name is a city first: as a place in a request, "New York" and "Washington" are the cities, and the
states are named "New York State" and "Washington State" (or given by code)."""

US_STATES: dict[str, str] = {
    (f"{name} state" if code in CITY_FIRST else name).lower(): code for code, name in STATE_NAMES.items()
}
"""Lower-case state name, as a request may write it -> postal code."""

STATE_CODES = frozenset(STATE_NAMES)


def state_code(text: str) -> str | None:
    """The postal code for a state given by code ("tx") or name ("Texas"), or None when it is neither."""
    cleaned = " ".join(text.strip().lower().split())
    if cleaned.upper() in STATE_CODES:
        return cleaned.upper()
    return US_STATES.get(cleaned)
