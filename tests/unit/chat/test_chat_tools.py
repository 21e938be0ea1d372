"""The tool registry on the tiny data set: each tool's result checked against a direct query."""

from __future__ import annotations

import pytest
from tests.unit.chat.chat_data import AS_OF

from concert_api.errors import BadRequest, NotFound
from concert_api.services.chat.tools import TOOLS, AmbiguousName, run_tool


def one(warehouse, sql, **params):
    return warehouse.query(sql, params)[0]


def test_every_tool_has_an_intent_a_description_and_a_model():
    assert {t.intent for t in TOOLS} == {"venue_popularity", "venue_lookup", "artist_lookup", "concert_search",
                                         "ticket_prediction", "price_curve", "recommendations", "sales_query"}
    assert all(len(t.description) > 40 and t.input_model.model_json_schema()["type"] == "object" for t in TOOLS)


def test_concert_search_counts_match_a_direct_query(tool_context, chat_warehouse):
    city = one(chat_warehouse, "SELECT city FROM venues ORDER BY venue_id LIMIT 1")["city"]
    result = run_tool("concert_search", {"city": city, "limit": 3}, tool_context)
    expected = one(chat_warehouse, """SELECT COUNT(*) AS n FROM concerts c JOIN venues v ON v.venue_id = c.venue_id
        WHERE v.city = :city AND c.status = 'scheduled' AND c.event_date >= CAST(:today AS DATE)""",
                   city=city, today=AS_OF.isoformat())["n"]
    assert result.result["total_matches"] == expected
    assert len(result.result["concerts"]) == min(3, expected)
    assert result.parameters == {"city": city, "when": "upcoming", "limit": 3}


def test_sales_figures_match_a_direct_query(tool_context, chat_warehouse):
    result = run_tool("sales_figures", {"state": "TX", "group_by": "artist", "top_n": 3}, tool_context)
    expected = one(chat_warehouse, """SELECT COUNT(*) AS n, SUM(s.tickets_sold) AS t FROM concerts c
        JOIN ticket_sales s ON s.concert_id = c.concert_id JOIN venues v ON v.venue_id = c.venue_id
        WHERE c.status = 'completed' AND v.state = 'TX'""")
    assert (result.result["totals"]["concerts"], result.result["totals"]["tickets_sold"]) == (expected["n"],
                                                                                             expected["t"])
    revenues = [b["revenue"] for b in result.result["breakdown"]]
    assert len(revenues) == 3 and revenues == sorted(revenues, reverse=True)


def test_artist_lookup_profile_and_top_list(tool_context, chat_warehouse):
    top = one(chat_warehouse, "SELECT name FROM artists ORDER BY popularity DESC, artist_id LIMIT 1")["name"]
    listed = run_tool("artist_lookup", {}, tool_context).result["artists"]
    assert listed[0]["name"] == top and len(listed) == 5
    profile = run_tool("artist_lookup", {"artist": top.upper()}, tool_context).result["artist"]
    completed = one(chat_warehouse, """SELECT COUNT(*) AS n FROM concerts c JOIN artists a ON a.artist_id = c.artist_id
        WHERE a.name = :name AND c.status = 'completed'""", name=top)["n"]
    assert profile["name"] == top and profile["completed_concerts"] == completed


def test_venue_lookup_matches_the_ranking_and_a_direct_query(tool_context, chat_warehouse):
    ranking = run_tool("venue_rankings", {"top_n": 100}, tool_context).result["venues"]
    ranked = ranking[len(ranking) // 2]
    venue = run_tool("venue_lookup", {"venue": ranked["name"]}, tool_context).result["venue"]
    assert venue["popularity_rank"] == ranked["popularity_rank"] and venue["ranked_venues"] == len(ranking)
    assert venue["capacity"] == ranked["capacity"] and venue["venue_type"] == ranked["venue_type"]
    upcoming = one(chat_warehouse, """SELECT COUNT(*) AS n FROM concerts WHERE venue_id = :venue_id
        AND status = 'scheduled' AND event_date >= CAST(:today AS DATE)""", venue_id=ranked["venue_id"],
                   today=AS_OF.isoformat())["n"]
    assert venue["upcoming_concerts"] == upcoming and len(venue["next_concerts"]) == min(3, upcoming)
    other = ranking[0]
    both = run_tool("venue_lookup", {"venue": ranked["venue_id"], "compare_with": other["venue_id"]},
                    tool_context).result
    assert (both["venue"]["name"], both["compared_with"]["name"]) == (ranked["name"], other["name"])


def test_artist_lookup_compares_two_artists(tool_context, chat_warehouse):
    first, second = (r["name"] for r in chat_warehouse.query(
        "SELECT name FROM artists ORDER BY popularity DESC, artist_id LIMIT 2", {}))
    result = run_tool("artist_lookup", {"artist": first, "compare_with": second}, tool_context).result
    assert (result["artist"]["name"], result["compared_with"]["name"]) == (first, second)


def test_venue_rankings_and_recommendations_reuse_the_services(tool_context):
    venues = run_tool("venue_rankings", {"top_n": 3}, tool_context).result["venues"]
    assert [v["popularity_rank"] for v in venues] == [1, 2, 3]
    recs = run_tool("recommendations", {"genres": "rock, pop", "top_n": 4}, tool_context).result
    assert recs["recommendation_type"] == "genre_filtered"
    assert all(r["genre"] in {"rock", "pop"} for r in recs["recommendations"])


def test_ticket_prediction_without_the_service_is_a_helpful_result(tool_context, chat_warehouse):
    artist = one(chat_warehouse, "SELECT name FROM artists ORDER BY artist_id LIMIT 1")["name"]
    venue = one(chat_warehouse, "SELECT name FROM venues ORDER BY venue_id LIMIT 1")["name"]
    result = run_tool("ticket_prediction", {"artist": artist, "venue": venue, "event_date": "2025-12-31",
                                            "ticket_price": 75}, tool_context).result
    assert result["artist"]["name"] == artist and result["venue"]["name"] == venue
    if not result["available"]:  # until the prediction service and a trained model exist
        assert result["reason"]


def test_ticket_prediction_with_an_injected_predictor(chat_warehouse):
    from concert_api.models import TicketPredictionResponse
    from concert_api.services.chat.tools import ToolContext

    def predict(request):
        return TicketPredictionResponse(predicted_sales=1234.0, confidence=0.8, features_used={},
                                        timestamp="2025-06-01T00:00:00Z")

    artist = one(chat_warehouse, "SELECT name FROM artists ORDER BY artist_id LIMIT 1")["name"]
    venue = one(chat_warehouse, "SELECT venue_id FROM venues ORDER BY venue_id LIMIT 1")["venue_id"]
    ran = run_tool("ticket_prediction", {"artist": artist, "venue": venue, "event_date": "2025-12-31",
                                         "ticket_price": 75}, ToolContext(chat_warehouse, AS_OF, predict))
    result = ran.result
    assert result["available"] and result["predicted_sales"] == 1234.0
    from concert_api.services.chat.local.catalog import Catalog
    from concert_api.services.chat.local.replies import render
    from concert_tools.chat_evaluation.grounding import ungrounded_numbers

    message, _ = render("ticket_prediction", ran.parameters, result, {}, Catalog((), (), ()))
    assert "1,234 tickets" in message and ungrounded_numbers(message, ran.as_data()) == [], message


def test_bad_arguments_unknown_and_ambiguous_names(tool_context, shared_assistant):
    with pytest.raises(BadRequest, match="top_n"):
        run_tool("venue_rankings", {"top_n": 0}, tool_context)
    with pytest.raises(BadRequest, match="unknown field"):
        run_tool("concert_search", {"artsit": "x"}, tool_context)
    with pytest.raises(NotFound):
        run_tool("artist_lookup", {"artist": "Nobody At All"}, tool_context)
    from concert_tools.chat_evaluation.runner import ambiguous_artist_word

    word, names = ambiguous_artist_word(shared_assistant)
    with pytest.raises(AmbiguousName) as info:
        run_tool("artist_lookup", {"artist": word}, tool_context)
    assert sorted(info.value.candidates) == names
