"""The recommendation ranking on hand-made candidates: what makes one artist likelier than another."""

from __future__ import annotations

import datetime as dt
from typing import Any

from concert_api.models import RecommendationsRequest
from concert_api.services.recommendations import recommend

TODAY = dt.date(2026, 1, 1)
HOME = {"kind": "home", "city": "Chicago", "state": "IL", "detail": "", "latitude": 41.88, "longitude": -87.63,
        "n": 2_700_000}  # fmt: skip


class FakeWarehouse:
    """Answers the two statements of a request with given rows, and records the statements."""

    backend = "fake"

    def __init__(self, context: list[dict[str, Any]], candidates: list[dict[str, Any]]) -> None:
        self.answers = [context, candidates]
        self.statements = 0

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        self.statements += 1
        return self.answers[self.statements - 1]


def _profile(genres: str = "rock", seen: dict[str, str] | None = None) -> list[dict[str, Any]]:
    rows = [{"kind": "profile", "city": "Chicago", "state": "IL", "detail": genres, "latitude": None,
             "longitude": None, "n": 0}, HOME]  # fmt: skip
    for artist_id, genre in (seen or {}).items():
        rows.append({"kind": "history", "city": artist_id, "state": "", "detail": genre, "latitude": None,
                     "longitude": None, "n": 1})  # fmt: skip
    return rows


def _concert(concert_id: str, artist_id: str, *, genre: str = "rock", popularity: float = 50.0,
             venue_id: str = "venue_1", days: int = 10, latitude: float = 41.88, capacity: int = 2000,
             affinity: float = 0.0, seen: int = 0, city: str = "Chicago", longitude: float = -87.63,
             ) -> dict[str, Any]:  # fmt: skip
    return {
        "concert_id": concert_id, "artist_id": artist_id, "artist_name": artist_id.title(), "genre": genre,
        "artist_popularity": popularity, "venue_id": venue_id, "venue_name": venue_id.title(), "city": city,
        "state": "IL", "latitude": latitude, "longitude": longitude, "capacity": capacity,
        "event_date": TODAY + dt.timedelta(days=days), "ticket_price": 50.0, "times_seen": seen, "affinity": affinity,
    }  # fmt: skip


def _ranked(context: list[dict[str, Any]], candidates: list[dict[str, Any]], top_n: int = 10) -> list[str]:
    warehouse = FakeWarehouse(context, candidates)
    response = recommend(RecommendationsRequest(user_id="user_1", top_n=top_n), warehouse, today=TODAY)  # type: ignore[arg-type]
    assert warehouse.statements == 2
    return [r.artist_name.lower() for r in response.recommendations]


def test_an_artist_with_more_shows_nearby_ranks_above_one_with_a_single_show() -> None:
    candidates = [_concert("c1", "artist_a"), _concert("c2", "artist_b", venue_id="venue_2"),
                  _concert("c3", "artist_b", venue_id="venue_3", days=40)]  # fmt: skip
    assert _ranked(_profile(), candidates)[0] == "artist_b"


def test_an_artist_seen_before_ranks_above_an_equal_stranger() -> None:
    candidates = [_concert("c1", "artist_a"), _concert("c2", "artist_b", seen=1)]
    assert _ranked(_profile(seen={"artist_b": "rock"}), candidates)[0] == "artist_b"


def test_a_similar_artist_ranks_above_an_equal_dissimilar_one() -> None:
    candidates = [_concert("c1", "artist_a", affinity=0.0), _concert("c2", "artist_b", affinity=0.4),
                  _concert("c3", "artist_seen", seen=1, popularity=1.0)]  # fmt: skip
    ranked = _ranked(_profile(seen={"artist_seen": "rock"}), candidates)
    assert ranked.index("artist_b") < ranked.index("artist_a")


def test_a_favourite_genre_outranks_a_bigger_show_in_another_genre() -> None:
    candidates = [_concert("c1", "artist_pop", genre="pop", popularity=90.0, capacity=20_000),
                  _concert("c2", "artist_rock", genre="rock", popularity=40.0)]  # fmt: skip
    assert _ranked(_profile("rock"), candidates)[0] == "artist_rock"


def test_a_show_in_town_outranks_the_same_show_a_hundred_km_away() -> None:
    candidates = [_concert("c1", "artist_far", latitude=42.78, city="Rockford"), _concert("c2", "artist_near")]
    assert _ranked(_profile(), candidates) == ["artist_near", "artist_far"]


def test_a_show_in_the_next_town_ranks_below_the_same_show_across_town() -> None:
    # given two equal shows 12 km from the user's home: one at a venue of their own city, one in a neighbouring
    # city; when ranked, then the one in their own city comes first (people go out in their own city)
    candidates = [_concert("c1", "artist_next_town", venue_id="venue_2", longitude=-87.49, city="Gary"),
                  _concert("c2", "artist_across_town", longitude=-87.77)]  # fmt: skip
    assert _ranked(_profile(), candidates) == ["artist_across_town", "artist_next_town"]


def test_every_venue_of_the_home_city_counts_alike_whatever_its_distance_from_the_centre() -> None:
    # given the same artist popularity and room at a central venue and one 9 km out, both in the home city
    candidates = [_concert("c1", "artist_centre"), _concert("c2", "artist_edge", venue_id="venue_2", latitude=41.96)]
    warehouse = FakeWarehouse(_profile(), candidates)
    response = recommend(RecommendationsRequest(user_id="user_1", top_n=5), warehouse, today=TODAY)  # type: ignore[arg-type]
    # then both are equally likely (the score is relative to the best)
    assert [r.score for r in response.recommendations] == [1.0, 1.0]


def test_each_artist_is_listed_once_before_any_second_venue() -> None:
    candidates = [_concert("c1", "artist_a", venue_id="venue_1"), _concert("c2", "artist_a", venue_id="venue_2"),
                  _concert("c3", "artist_b", popularity=20.0)]  # fmt: skip
    # artist_a's two venues make it the likeliest, but artist_b comes before its second venue
    assert _ranked(_profile(), candidates, top_n=3) == ["artist_a", "artist_b", "artist_a"]


def test_scores_are_relative_to_the_likeliest_artist() -> None:
    warehouse = FakeWarehouse(_profile(), [_concert("c1", "artist_a"), _concert("c2", "artist_b", popularity=25.0)])
    response = recommend(RecommendationsRequest(user_id="user_1", top_n=5), warehouse, today=TODAY)  # type: ignore[arg-type]
    scores = [r.score for r in response.recommendations]
    assert scores[0] == 1.0 and 0.0 < scores[1] < 1.0
