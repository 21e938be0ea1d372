"""The three data endpoints end to end on the generated `tiny` data set, through the real handlers."""

from __future__ import annotations

import datetime as dt
import json

import api_lambda_handlers
import pytest
from tests.conftest import body_of, load_event

GUIDE_VENUE_FIELDS = {
    "venue_id",
    "name",
    "city",
    "state",
    "capacity",
    "venue_type",
    "total_concerts",
    "avg_attendance_rate",
    "revenue_per_event",
    "booking_frequency",
    "popularity_rank",
}
GUIDE_RECOMMENDATION_FIELDS = {
    "concert_id",
    "artist_name",
    "genre",
    "artist_popularity",
    "venue_name",
    "city",
    "state",
    "capacity",
    "event_date",
    "score",
    "reasoning",
}


def _post(handler, body, context):
    return api_lambda_handlers.__getattr__(handler)({"body": json.dumps(body)}, context)


@pytest.mark.parametrize("fixture", ["rest_venue_popularity.json", "http_venue_popularity.json"])
def test_venue_popularity_answers_rest_and_http_events(tiny_warehouse, lambda_context, fixture):
    response = api_lambda_handlers.venue_popularity_handler(load_event(fixture), lambda_context)
    body = body_of(response)
    assert response["statusCode"] == 200
    assert set(body) == {"venues", "total_venues", "timestamp"}
    assert body["total_venues"] == len(body["venues"]) > 0
    for venue in body["venues"]:
        assert set(venue) >= GUIDE_VENUE_FIELDS


def test_venue_ranking_respects_top_n_min_events_and_order(tiny_warehouse, lambda_context):
    body = body_of(_post("venue_popularity_handler", {"top_n": 5, "min_events": 20}, lambda_context))
    venues = body["venues"]
    assert len(venues) <= 5
    assert [v["popularity_rank"] for v in venues] == list(range(1, len(venues) + 1))
    assert all(v["total_concerts"] >= 20 for v in venues)
    scores = [v["popularity_score"] for v in venues]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= v["avg_attendance_rate"] <= 1 for v in venues)


def test_venue_filters_narrow_the_ranking(tiny_warehouse, lambda_context):
    everything = body_of(_post("venue_popularity_handler", {"top_n": 100, "min_events": 0}, lambda_context))
    some = everything["venues"][0]
    for filters in (
        {"city": some["city"].upper()},
        {"state": some["state"].lower()},
        {"venue_type": some["venue_type"]},
    ):
        body = body_of(_post("venue_popularity_handler", {"top_n": 100, "min_events": 0, **filters}, lambda_context))
        assert body["venues"], filters
        for venue in body["venues"]:
            key, value = next(iter(filters.items()))
            assert venue[key].lower() == value.lower()
        assert len(body["venues"]) < len(everything["venues"]) or len(everything["venues"]) == 1


def test_unknown_venue_type_is_a_400(tiny_warehouse, lambda_context):
    response = _post("venue_popularity_handler", {"venue_type": "barn"}, lambda_context)
    assert response["statusCode"] == 400 and "venue_type" in body_of(response)["details"]


def test_guide_recommendation_request_returns_every_guide_field(tiny_warehouse, lambda_context):
    response = api_lambda_handlers.recommendations_handler(load_event("rest_recommendations.json"), lambda_context)
    body = body_of(response)
    assert response["statusCode"] == 200
    assert set(body) == {"recommendations", "total_recommendations", "recommendation_type", "timestamp"}
    assert body["recommendations"]
    for item in body["recommendations"]:
        assert set(item) >= GUIDE_RECOMMENDATION_FIELDS
        assert 0 <= item["score"] <= 1 and item["reasoning"]
        assert item["genre"] in {"rock", "alternative"}


def test_recommendations_are_upcoming_and_sorted_by_score(tiny_warehouse, lambda_context):
    body = body_of(_post("recommendations_handler", {"top_n": 20}, lambda_context))
    today = dt.date.today().isoformat()
    assert body["recommendation_type"] == "popular"
    assert all(item["event_date"] >= today for item in body["recommendations"])
    scores = [item["score"] for item in body["recommendations"]]
    assert scores == sorted(scores, reverse=True)


def test_genre_preferences_filter_and_set_the_type(tiny_warehouse, lambda_context):
    body = body_of(_post("recommendations_handler", {"artist_preferences": ["pop"], "top_n": 10}, lambda_context))
    assert body["recommendation_type"] == "genre_filtered"
    assert body["recommendations"] and {r["genre"] for r in body["recommendations"]} == {"pop"}


def test_coordinates_with_radius_keep_concerts_inside_and_decay_with_distance(tiny_warehouse, lambda_context):
    # Given a point in Manhattan and a 50 km radius
    request = {"location": {"latitude": 40.7128, "longitude": -74.0060, "radius_km": 50}, "top_n": 30}
    body = body_of(_post("recommendations_handler", request, lambda_context))
    # Then the list is full; the concerts within the radius come first and say how far they are; any beyond it
    # only fill the list, and say that the search was widened
    assert body["recommendation_type"] == "location_based"
    recs = body["recommendations"]
    assert len(recs) == 30
    inside = [r for r in recs if r["distance_km"] <= 50]
    assert inside and recs[: len(inside)] == inside
    assert all("km from" in r["reasoning"] for r in inside)
    assert all(r["reasoning"].startswith("Widened the search to reach 30") for r in recs[len(inside):])


def test_state_location_keeps_concerts_in_that_state(tiny_warehouse, lambda_context):
    body = body_of(_post("recommendations_handler", {"location": "CA", "top_n": 10}, lambda_context))
    in_state = [r for r in body["recommendations"] if r["state"] == "CA"]
    assert in_state and body["recommendations"][: len(in_state)] == in_state
    assert all("outside CA" in r["reasoning"] for r in body["recommendations"][len(in_state):])


def test_unknown_city_is_a_400_naming_location(tiny_warehouse, lambda_context):
    response = _post("recommendations_handler", {"location": "Atlantis"}, lambda_context)
    assert response["statusCode"] == 400
    assert body_of(response)["details"].startswith("location: unknown city 'Atlantis'")


def test_user_with_history_gets_personalized_recommendations(tiny_warehouse, lambda_context):

    user = tiny_warehouse.query("SELECT user_id FROM attendance GROUP BY user_id ORDER BY COUNT(*) DESC LIMIT 1")
    user_id = user[0]["user_id"]
    history = tiny_warehouse.query("SELECT genre FROM user_artists WHERE user_id = :u", {"u": user_id})
    body = body_of(_post("recommendations_handler", {"user_id": user_id, "top_n": 10}, lambda_context))
    assert body["recommendation_type"] == "personalized"
    seen_genres = {row["genre"] for row in history}
    assert any(r["genre"] in seen_genres for r in body["recommendations"])
    assert any(
        "you have seen" in r["reasoning"] or "fans of artists" in r["reasoning"] or "favourite" in r["reasoning"]
        for r in body["recommendations"]
    )


def test_unknown_user_is_a_404_naming_user_id(tiny_warehouse, lambda_context):
    response = _post("recommendations_handler", {"user_id": "user_999999", "top_n": 5}, lambda_context)
    assert response["statusCode"] == 404
    assert body_of(response)["details"].startswith("user_id: unknown user 'user_999999'")


def test_guide_example_user_exists_and_gets_personalized_results(tiny_warehouse, lambda_context):
    body = body_of(_post("recommendations_handler", {"user_id": "user_123", "top_n": 5}, lambda_context))
    assert body["recommendation_type"] == "personalized"


@pytest.mark.parametrize("rank_by", ["popularity", "attendance_rate", "revenue", "bookings", "tickets"])
def test_venue_ranking_by_each_rank_by(tiny_warehouse, lambda_context, rank_by):
    body = body_of(_post("venue_popularity_handler", {"top_n": 5, "rank_by": rank_by}, lambda_context))
    column = {"popularity": "popularity_score", "attendance_rate": "avg_attendance_rate",
              "revenue": "revenue_per_event", "bookings": "booking_frequency", "tickets": "tickets_per_event"}[rank_by]
    values = [v[column] for v in body["venues"]]
    assert len(values) == 5 and values == sorted(values, reverse=True)


def test_unknown_rank_by_is_a_400_naming_it(tiny_warehouse, lambda_context):
    response = _post("venue_popularity_handler", {"rank_by": "loudness"}, lambda_context)
    assert response["statusCode"] == 400
    assert body_of(response)["details"].startswith("rank_by: Input should be 'popularity'")


def test_one_date_per_artist_and_venue(tiny_warehouse, lambda_context):
    body = body_of(_post("recommendations_handler", {"top_n": 50}, lambda_context))
    shows = [(r["artist_name"], r["venue_name"]) for r in body["recommendations"]]
    assert len(shows) == len(set(shows))


def test_unknown_city_in_venue_ranking_is_a_400_and_states_may_be_named(tiny_warehouse, lambda_context):
    unknown = _post("venue_popularity_handler", {"city": "Chicgo"}, lambda_context)
    assert unknown["statusCode"] == 400 and body_of(unknown)["details"].startswith("city: unknown city 'Chicgo'")
    by_code = body_of(_post("venue_popularity_handler", {"state": "CA", "min_events": 0}, lambda_context))
    by_name = body_of(_post("venue_popularity_handler", {"state": "california", "min_events": 0}, lambda_context))
    assert by_code["venues"] and by_code["venues"] == by_name["venues"]


def test_at_most_two_concerts_per_artist(tiny_warehouse, lambda_context):
    body = body_of(_post("recommendations_handler", {"top_n": 50}, lambda_context))
    names = [r["artist_name"] for r in body["recommendations"]]
    assert max(names.count(n) for n in set(names)) <= 2


def test_deep_health_probes_the_warehouse(trained_env, lambda_context):
    body = body_of(api_lambda_handlers.health_check_handler(load_event("http_health_deep.json"), lambda_context))
    assert body["status"] == "healthy"
    assert body["probes"]["warehouse"]["status"] == "ok"
    assert body["probes"]["warehouse"]["latency_ms"] >= 0
