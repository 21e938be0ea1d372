"""Reference figures the generator is built on: US cities, genre shares and affinity, venue types.

Every number here is documented, with its source or the reasoning behind it, in `docs/data.md`.
"""

from __future__ import annotations

from dataclasses import dataclass

from concert_api.models import GENRES


@dataclass(frozen=True)
class City:
    """A US city: name, state, coordinates and its 2020 Census population (city proper, rounded)."""

    city: str
    state: str
    latitude: float
    longitude: float
    population: int


# fmt: off
_CITY_ROWS: tuple[tuple[str, str, float, float, int], ...] = (
    ("New York", "NY", 40.7128, -74.0060, 8_804_190),
    ("Los Angeles", "CA", 34.0522, -118.2437, 3_898_747),
    ("Chicago", "IL", 41.8781, -87.6298, 2_746_388),
    ("Houston", "TX", 29.7604, -95.3698, 2_304_580),
    ("Phoenix", "AZ", 33.4484, -112.0740, 1_608_139),
    ("Philadelphia", "PA", 39.9526, -75.1652, 1_603_797),
    ("San Antonio", "TX", 29.4241, -98.4936, 1_434_625),
    ("San Diego", "CA", 32.7157, -117.1611, 1_386_932),
    ("Dallas", "TX", 32.7767, -96.7970, 1_304_379),
    ("San Jose", "CA", 37.3382, -121.8863, 1_013_240),
    ("Austin", "TX", 30.2672, -97.7431, 961_855),
    ("Jacksonville", "FL", 30.3322, -81.6557, 949_611),
    ("Fort Worth", "TX", 32.7555, -97.3308, 918_915),
    ("Columbus", "OH", 39.9612, -82.9988, 905_748),
    ("Indianapolis", "IN", 39.7684, -86.1581, 887_642),
    ("Charlotte", "NC", 35.2271, -80.8431, 874_579),
    ("San Francisco", "CA", 37.7749, -122.4194, 873_965),
    ("Seattle", "WA", 47.6062, -122.3321, 737_015),
    ("Denver", "CO", 39.7392, -104.9903, 715_522),
    ("Washington", "DC", 38.9072, -77.0369, 689_545),
    ("Nashville", "TN", 36.1627, -86.7816, 689_447),
    ("Oklahoma City", "OK", 35.4676, -97.5164, 681_054),
    ("El Paso", "TX", 31.7619, -106.4850, 678_815),
    ("Boston", "MA", 42.3601, -71.0589, 675_647),
    ("Portland", "OR", 45.5152, -122.6784, 652_503),
    ("Las Vegas", "NV", 36.1699, -115.1398, 641_903),
    ("Detroit", "MI", 42.3314, -83.0458, 639_111),
    ("Memphis", "TN", 35.1495, -90.0490, 633_104),
    ("Louisville", "KY", 38.2527, -85.7585, 633_045),
    ("Baltimore", "MD", 39.2904, -76.6122, 585_708),
    ("Milwaukee", "WI", 43.0389, -87.9065, 577_222),
    ("Albuquerque", "NM", 35.0844, -106.6504, 564_559),
    ("Tucson", "AZ", 32.2226, -110.9747, 542_629),
    ("Fresno", "CA", 36.7378, -119.7871, 542_107),
    ("Sacramento", "CA", 38.5816, -121.4944, 524_943),
    ("Kansas City", "MO", 39.0997, -94.5786, 508_090),
    ("Mesa", "AZ", 33.4152, -111.8315, 504_258),
    ("Atlanta", "GA", 33.7490, -84.3880, 498_715),
    ("Omaha", "NE", 41.2565, -95.9345, 486_051),
    ("Colorado Springs", "CO", 38.8339, -104.8214, 478_961),
    ("Raleigh", "NC", 35.7796, -78.6382, 467_665),
    ("Long Beach", "CA", 33.7701, -118.1937, 466_742),
    ("Virginia Beach", "VA", 36.8529, -75.9780, 459_470),
    ("Miami", "FL", 25.7617, -80.1918, 442_241),
    ("Oakland", "CA", 37.8044, -122.2712, 440_646),
    ("Minneapolis", "MN", 44.9778, -93.2650, 429_954),
    ("Tulsa", "OK", 36.1540, -95.9928, 413_066),
    ("Bakersfield", "CA", 35.3733, -119.0187, 403_455),
    ("Wichita", "KS", 37.6872, -97.3301, 397_532),
    ("Arlington", "TX", 32.7357, -97.1081, 394_266),
    ("Aurora", "CO", 39.7294, -104.8319, 386_261),
    ("Tampa", "FL", 27.9506, -82.4572, 384_959),
    ("New Orleans", "LA", 29.9511, -90.0715, 383_997),
    ("Cleveland", "OH", 41.4993, -81.6944, 372_624),
    ("Honolulu", "HI", 21.3069, -157.8583, 350_964),
    ("Anaheim", "CA", 33.8366, -117.9143, 346_824),
    ("Lexington", "KY", 38.0406, -84.5037, 322_570),
    ("Corpus Christi", "TX", 27.8006, -97.3964, 317_863),
    ("Riverside", "CA", 33.9806, -117.3755, 314_998),
    ("St. Paul", "MN", 44.9537, -93.0900, 311_527),
    ("Newark", "NJ", 40.7357, -74.1724, 311_549),
    ("Santa Ana", "CA", 33.7455, -117.8677, 310_227),
    ("Cincinnati", "OH", 39.1031, -84.5120, 309_317),
    ("Orlando", "FL", 28.5383, -81.3792, 307_573),
    ("Pittsburgh", "PA", 40.4406, -79.9959, 302_971),
    ("St. Louis", "MO", 38.6270, -90.1994, 301_578),
    ("Greensboro", "NC", 36.0726, -79.7920, 299_035),
    ("Anchorage", "AK", 61.2181, -149.9003, 291_247),
    ("Lincoln", "NE", 40.8136, -96.7026, 291_082),
    ("Buffalo", "NY", 42.8864, -78.8784, 278_349),
    ("Madison", "WI", 43.0731, -89.4012, 269_840),
    ("Boise", "ID", 43.6150, -116.2023, 235_684),
    ("Spokane", "WA", 47.6588, -117.4260, 228_989),
    ("Baton Rouge", "LA", 30.4515, -91.1871, 227_470),
    ("Richmond", "VA", 37.5407, -77.4360, 226_610),
    ("Des Moines", "IA", 41.5868, -93.6250, 214_133),
    ("Rochester", "NY", 43.1566, -77.6088, 211_328),
    ("Birmingham", "AL", 33.5186, -86.8104, 200_733),
    ("Salt Lake City", "UT", 40.7608, -111.8910, 199_723),
    ("Tallahassee", "FL", 30.4383, -84.2807, 196_169),
    ("Providence", "RI", 41.8240, -71.4128, 190_934),
    ("Knoxville", "TN", 35.9606, -83.9207, 190_740),
    ("Fort Lauderdale", "FL", 26.1224, -80.1373, 182_760),
    ("Chattanooga", "TN", 35.0456, -85.3097, 181_099),
    ("Charleston", "SC", 32.7765, -79.9311, 150_227),
    ("Savannah", "GA", 32.0809, -81.0912, 147_780),
    ("Hartford", "CT", 41.7658, -72.6734, 121_054),
    ("Albany", "NY", 42.6526, -73.7562, 99_224),
    ("Asheville", "NC", 35.5951, -82.5515, 94_589),
    ("Portland", "ME", 43.6591, -70.2568, 68_408),
    ("Burlington", "VT", 44.4759, -73.2121, 44_743),
)
# fmt: on

CITIES: tuple[City, ...] = tuple(City(*row) for row in _CITY_ROWS)
"""The cities the generator places venues and users in, most populous first."""

REGIONS: dict[str, str] = {
    **dict.fromkeys(("NY", "PA", "MA", "NJ", "RI", "CT", "VT", "ME", "MD", "DC"), "northeast"),
    **dict.fromkeys(("FL", "GA", "NC", "SC", "VA", "TN", "KY", "AL", "LA"), "southeast"),
    **dict.fromkeys(("IL", "OH", "IN", "MI", "WI", "MN", "MO", "KS", "NE", "IA"), "midwest"),
    **dict.fromkeys(("TX", "OK"), "south_central"),
    **dict.fromkeys(("AZ", "CO", "NM", "NV", "UT", "ID"), "mountain"),
    **dict.fromkeys(("CA", "OR", "WA", "HI", "AK"), "pacific"),
}
"""US Census-style regions (Texas and Oklahoma on their own), the grain of the genre-city affinity."""

GENRE_SHARES: dict[str, float] = {
    "pop": 0.16,
    "rock": 0.15,
    "hip-hop": 0.14,
    "country": 0.09,
    "electronic": 0.07,
    "r&b": 0.07,
    "latin": 0.06,
    "alternative": 0.06,
    "indie": 0.06,
    "metal": 0.04,
    "jazz": 0.03,
    "folk": 0.03,
    "blues": 0.015,
    "classical": 0.015,
    "reggae": 0.01,
}
"""Share of artists (and of users' first favourite genre) per genre; sums to 1 over `models.GENRES`."""

_REGION_AFFINITY: dict[str, dict[str, float]] = {
    "country": {"southeast": 1.35, "south_central": 1.4, "midwest": 1.15, "mountain": 1.1,
                "northeast": 0.75, "pacific": 0.7},
    "hip-hop": {"northeast": 1.15, "southeast": 1.2, "pacific": 1.05, "south_central": 1.05, "mountain": 0.8},
    "r&b": {"southeast": 1.2, "northeast": 1.05, "mountain": 0.8},
    "latin": {"pacific": 1.35, "south_central": 1.5, "mountain": 1.25, "northeast": 0.95, "midwest": 0.65},
    "electronic": {"pacific": 1.2, "midwest": 0.85},
    "jazz": {"northeast": 1.15, "south_central": 0.9},
    "blues": {"southeast": 1.1},
    "alternative": {"pacific": 1.2, "mountain": 1.05, "south_central": 0.9},
    "indie": {"pacific": 1.2, "northeast": 1.1, "south_central": 0.9},
    "metal": {"midwest": 1.2, "mountain": 1.05},
    "folk": {"pacific": 1.1, "northeast": 1.1},
    "classical": {"northeast": 1.2},
    "reggae": {"pacific": 1.15, "southeast": 1.05},
    "rock": {"midwest": 1.1},
}  # fmt: skip

_CITY_AFFINITY: dict[tuple[str, str], dict[str, float]] = {
    ("Nashville", "TN"): {"country": 1.9},
    ("Atlanta", "GA"): {"hip-hop": 1.6, "r&b": 1.5},
    ("New Orleans", "LA"): {"jazz": 2.2, "blues": 1.4},
    ("Memphis", "TN"): {"blues": 1.9},
    ("Chicago", "IL"): {"blues": 1.5},
    ("Miami", "FL"): {"latin": 2.0, "electronic": 1.6},
    ("Las Vegas", "NV"): {"electronic": 1.8},
    ("Austin", "TX"): {"indie": 1.5, "alternative": 1.4},
    ("Seattle", "WA"): {"alternative": 1.5, "indie": 1.4},
    ("Portland", "OR"): {"alternative": 1.5, "indie": 1.5},
    ("Asheville", "NC"): {"folk": 1.6},
    ("Burlington", "VT"): {"folk": 1.5},
    ("Honolulu", "HI"): {"reggae": 1.8},
    ("Detroit", "MI"): {"hip-hop": 1.3, "electronic": 1.3},
}
"""City overrides, where a scene is famous: they replace the regional factor for that genre."""


def genre_city_affinity(genre: str, city: str, state: str) -> float:
    """How much more (>1) or less (<1) a genre draws in a city than on average: a multiplier in 0.65-2.2.

    This is market knowledge, not a hidden variable: a model can learn it from the history (the mean
    attendance rate of a genre in a city), and `docs/data.md` lists it."""
    override = _CITY_AFFINITY.get((city, state), {}).get(genre)
    if override is not None:
        return override
    return _REGION_AFFINITY.get(genre, {}).get(REGIONS.get(state, ""), 1.0)


@dataclass(frozen=True)
class VenueType:
    """How one venue type is generated and priced."""

    name: str
    share: float  # of venues, in a large city
    capacity_median: float
    capacity_sigma: float  # lognormal, within the type
    capacity_min: int
    capacity_max: int
    base_price: float  # list price (USD) for a popularity-0 artist, before the popularity premium
    elasticity: float  # price elasticity of demand at the reference price, in [-1.0, -0.3]
    outdoor: bool
    min_city_population: int  # smaller cities do not get this type
    wtp_sigma: float  # spread (log scale) of fans' willingness to pay: a lognormal around the reference price


VENUE_TYPE_SPECS: tuple[VenueType, ...] = (
    VenueType("club", 0.46, 800, 0.55, 250, 2_500, 22.0, -0.9, False, 0, 0.50),
    VenueType("theater", 0.26, 3_000, 0.22, 2_000, 5_000, 38.0, -0.7, False, 0, 0.55),
    VenueType("arena", 0.13, 15_000, 0.15, 10_000, 20_000, 55.0, -0.55, False, 150_000, 0.60),
    VenueType("amphitheater", 0.10, 12_000, 0.40, 5_000, 25_000, 45.0, -0.6, True, 150_000, 0.60),
    VenueType("stadium", 0.05, 55_000, 0.18, 40_000, 80_000, 70.0, -0.4, True, 350_000, 0.70),
)
"""Club, theater, arena, amphitheater, stadium: capacity ranges from issue 2, prices, elasticities at the
reference price and willingness-to-pay spreads from `docs/data.md`."""

WEEKDAY_DEMAND: tuple[float, ...] = (0.78, 0.80, 0.86, 0.96, 1.14, 1.24, 0.98)
"""Demand multiplier by weekday, Monday first: Friday and Saturday nights draw the most."""

WEEKDAY_SCHEDULING: tuple[float, ...] = (0.06, 0.08, 0.11, 0.15, 0.22, 0.25, 0.13)
"""Share of concerts played on each weekday, Monday first."""

SUMMER_AMPLITUDE = 0.12
"""Demand multiplier `1 + A cos(2 pi (day_of_year - 196) / 365.25)`: +12% in mid-July, -12% in mid-January."""

PEAK_DAY_OF_YEAR = 196


def check_reference_data() -> None:
    """Raise `ValueError` if the tables above are inconsistent (used by the tests)."""
    if set(GENRE_SHARES) != set(GENRES):
        raise ValueError("GENRE_SHARES must cover exactly models.GENRES")
    if abs(sum(GENRE_SHARES.values()) - 1.0) > 1e-9:
        raise ValueError("GENRE_SHARES must sum to 1")
    if len({(c.city, c.state) for c in CITIES}) != len(CITIES):
        raise ValueError("duplicate city")
    if any(c.state not in REGIONS for c in CITIES):
        raise ValueError("a city's state has no region")
