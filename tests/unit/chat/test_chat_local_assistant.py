"""The local assistant end to end on the tiny data set: every intent answered from real data, follow-ups,
clarifications, out-of-scope, grounded numbers and answerable suggestions."""

from __future__ import annotations

import uuid

import pytest

from concert_api.models import ChatRequest
from concert_tools.chat_evaluation.grounding import ungrounded_numbers


def ask(assistant, message, session=None):
    return assistant.reply(ChatRequest(message=message, session_id=session or f"t-{uuid.uuid4().hex}"))


def names(assistant):
    catalog = assistant.catalog
    city = catalog.cities_with_venues()[0]["city"]
    artist = catalog.artists[0]["name"]
    venue = next(v for v in catalog.venues if v["city"] == city)
    return artist, city, venue


@pytest.mark.parametrize(("message", "intent", "tool"), [
    ("Tell me about popular artists", "artist_lookup", "artist_lookup"),
    ("tell me about {artist}", "artist_lookup", "artist_lookup"),
    ("most popular venues in {city}", "venue_popularity", "venue_rankings"),
    ("what's the capacity of {venue}?", "venue_lookup", "venue_lookup"),
    ("concerts in {city} next month", "concert_search", "concert_search"),
    ("how many tickets would {artist} sell at {venue} on Dec 31 at $75", "ticket_prediction", "ticket_prediction"),
    ("recommend some rock concerts near {city}", "recommendations", "recommendations"),
    ("how many tickets did {artist} sell last year", "sales_query", "sales_figures"),
])
def test_each_intent_is_answered_from_the_data(shared_assistant, message, intent, tool):
    artist, city, venue = names(shared_assistant)
    r = ask(shared_assistant, message.format(artist=artist, city=city, venue=venue["name"]))
    assert (r.intent, r.data["tool"]) == (intent, tool)
    assert r.confidence > 0.5
    assert r.data["parameters"] and "result" in r.data
    assert ungrounded_numbers(r.message, r.data) == [], r.message
    assert 2 <= len(r.suggestions) <= 4


def test_answers_match_the_warehouse(shared_assistant, chat_warehouse):
    artist, city, _ = names(shared_assistant)
    r = ask(shared_assistant, f"how many tickets has {artist} sold")
    sold = chat_warehouse.query("""SELECT SUM(s.tickets_sold) AS t FROM ticket_sales s
        JOIN concerts c ON c.concert_id = s.concert_id JOIN artists a ON a.artist_id = c.artist_id
        WHERE a.name = :name AND c.status = 'completed'""", {"name": artist})[0]["t"]
    assert f"{sold:,} tickets sold" in r.message
    r = ask(shared_assistant, f"top 2 venues in {city}")
    top = chat_warehouse.query("""SELECT v.name FROM venue_metrics m JOIN venues v ON v.venue_id = m.venue_id
        WHERE v.city = :city AND m.total_concerts >= 5
        ORDER BY m.popularity_score DESC, m.total_concerts DESC, v.venue_id LIMIT 2""", {"city": city})
    assert [v["name"] for v in r.data["result"]["venues"]] == [row["name"] for row in top]


def test_greeting_help_and_out_of_scope(shared_assistant):
    assert ask(shared_assistant, "hello there").intent == "greeting"
    assert ask(shared_assistant, "what can you do?").intent == "help"
    r = ask(shared_assistant, "what's the weather like in Paris tomorrow?")
    assert r.intent == "out_of_scope" and "concerts" in r.message and "tool" not in r.data
    assert len(r.suggestions) >= 2


def test_follow_ups_carry_the_intent_and_entities(shared_assistant):
    _, city, _ = names(shared_assistant)
    other = shared_assistant.catalog.cities_with_venues()[1]["city"]
    session = f"t-{uuid.uuid4().hex}"
    first = ask(shared_assistant, f"most popular venues in {city}", session)
    second = ask(shared_assistant, f"what about {other}?", session)
    assert second.intent == first.intent == "venue_popularity"
    assert second.data["follow_up"] and second.data["parameters"]["city"] == other


def test_pronouns_carry_the_artist_into_a_new_question(shared_assistant):
    artist, _, _ = names(shared_assistant)
    session = f"t-{uuid.uuid4().hex}"
    ask(shared_assistant, f"tell me about {artist}", session)
    r = ask(shared_assistant, "how many tickets did they sell?", session)
    assert r.intent == "sales_query" and r.data["parameters"]["artist"] == artist


def test_missing_slots_are_asked_for_then_a_new_price_is_a_follow_up(shared_assistant):
    artist, _, venue = names(shared_assistant)
    session = f"t-{uuid.uuid4().hex}"
    r = ask(shared_assistant, f"predict ticket sales for {artist} at {venue['name']}", session)
    assert r.intent == "ticket_prediction" and "tool" not in r.data
    assert r.data["clarification"]["slot"] == "date" and "On what date?" in r.message
    r = ask(shared_assistant, "next Saturday", session)
    assert r.data["clarification"]["slot"] == "price"
    r = ask(shared_assistant, "$80", session)
    assert r.data["tool"] == "ticket_prediction"
    assert r.data["parameters"] == {"artist": artist, "venue": venue["venue_id"], "event_date": "2025-06-07",
                                    "ticket_price": 80.0}
    r = ask(shared_assistant, "and at $60?", session)
    assert r.data["follow_up"] and r.data["parameters"]["ticket_price"] == 60.0


def test_an_ambiguous_name_gets_a_clarifying_question(shared_assistant):
    from concert_tools.chat_evaluation.runner import ambiguous_artist_word

    word, options = ambiguous_artist_word(shared_assistant)
    session = f"t-{uuid.uuid4().hex}"
    r = ask(shared_assistant, f"tell me about {word}", session)
    assert "tool" not in r.data and all(name in r.message for name in options)
    assert r.suggestions[:len(options)] == options
    r = ask(shared_assistant, "the second one", session)
    assert r.data["tool"] == "artist_lookup" and r.data["parameters"]["artist"] == options[1]


def test_every_suggestion_can_be_answered(shared_assistant):
    artist, city, venue = names(shared_assistant)
    other = next(v for v in shared_assistant.catalog.venues if v["venue_id"] != venue["venue_id"])
    for opener in (f"tell me about {artist}", f"most popular venues in {city}", f"concerts in {city}",
                   "which artist sold the most tickets?", "hi", f"tell me about {venue['name']}",
                   f"compare {venue['name']} and {other['name']}"):
        session = f"t-{uuid.uuid4().hex}"
        first = ask(shared_assistant, opener, session)
        for suggestion in first.suggestions:
            r = ask(shared_assistant, suggestion, session)
            assert r.intent not in {"out_of_scope", "help"}, (opener, suggestion, r.intent)
            assert "clarification" not in r.data, (opener, suggestion)
            ask(shared_assistant, opener, session)  # back to the opener's context


def test_the_session_id_is_created_and_kept(shared_assistant):
    r = shared_assistant.reply(ChatRequest(message="hi"))
    assert r.session_id and shared_assistant.reply(ChatRequest(message="hi", session_id=r.session_id)).session_id \
        == r.session_id


def _prediction_names(assistant):
    """An artist, a venue, a city with several venues (other than the venue's) and those venues."""
    catalog = assistant.catalog
    artist = catalog.artists[0]["name"]
    counts: dict[str, int] = {}
    for v in catalog.venues:
        counts[v["city"]] = counts.get(v["city"], 0) + 1
    venue = catalog.venues[0]
    city = next(c["city"] for c in catalog.cities_with_venues()
                if counts[c["city"]] >= 2 and c["city"] != venue["city"])
    return artist, venue, city


def test_a_city_during_a_prediction_asks_which_venue_there(shared_assistant):
    artist, venue, city = _prediction_names(shared_assistant)
    session = f"t-{uuid.uuid4().hex}"
    first = ask(shared_assistant, f"how many tickets would {artist} sell at {venue['name']} on Dec 31 at $75",
                session)
    assert first.data["tool"] == "ticket_prediction"
    r = ask(shared_assistant, f"what about {city}?", session)
    assert r.intent == "ticket_prediction" and "tool" not in r.data
    options = r.data["clarification"]["options"]
    in_city = {v["venue_id"] for v in shared_assistant.catalog.venues if v["city"] == city}
    assert r.data["clarification"]["slot"] == "venue" and {o[0] for o in options} == in_city
    assert f"Which venue in {city}" in r.message and all(o[1] in r.message for o in options[:2])
    assert r.suggestions == [o[1] for o in options[:4]]
    r = ask(shared_assistant, "the second one", session)
    assert r.data["tool"] == "ticket_prediction" and r.data["follow_up"]
    assert r.data["parameters"] == {"artist": artist, "venue": options[1][0],
                                    "event_date": first.data["parameters"]["event_date"], "ticket_price": 75.0}
    assert ungrounded_numbers(r.message, r.data) == []


def test_a_slot_the_question_cannot_take_is_said_plainly(shared_assistant):
    artist, venue, _ = _prediction_names(shared_assistant)
    session = f"t-{uuid.uuid4().hex}"
    ask(shared_assistant, f"how many tickets would {artist} sell at {venue['name']} on Dec 31 at $75", session)
    r = ask(shared_assistant, "what about rock?", session)
    assert r.intent == "ticket_prediction" and "tool" not in r.data
    assert "can't be narrowed by genre (rock)" in r.message and r.data["not_applied"] == {"genres": ["rock"]}
    assert "Rock concerts" in r.suggestions
    r = ask(shared_assistant, "and at $60?", session)  # the prediction is still the question being discussed
    assert r.data["parameters"]["venue"] == venue["venue_id"] and r.data["parameters"]["ticket_price"] == 60.0
    _, city, _ = names(shared_assistant)
    session = f"t-{uuid.uuid4().hex}"
    ask(shared_assistant, f"most popular venues in {city}", session)
    r = ask(shared_assistant, "under $50", session)
    assert "tool" not in r.data and "can't be narrowed by a ticket price" in r.message
    assert f"Concerts in {city} under $50" in r.suggestions
    assert ungrounded_numbers(r.message, r.data) == []
    follow = ask(shared_assistant, r.suggestions[0], session)
    assert follow.data["tool"] == "concert_search" and follow.data["parameters"]["max_price"] == 50.0


@pytest.mark.parametrize(("opener", "modifier", "tool", "expected"), [
    ("ticket sales in {city}", "by genre", "sales_figures", {"city": "{city}", "group_by": "genre"}),
    ("ticket sales in {city}", "which artist?", "sales_figures", {"city": "{city}", "group_by": "artist"}),
    ("concerts in {city}", "under $50", "concert_search", {"city": "{city}", "max_price": 50.0}),
    ("most popular venues in {city}", "top 2", "venue_rankings", {"city": "{city}", "top_n": 2}),
    ("most popular venues", "only arenas", "venue_rankings", {"venue_type": "arena"}),
])
def test_a_message_that_only_sets_a_modifier_is_a_follow_up(shared_assistant, opener, modifier, tool, expected):
    _, city, _ = names(shared_assistant)
    session = f"t-{uuid.uuid4().hex}"
    ask(shared_assistant, opener.format(city=city), session)
    r = ask(shared_assistant, modifier, session)
    assert r.data["tool"] == tool and r.data["follow_up"], r.message
    assert ungrounded_numbers(r.message, r.data) == [], r.message
    assert {k: r.data["parameters"].get(k) for k in expected} == {
        k: v.format(city=city) if isinstance(v, str) else v for k, v in expected.items()}


def test_a_modifier_alone_without_a_previous_question_is_not_a_follow_up(shared_assistant):
    r = ask(shared_assistant, "by genre")
    assert not r.data["follow_up"]


@pytest.mark.parametrize("message", ["top 20 upcoming concerts", "top 20 venues", "top 3 venues", "top 12 artists"])
def test_long_lists_state_only_counts_the_data_holds(shared_assistant, message):
    r = ask(shared_assistant, message)
    assert r.data["tool"] and ungrounded_numbers(r.message, r.data) == [], r.message
