"""The generator's demand and pricing model: smooth in observable features, vectorised.

    log E = log(BASE) + POPULARITY_COEF * popularity/100 + CAPACITY_ELASTICITY * log(capacity/1000)
            + log S(price / reference_price) - log S(1) + log(weekday factor) + log(season factor)
            + CITY_ELASTICITY * log(city_population / 1e6) + log(genre-city affinity)

S is the share of the act's fans willing to pay a price: each fan's reservation price is lognormal around the
reference price, `log(wtp / reference_price) ~ N(mu[venue_type], sigma[venue_type])`, so

    S(r) = 1 - Phi((log r - mu) / sigma)          (r = price / reference price)

The price elasticity `-phi(z) / (sigma S)` grows in magnitude with the price (the fans who remain are the keen
ones, and there are fewer of them), so every concert has a revenue-maximising price: where the elasticity is -1,
or, when the room fills before that, the price at which demand equals the capacity. `sigma` is the venue type's
`wtp_sigma` and `mu` is solved so that the elasticity at the reference price is the venue type's `elasticity`
(-0.9 for a club ... -0.4 for a stadium), so at the reference price demand is exactly what it was.

    tickets_sold = round(min(E * exp(NOISE_SIGMA * z), capacity)),  z ~ N(0, 1)

E is the noise-free expected demand; it is the *median* of the uncapped demand, so `min(E, capacity)` is the
median of tickets sold and the best possible predictor under absolute error: the noise floor of a model's MAE.
Every coefficient is documented, with its reference figure, in `docs/data.md`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.special import log_ndtr, ndtri

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
PRICE_SIGMA = 0.22
"""Lognormal spread of a concert's list price around the reference price (promoter's choice)."""

ELASTICITIES: FloatArray = np.array([t.elasticity for t in VENUE_TYPE_SPECS])
BASE_PRICES: FloatArray = np.array([t.base_price for t in VENUE_TYPE_SPECS])
WTP_SIGMAS: FloatArray = np.array([t.wtp_sigma for t in VENUE_TYPE_SPECS])


def _inverse_mills(z: FloatArray) -> FloatArray:
    """phi(z) / (1 - Phi(z)): the hazard of the standard normal, increasing in z."""
    return np.asarray(np.exp(-0.5 * z**2 - 0.5 * np.log(2 * np.pi) - log_ndtr(-z)), dtype=np.float64)


def _solve_hazard(target: FloatArray) -> FloatArray:
    """z with `_inverse_mills(z) = target` (bisection, vectorised; the hazard is increasing)."""
    lo, hi = np.full_like(target, -12.0), np.full_like(target, 12.0)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        below = _inverse_mills(mid) < target
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return 0.5 * (lo + hi)


WTP_LOG_MEDIANS: FloatArray = -WTP_SIGMAS * _solve_hazard(-ELASTICITIES * WTP_SIGMAS)
"""mu per venue type: log(median willingness to pay / reference price), from the elasticity at the reference
price (`elasticity = -hazard(-mu / sigma) / sigma`)."""

OPTIMAL_Z: FloatArray = _solve_hazard(WTP_SIGMAS)
"""Where the elasticity is -1 (revenue stops rising with the price, capacity aside): `hazard(z) = sigma`."""


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
        + log_price_response(price_ratio, venue_type)
        + np.log(np.asarray(WEEKDAY_DEMAND)[weekday])
        + np.log(season_factor(day_of_year))
        + CITY_ELASTICITY * np.log(city_population / 1e6)
        + np.log(affinity)
    )
    return np.exp(log_e)


def log_willing_share(price_ratio: FloatArray, venue_type: IntArray) -> FloatArray:
    """log S(r): the log share of fans whose willingness to pay is at least `price_ratio` x the reference price."""
    z = (np.log(price_ratio) - WTP_LOG_MEDIANS[venue_type]) / WTP_SIGMAS[venue_type]
    return np.asarray(log_ndtr(-z), dtype=np.float64)


def log_price_response(price_ratio: FloatArray, venue_type: IntArray) -> FloatArray:
    """log(demand at `price_ratio` x the reference price / demand at the reference price)."""
    return log_willing_share(price_ratio, venue_type) - log_willing_share(np.ones_like(price_ratio), venue_type)


def revenue_maximising_ratio(demand_at_reference: FloatArray, capacity: FloatArray, venue_type: IntArray) -> FloatArray:
    """The list price (as a multiple of the reference price) that maximises `price x min(E(price), capacity)`.

    Unconstrained, revenue peaks where the elasticity is -1 (`OPTIMAL_Z`); if the room is full at that price,
    revenue still rises with the price until demand falls to the capacity, so the optimum is the larger of the
    two prices."""
    mu, sigma = WTP_LOG_MEDIANS[venue_type], WTP_SIGMAS[venue_type]
    unconstrained = np.exp(mu + sigma * OPTIMAL_Z[venue_type])
    ceiling = demand_at_reference / np.exp(log_willing_share(np.ones_like(capacity), venue_type))
    share = np.clip(capacity / ceiling, 1e-300, 1.0)
    fills_at = np.where(share < 1.0, np.exp(mu - sigma * ndtri(share)), 0.0)  # S(fills_at) = capacity / ceiling
    return np.asarray(np.maximum(unconstrained, fills_at), dtype=np.float64)


def demand_ceiling(demand_at_reference: FloatArray, venue_type: IntArray) -> FloatArray:
    """Demand as the price falls to zero (every fan): demand at the reference price / S(1)."""
    return demand_at_reference / np.exp(log_willing_share(np.ones_like(demand_at_reference), venue_type))


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
