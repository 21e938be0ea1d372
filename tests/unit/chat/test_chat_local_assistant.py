"""The local assistant end to end on the tiny data set: every intent answered from real data, follow-ups,
clarifications, out-of-scope, grounded numbers and answerable suggestions."""

from __future__ import annotations

import uuid

import pytest

from concert_api.models import ChatRequest
from concert_api.services.chat.evaluation.grounding import ungrounded_numbers


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
    from concert_api.services.chat.evaluation.runner import ambiguous_artist_word

    word, options = ambiguous_artist_word(shared_assistant)
    session = f"t-{uuid.uuid4().hex}"
    r = ask(shared_assistant, f"tell me about {word}", session)
    assert "tool" not in r.data and all(name in r.message for name in options)
    assert r.suggestions[:len(options)] == options
    r = ask(shared_assistant, "the second one", session)
    assert r.data["tool"] == "artist_lookup" and r.data["parameters"]["artist"] == options[1]


def test_every_suggestion_can_be_answered(shared_assistant):
    artist, city, _ = names(shared_assistant)
    for opener in (f"tell me about {artist}", f"most popular venues in {city}", f"concerts in {city}",
                   "which artist sold the most tickets?", "hi"):
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
