"""The generator's demand and pricing model: smooth in observable features, vectorised.

    log E = log(BASE) + POPULARITY_COEF * popularity/100 + CAPACITY_ELASTICITY * log(capacity/1000)
            + elasticity[venue_type] * log(price / reference_price) + log(weekday factor) + log(season factor)
            + CITY_ELASTICITY * log(city_population / 1e6) + log(genre-city affinity)

    tickets_sold = round(min(E * exp(NOISE_SIGMA * z), capacity)),  z ~ N(0, 1)

E is the noise-free expected demand; it is the *median* of the uncapped demand, so `min(E, capacity)` is the
median of tickets sold and the best possible predictor under absolute error: the noise floor of a model's MAE.
Every coefficient is documented, with its reference figure, in `docs/data.md`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from concert_tools.data.reference import (
    PEAK_DAY_OF_YEAR,
    SUMMER_AMPLITUDE,
    VENUE_TYPE_SPECS,
    WEEKDAY_DEMAND,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

BASE = 208.0
"""Tickets a popularity-0 artist sells in a 1,000-seat venue at the reference price, all else neutral."""
POPULARITY_COEF = 4.44
"""Log-demand per 100 popularity points: a popularity-100 act draws e^4.44 ~ 85x a popularity-0 act."""
CAPACITY_ELASTICITY = 0.3
"""Bigger rooms draw more of the same artist's fans (reach, marketing): +23% per doubling of capacity."""
CITY_ELASTICITY = 0.12
"""Demand grows with the metro size: about +8.7% per doubling of the city's population."""
NOISE_SIGMA = 0.2
"""Multiplicative lognormal noise on demand (concert-to-concert luck: weather, competing events, press)."""

PRICE_POPULARITY_COEF = 1.3
"""Log list price per 100 popularity points: a popularity-100 act charges e^1.3 ~ 3.7x a popularity-0 act."""
PRICE_CITY_ELASTICITY = 0.05
PRICE_SIGMA = 0.18
"""Lognormal spread of a concert's list price around the reference price (promoter's choice)."""

ELASTICITIES: FloatArray = np.array([t.elasticity for t in VENUE_TYPE_SPECS])
BASE_PRICES: FloatArray = np.array([t.base_price for t in VENUE_TYPE_SPECS])


def reference_price(popularity: FloatArray, venue_type: IntArray, city_population: FloatArray) -> FloatArray:
    """The typical list price (USD) for an artist of this popularity at this venue type in this city."""
    return (
        BASE_PRICES[venue_type]
        * np.exp(PRICE_POPULARITY_COEF * popularity / 100.0)
        * (city_population / 1e6) ** PRICE_CITY_ELASTICITY
    )


def season_factor(day_of_year: IntArray) -> FloatArray:
    """Summer peak: +12% in mid-July, -12% in mid-January, smooth in between."""
    return 1.0 + SUMMER_AMPLITUDE * np.cos(2 * np.pi * (day_of_year - PEAK_DAY_OF_YEAR) / 365.25)


def expected_demand(
    *,
    popularity: FloatArray,
    capacity: FloatArray,
    venue_type: IntArray,
    ticket_price: FloatArray,
    weekday: IntArray,
    day_of_year: IntArray,
    city_population: FloatArray,
    affinity: FloatArray,
) -> FloatArray:
    """Noise-free, uncapped demand (tickets) per concert. `venue_type` indexes `VENUE_TYPE_SPECS`,
    `weekday` is 0 for Monday."""
    price_ratio = ticket_price / reference_price(popularity, venue_type, city_population)
    log_e = (
        np.log(BASE)
        + POPULARITY_COEF * popularity / 100.0
        + CAPACITY_ELASTICITY * np.log(capacity / 1000.0)
        + ELASTICITIES[venue_type] * np.log(price_ratio)
        + np.log(np.asarray(WEEKDAY_DEMAND)[weekday])
        + np.log(season_factor(day_of_year))
        + CITY_ELASTICITY * np.log(city_population / 1e6)
        + np.log(affinity)
    )
    return np.exp(log_e)


def artist_draw(popularity: FloatArray) -> FloatArray:
    """The capacity an artist fills at neutral conditions: the fixed point of `E(capacity) = capacity`.

    Promoters book venues around this size (see the generator), which is what makes about one show in three
    sell out."""
    return (BASE * np.exp(POPULARITY_COEF * popularity / 100.0) * 1000.0**-CAPACITY_ELASTICITY) ** (
        1.0 / (1.0 - CAPACITY_ELASTICITY)
    )


def paid_price_factor(fill_rate: FloatArray) -> FloatArray:
    """Average price paid / list price: discounts when a show sells poorly, dynamic pricing when it sells out
    (0.86 at an empty room, 1.04 at a full one)."""
    return 0.86 + 0.18 * np.clip(fill_rate, 0.0, 1.0) ** 2
