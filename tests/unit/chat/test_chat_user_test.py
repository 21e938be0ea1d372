"""Problems a new user hit when trying the assistant (a user test, not the evaluation's test set), each as a
dialogue on the tiny data set (seed 42, as of Sunday 1 June 2025)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from concert_api.models import ChatRequest
from concert_api.services.chat.local import replies
from concert_api.services.chat.local.catalog import Catalog
from concert_api.services.chat.local.dates import parse_dates
from concert_tools.chat_evaluation.grounding import ungrounded_numbers


def new_session() -> str:
    return f"u-{uuid.uuid4().hex}"


def ask(assistant, message, session=None, user_id=None):
    r = assistant.reply(ChatRequest(message=message, session_id=session or new_session(), user_id=user_id))
    assert ungrounded_numbers(r.message, r.data) == [], r.message
    return r


def venues_in(assistant, city):
    return sorted((v for v in assistant.catalog.venues if v["city"] == city),
                  key=lambda v: (-int(v["capacity"]), v["name"]))


# --- 1. the request's user_id ------------------------------------------------------------------------------


def test_the_requests_user_id_personalises_recommendations(shared_assistant, chat_warehouse):
    user = chat_warehouse.query("SELECT user_id, COUNT(*) AS n FROM attendance GROUP BY user_id "
                                "ORDER BY n DESC, user_id LIMIT 1", {})[0]["user_id"]
    session = new_session()
    r = ask(shared_assistant, "any concerts you'd recommend for me?", session, user_id=user)
    assert r.intent == "recommendations" and r.data["parameters"]["user_id"] == user
    assert r.data["result"]["recommendation_type"] == "personalized" and user in r.message
    r = ask(shared_assistant, "what about rock?", session)  # the session keeps the request's user
    assert r.data["parameters"]["user_id"] == user and r.data["parameters"]["genres"] == ["rock"]
    r = ask(shared_assistant, f"recommend concerts for {user}")  # or the message names the user
    assert r.data["parameters"]["user_id"] == user


def test_an_unknown_user_is_said_and_recommendations_come_without_a_history(shared_assistant):
    r = ask(shared_assistant, "any concerts you'd recommend for me?", user_id="user_999999")
    assert r.message.startswith("I don't know user user_999999")
    assert r.data["unknown_user"] == "user_999999" and "user_id" not in r.data["parameters"]
    assert r.data["tool"] == "recommendations" and r.data["result"]["recommendations"]


# --- 2. city nicknames ----------------------------------------------------------------------------------------


def test_la_is_los_angeles_when_it_has_venues_and_louisiana_spelled_out_is_the_state(shared_assistant):
    assert venues_in(shared_assistant, "Los Angeles")
    r = ask(shared_assistant, "Show me hip hop concerts in LA under $50 this weekend")
    params = r.data["parameters"]
    assert r.data["tool"] == "concert_search" and params["city"] == "Los Angeles" and "state" not in params
    assert (params["genre"], params["max_price"], params["date_from"]) == ("hip-hop", 50.0, "2025-06-01")
    r = ask(shared_assistant, "concerts in Louisiana")
    assert r.data["parameters"].get("state") == "LA" and "city" not in r.data["parameters"]
    assert "in Louisiana" in r.message and "in LA" not in r.message


@pytest.mark.parametrize(("message", "city", "state"), [
    ("concerts in NYC next month", "New York", None),
    ("any shows in Philly?", "Philadelphia", None),
    ("concerts in l.a.", "Los Angeles", None),
    ("concerts in DC", None, "DC"),  # no venues in Washington in the tiny data: the code stays the state's
])
def test_city_nicknames_only_for_cities_with_venues(shared_assistant, message, city, state):
    extraction = shared_assistant.matcher().extract(message, today=dt.date(2025, 6, 1))
    assert [e.value for e in extraction.of("city")] == ([city] if city else [])
    assert [e.value for e in extraction.of("state")] == ([state] if state else [])


def test_vegas_is_nothing_without_las_vegas_venues(shared_assistant):
    assert not venues_in(shared_assistant, "Las Vegas")
    extraction = shared_assistant.matcher().extract("concerts in vegas", today=dt.date(2025, 6, 1))
    assert not extraction.of("city")


# --- 3. dates relative to the conversation ---------------------------------------------------------------------


def test_relative_dates_count_from_the_date_being_discussed(shared_assistant):
    artist, venue = shared_assistant.catalog.artists[0]["name"], shared_assistant.catalog.venues[0]
    session = new_session()
    r = ask(shared_assistant, f"predict ticket sales for {artist} at {venue['name']} on 10 Apr 2027 at $80", session)
    assert r.data["parameters"]["event_date"] == "2027-04-10"
    r = ask(shared_assistant, "what about the following saturday?", session)
    assert r.data["tool"] == "ticket_prediction" and r.data["parameters"]["event_date"] == "2027-04-17"
    r = ask(shared_assistant, "what about 2 weeks later?", session)
    assert r.data["parameters"]["event_date"] == "2027-05-01"
    assert r.data["parameters"]["ticket_price"] == 80.0 and r.data["parameters"]["venue"] == venue["venue_id"]
    r = ask(shared_assistant, "and a month earlier?", session)
    assert r.data["parameters"]["event_date"] == "2027-04-01"


@pytest.mark.parametrize(("text", "start", "end"), [
    ("the following saturday", "2027-04-17", "2027-04-17"),
    ("the saturday after that", "2027-04-17", "2027-04-17"),
    ("2 weeks later", "2027-04-24", "2027-04-24"),
    ("three days before", "2027-04-07", "2027-04-07"),
    ("a month later", "2027-05-10", "2027-05-10"),
    ("the day after", "2027-04-11", "2027-04-11"),
    ("the following weekend", "2027-04-17", "2027-04-18"),
])
def test_anchored_date_phrases(text, start, end):
    anchor = (dt.date(2027, 4, 10), dt.date(2027, 4, 10))
    (found,) = parse_dates(text, dt.date(2025, 6, 1), anchor=anchor)
    assert (found.start.isoformat(), found.end.isoformat()) == (start, end)


def test_a_whole_month_moves_as_a_month_and_a_bare_year_is_a_year():
    december = (dt.date(2024, 12, 1), dt.date(2024, 12, 31))
    (found,) = parse_dates("the following month", dt.date(2025, 6, 1), anchor=december)
    assert (found.start, found.end) == (dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    (found,) = parse_dates("and 2023?", dt.date(2025, 6, 1))
    assert (found.start, found.end) == (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert parse_dates("top 2000 venues under $2024", dt.date(2025, 6, 1)) == []


# --- 4. a year alone keeps the month -----------------------------------------------------------------------------


def test_a_year_alone_keeps_the_month_and_says_so(shared_assistant):
    session = new_session()
    r = ask(shared_assistant, "what were sales for concerts in december 2024 in New York", session)
    assert (r.data["parameters"]["date_from"], r.data["parameters"]["date_to"]) == ("2024-12-01", "2024-12-31")
    r = ask(shared_assistant, "and 2023?", session)
    params = r.data["parameters"]
    assert (params["date_from"], params["date_to"], params["city"]) == ("2023-12-01", "2023-12-31", "New York")
    assert r.message.startswith('I read "2023" as December 2023, keeping the month of the last question')
    assert r.data["date_reading"]["year"] == 2023
    r = ask(shared_assistant, "what about all of 2023?", session)
    assert (r.data["parameters"]["date_from"], r.data["parameters"]["date_to"]) == ("2023-01-01", "2023-12-31")
    assert "date_reading" not in r.data


# --- 5. ids in messages ------------------------------------------------------------------------------------------


def test_ids_in_messages_are_entities(shared_assistant, chat_warehouse):
    venue = shared_assistant.catalog.venues[0]
    r = ask(shared_assistant, f"how much revenue did {venue['venue_id']} make?")
    assert r.intent == "sales_query" and r.data["parameters"]["venue"] == venue["venue_id"]
    revenue = chat_warehouse.query("""SELECT SUM(s.revenue) AS r FROM ticket_sales s
        JOIN concerts c ON c.concert_id = s.concert_id WHERE c.venue_id = :v AND c.status = 'completed'""",
                                   {"v": venue["venue_id"]})[0]["r"]
    assert r.data["result"]["totals"]["revenue"] == round(float(revenue), 2) and venue["name"] in r.message
    artist = chat_warehouse.query("SELECT artist_id, name FROM artists WHERE artist_id = 'artist_001'", {})[0]
    r = ask(shared_assistant, "tell me about artist_001")
    assert r.data["tool"] == "artist_lookup" and r.data["parameters"]["artist"] == artist["name"]


def test_an_unknown_id_is_said_not_answered_with_national_totals(shared_assistant):
    r = ask(shared_assistant, "how much revenue did venue_999 make?")
    assert r.data["parameters"]["venue"] == "venue_999" and "No venue named 'venue_999'" in r.message
    assert "result" not in r.data


# --- 6. venues: lookup and comparison ------------------------------------------------------------------------------


def test_tell_me_about_a_venue_and_its_capacity(shared_assistant, chat_warehouse):
    venue = venues_in(shared_assistant, "Chicago")[-1]
    for message in (f"Tell me about {venue['name']}", f"what's the capacity of {venue['name']}?"):
        r = ask(shared_assistant, message)
        assert (r.intent, r.data["tool"]) == ("venue_lookup", "venue_lookup") and r.confidence > 0.4, message
        profile = r.data["result"]["venue"]
        assert profile["venue_id"] == venue["venue_id"] and f"{int(venue['capacity']):,} seats" in r.message
        assert venue["venue_type"] in r.message and "Chicago" in r.message
    rank = chat_warehouse.query("""SELECT venue_id, ROW_NUMBER() OVER (ORDER BY popularity_score DESC,
        total_concerts DESC, venue_id) AS r FROM venue_metrics WHERE total_concerts >= 5""", {})
    expected = next((row["r"] for row in rank if row["venue_id"] == venue["venue_id"]), None)
    assert profile["popularity_rank"] == expected and profile["ranked_venues"] == len(rank)
    if expected:
        assert f"ranks {replies.ordinal(expected)} of {len(rank)} venues" in r.message


def test_a_ranking_question_about_one_venue_gets_its_rank_among_all(shared_assistant):
    venue = shared_assistant.catalog.venues[-1]
    r = ask(shared_assistant, f"how popular is {venue['name']}")
    assert r.intent == "venue_popularity" and r.data["tool"] == "venue_lookup"
    assert r.data["parameters"] == {"venue": venue["venue_id"]}


def test_two_named_venues_are_compared_side_by_side(shared_assistant):
    first, second = venues_in(shared_assistant, "New York")[:2]
    r = ask(shared_assistant, f"Compare {first['name']} and {second['name']}")
    assert (r.intent, r.data["tool"]) == ("venue_lookup", "venue_lookup")
    assert r.data["parameters"] == {"venue": first["venue_id"], "compare_with": second["venue_id"]}
    assert f"{first['name']} and {second['name']} side by side" in r.message
    assert f"Capacity: {int(first['capacity']):,} seats vs {int(second['capacity']):,} seats" in r.message


def test_two_named_artists_are_compared_side_by_side(shared_assistant):
    first, second = (a["name"] for a in shared_assistant.catalog.artists[:2])
    r = ask(shared_assistant, f"{first} vs {second}")
    assert (r.intent, r.data["tool"]) == ("artist_lookup", "artist_lookup")
    assert r.data["parameters"]["compare_with"] == second and r.data["result"]["compared_with"]["name"] == second
    assert "- Popularity:" in r.message and f"{first} is the more popular of the two." in r.message


def test_a_venue_follow_up_replaces_the_venue(shared_assistant):
    first, second = shared_assistant.catalog.venues[:2]
    session = new_session()
    ask(shared_assistant, f"tell me about {first['name']}", session)
    r = ask(shared_assistant, f"what about {second['name']}?", session)
    assert r.intent == "venue_lookup" and r.data["parameters"] == {"venue": second["venue_id"]}


# --- 7. a place's venues when a prediction lacks one -------------------------------------------------------------


def test_a_prediction_in_a_place_suggests_that_places_venues(shared_assistant):
    artist = shared_assistant.catalog.artists[0]["name"]
    chicago = venues_in(shared_assistant, "Chicago")
    session = new_session()
    r = ask(shared_assistant, f"predict ticket sales for {artist} in Chicago", session)
    assert r.intent == "ticket_prediction" and "tool" not in r.data
    assert "Which venue in Chicago?" in r.message
    assert r.suggestions == [v["name"] for v in chicago[:3]]
    assert {o[0] for o in r.data["clarification"]["options"]} == {v["venue_id"] for v in chicago}
    r = ask(shared_assistant, "the second one", session)
    assert r.data["clarification"]["slot"] == "date" and chicago[1]["name"] in r.message


def test_a_place_with_one_venue_takes_it_and_one_without_says_so(shared_assistant):
    artist = shared_assistant.catalog.artists[0]["name"]
    (austin,) = venues_in(shared_assistant, "Austin")
    r = ask(shared_assistant, f"predict ticket sales for {artist} in Austin")
    assert f"{austin['name']} is the only venue in Austin" in r.message
    assert r.data["clarification"]["slot"] == "date" and r.data["clarification"]["slots"]["venue"] == \
        austin["venue_id"]
    r = ask(shared_assistant, f"predict ticket sales for {artist} in Oregon")
    assert "I have no venues in Oregon in the data." in r.message and r.data["clarification"]["slot"] == "venue"


# --- 8. plurals --------------------------------------------------------------------------------------------------

PLURAL_OF_ONE = re.compile(r"(?<![\d,.])1 (?:upcoming |past )?(?:concerts|tickets|seats|venues|artists)\b")


def test_one_of_anything_is_singular():
    catalog = Catalog((), (), ())
    concert = {"concert_id": "concert_001", "event_date": "2025-06-07", "artist_name": "A", "genre": "rock",
               "venue_name": "V", "city": "Chicago", "state": "IL", "capacity": 1, "ticket_price": 30.0,
               "status": "completed", "tickets_sold": 1, "revenue": 30.0}
    rendered = [
        replies.render("concert_search", {"when": "upcoming"}, {"concerts": [concert], "total_matches": 1,
                                                                 "date_from": "2025-06-01", "date_to": "2027-06-01"},
                       {}, catalog)[0],
        replies.render("concert_search", {"when": "past"}, {"concerts": [concert], "total_matches": 1,
                                                             "date_from": "1900-01-01", "date_to": "2025-05-31"},
                       {}, catalog)[0],
        replies.render("sales_figures", {"group_by": "artist"}, {
            "totals": {"concerts": 1, "tickets_sold": 1, "revenue": 30.0, "avg_price_paid": 30.0,
                       "avg_attendance_pct": 100.0},
            "date_from": "1900-01-01", "date_to": "2025-06-01", "group_by": "artist",
            "breakdown": [{"name": "A", "concerts": 1, "tickets_sold": 1, "revenue": 30.0, "rank": 1}]},
            {}, catalog)[0],
        replies.render("artist_lookup", {"artist": "A"}, {"artist": {
            "artist_id": "artist_001", "name": "A", "genre": "rock", "popularity": 50.0, "home_city": "Chicago",
            "home_state": "IL", "completed_concerts": 1, "upcoming_concerts": 1, "tickets_sold": 1,
            "revenue": 30.0, "avg_attendance_pct": 100.0, "last_concert_date": "2025-05-01",
            "next_concerts": [concert]}}, {}, catalog)[0],
        replies.render("venue_lookup", {"venue": "V"}, {"venue": {
            "venue_id": "venue_001", "name": "V", "city": "Chicago", "state": "IL", "capacity": 1,
            "venue_type": "club", "total_concerts": 1, "avg_attendance_rate": 1.0, "revenue_per_event": 30.0,
            "popularity_rank": 1, "ranked_venues": 1, "ranking_min_events": 1, "upcoming_concerts": 1,
            "next_concerts": [concert]}}, {}, catalog)[0],
        replies.render("venue_rankings", {"top_n": 1}, {"venues": [{
            "venue_id": "venue_001", "name": "V", "city": "Chicago", "state": "IL", "total_concerts": 1,
            "avg_attendance_rate": 1.0, "popularity_rank": 1}], "total_venues": 1}, {}, catalog)[0],
        replies.render("artist_lookup", {}, {"artists": [{"artist_id": "artist_001", "name": "A", "genre": "rock",
                                                          "popularity": 50.0, "upcoming_concerts": 1, "rank": 1}],
                                             "total_artists": 1}, {}, catalog)[0],
    ]
    for message in rendered:
        assert PLURAL_OF_ONE.search(message) is None, message
    assert rendered[0].startswith("1 upcoming concert:") and "1 ticket sold" in rendered[1]
    assert replies.plural(2, "concert") == "2 concerts" and replies.plural(1_200, "ticket") == "1,200 tickets"
