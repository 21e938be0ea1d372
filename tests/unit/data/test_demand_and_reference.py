"""The demand model's shape and the reference data it stands on."""

from __future__ import annotations

import numpy as np
import pytest

from concert_tools.data import demand
from concert_tools.data.reference import CITIES, VENUE_TYPE_SPECS, check_reference_data, genre_city_affinity

CLUB, STADIUM = 0, 4


def demand_for(**changes: object) -> float:
    features: dict[str, object] = dict(
        popularity=np.array([50.0]), capacity=np.array([2000.0]), venue_type=np.array([CLUB]),
        ticket_price=None, weekday=np.array([2]), day_of_year=np.array([100]),
        city_population=np.array([1e6]), affinity=np.array([1.0]),
    )  # fmt: skip
    features.update(changes)
    if features["ticket_price"] is None:
        features["ticket_price"] = demand.reference_price(
            features["popularity"],
            features["venue_type"],
            features["city_population"],  # type: ignore[arg-type]
        )
    return float(demand.expected_demand(**features)[0])  # type: ignore[arg-type]


def test_reference_data_is_consistent() -> None:
    check_reference_data()
    assert len(CITIES) >= 60


def test_demand_rises_with_popularity_capacity_city_size_and_affinity() -> None:
    base = demand_for()
    assert demand_for(popularity=np.array([80.0])) > base
    assert demand_for(capacity=np.array([4000.0])) > base
    assert demand_for(city_population=np.array([4e6])) > base
    assert demand_for(affinity=np.array([1.5])) == pytest.approx(1.5 * base)


def test_weekends_and_summer_draw_more() -> None:
    assert demand_for(weekday=np.array([5])) > demand_for(weekday=np.array([1]))
    assert demand_for(day_of_year=np.array([196])) > demand_for(day_of_year=np.array([15]))


@pytest.mark.parametrize("venue_type", range(len(VENUE_TYPE_SPECS)))
def test_price_elasticity_is_between_minus_one_and_minus_point_three(venue_type: int) -> None:
    vt = np.array([venue_type])
    ref = demand.reference_price(np.array([50.0]), vt, np.array([1e6]))
    low = demand_for(venue_type=vt, ticket_price=ref)
    high = demand_for(venue_type=vt, ticket_price=ref * 1.01)
    elasticity = np.log(high / low) / np.log(1.01)
    assert -1.0 <= elasticity <= -0.3


def test_reference_price_rises_with_popularity_and_venue_type() -> None:
    prices = demand.reference_price(np.array([10.0, 90.0]), np.array([CLUB, CLUB]), np.array([1e6, 1e6]))
    assert prices[1] > 2 * prices[0]
    assert demand.reference_price(np.array([50.0]), np.array([STADIUM]), np.array([1e6]))[0] > prices[0]


def test_an_artist_fills_a_room_of_its_draw_at_neutral_conditions() -> None:
    draw = demand.artist_draw(np.array([60.0]))
    filled = demand.expected_demand(
        popularity=np.array([60.0]), capacity=draw, venue_type=np.array([CLUB]),
        ticket_price=demand.reference_price(np.array([60.0]), np.array([CLUB]), np.array([1e6])),
        weekday=np.array([3]), day_of_year=np.array([105]), city_population=np.array([1e6]),
        affinity=np.array([1.0]),
    )  # fmt: skip
    assert filled[0] == pytest.approx(draw[0], rel=0.06)


def test_genre_city_affinity_knows_famous_scenes() -> None:
    assert genre_city_affinity("country", "Nashville", "TN") > 1.5
    assert genre_city_affinity("jazz", "New Orleans", "LA") > 2
    assert genre_city_affinity("country", "San Francisco", "CA") < 1
    assert genre_city_affinity("pop", "Boise", "ID") == 1.0


@pytest.mark.parametrize("venue_type", range(len(VENUE_TYPE_SPECS)))
def test_demand_falls_faster_as_the_price_rises_so_revenue_peaks(venue_type: int) -> None:
    # given one concert's demand at prices from half to five times its reference price
    vt = np.array([venue_type])
    ref = demand.reference_price(np.array([50.0]), vt, np.array([1e6]))
    multiples = np.array([0.5, 1.0, 1.5, 2.0, 3.0, 5.0])
    sales = np.array([demand_for(venue_type=vt, ticket_price=ref * k, capacity=np.array([1e9])) for k in multiples])
    # then the elasticity grows in magnitude with the price
    elasticity = np.diff(np.log(sales)) / np.diff(np.log(multiples))
    assert np.all(np.diff(elasticity) < 0)
    # and revenue rises, then falls: it has a maximum between 0.8x and 2.5x the reference price
    best = demand.revenue_maximising_ratio(np.array([1000.0]), np.array([1e9]), vt)[0]
    assert 0.8 <= best <= 2.5
    revenue = lambda k: k * demand_for(venue_type=vt, ticket_price=ref * k, capacity=np.array([1e9]))  # noqa: E731
    assert revenue(best) > revenue(best * 0.9) and revenue(best) > revenue(best * 1.1)
