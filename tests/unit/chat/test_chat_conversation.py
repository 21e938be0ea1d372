"""Conversations with the local assistant (issue 11): the dialogue state, follow-ups that keep what came before,
references to the last answer's list, near misses, comparisons, unknown names, dates looking back for sales,
aggregates a reader would compute, modifiers reaching the tools, and predictions quoted with their warnings.
Every reply's numbers are checked against its data."""

from __future__ import annotations

import datetime as dt
import math
import uuid

import pytest
from tests.unit.chat.chat_data import AS_OF

from concert_api.models import ChatRequest, TicketPredictionResponse
from concert_api.services.chat.local.dates import find_dates, looking_back
from concert_api.services.chat.local.near_miss import near_miss
from concert_api.services.chat.local.state import DialogueState, ResultItem
from concert_tools.chat_evaluation.grounding import ungrounded_numbers


class Conversation:
    """One session with the shared assistant; every reply must be grounded in its data."""

    def __init__(self, assistant) -> None:
        self.assistant = assistant
        self.session = f"conv-{uuid.uuid4().hex}"

    def say(self, message: str):
        r = self.assistant.reply(ChatRequest(message=message, session_id=self.session))
        assert ungrounded_numbers(r.message, r.data) == [], r.message
        return r

    @property
    def state(self) -> DialogueState:
        return DialogueState.from_dict(self.assistant.sessions.get(self.session))


def top_by_genre(catalog, min_artists: int = 2) -> tuple[str, list[str]]:
    ordered = sorted(catalog.artists, key=lambda a: (-float(a["popularity"]), a["artist_id"]))
    genres: dict[str, list[str]] = {}
    for a in ordered:
        genres.setdefault(a["genre"], []).append(a["name"])
    genre = next(g for g, names in sorted(genres.items()) if len(names) >= min_artists)
    return genre, genres[genre][:5]


def test_the_dialogue_state_round_trips_through_a_plain_dict():
    state = DialogueState(intent="concert_search", slots={"city": "Houston"}, pending=None,
                          results=[ResultItem("concert", "c1", "X at Y", {"artist": "X", "event_date": "2025-07-01"})],
                          prediction={"artist": "X", "price": 80.0}, user_id="user_1", turns=3)
    assert DialogueState.from_dict(state.to_dict()) == state
    legacy = {"intent": "sales_query", "slots": {"city": "Boston"}, "pending": None, "turns": 2}
    assert DialogueState.from_dict(legacy).slots == {"city": "Boston"}
    assert DialogueState.from_dict(None) == DialogueState()


def test_a_genre_alone_narrows_the_last_search_keeping_its_city_and_dates(shared_assistant):
    city = shared_assistant.catalog.cities_with_venues()[0]["city"]
    talk = Conversation(shared_assistant)
    first = talk.say(f"concerts in {city} next month")
    r = talk.say("only jazz")
    assert r.intent == "concert_search"
    for key in ("city", "date_from", "date_to"):
        assert r.data["parameters"][key] == first.data["parameters"][key]
    assert r.data["parameters"]["genre"] == "jazz"


def test_which_of_them_searches_the_concerts_of_the_listed_artists(shared_assistant):
    genre, top = top_by_genre(shared_assistant.catalog)
    city = shared_assistant.catalog.cities_with_venues()[0]["city"]
    talk = Conversation(shared_assistant)
    listed = talk.say(f"the top {genre} artists")
    assert [a["name"] for a in listed.data["result"]["artists"]] == top
    r = talk.say(f"which of them play in {city}?")
    assert (r.intent, r.data["tool"]) == ("concert_search", "concert_search")
    assert r.data["parameters"]["artists"] == top and r.data["parameters"]["city"] == city
    assert {c["artist_name"] for c in r.data["result"]["concerts"]} <= set(top)


def test_the_second_one_is_the_second_thing_listed_and_they_stays_with_it(shared_assistant):
    genre, top = top_by_genre(shared_assistant.catalog)
    talk = Conversation(shared_assistant)
    talk.say(f"who are the most popular {genre} artists?")
    r = talk.say("tell me about the second one")
    assert (r.intent, r.data["parameters"]["artist"]) == ("artist_lookup", top[1])
    r = talk.say("how many tickets did they sell?")
    assert (r.intent, r.data["parameters"]["artist"]) == ("sales_query", top[1])


def test_a_concert_picked_from_a_list_is_looked_up_on_its_day(shared_assistant):
    city = shared_assistant.catalog.cities_with_venues()[0]["city"]
    talk = Conversation(shared_assistant)
    listed = talk.say(f"concerts in {city}")
    first = listed.data["result"]["concerts"][0]
    r = talk.say("the first one")
    assert r.data["parameters"]["artist"] == first["artist_name"]
    assert r.data["parameters"]["date_from"] == r.data["parameters"]["date_to"] == first["event_date"]
    assert first["concert_id"] in [c["concert_id"] for c in r.data["result"]["concerts"]]


def test_a_new_price_after_another_question_predicts_again(shared_assistant):
    artist, venue = shared_assistant.catalog.artists[0]["name"], shared_assistant.catalog.venues[0]
    city = venue["city"]
    talk = Conversation(shared_assistant)
    talk.say(f"how many tickets would {artist} sell at {venue['name']} on December 31st at $80?")
    assert talk.state.prediction and talk.state.prediction["price"] == 80.0
    talk.say(f"concerts in {city}")
    r = talk.say("and at $90?")
    assert r.intent == "ticket_prediction"
    assert r.data["parameters"] == {"artist": artist, "venue": venue["venue_id"], "event_date": r.data[
        "parameters"]["event_date"], "ticket_price": 90.0}


@pytest.mark.parametrize(("message", "kind"), [
    ("buy me two tickets for xartistx", "buy"),
    ("can you book me a seat at xvenuex xdatex", "buy"),
    ("cancel my seats for friday", "cancel"),
    ("I want a refund for the xartistx show", "refund"),
    ("move me to better seats at xvenuex", "seats"),
    ("transfer my tickets to my brother", "transfer"),
    ("what films are on at the cinema tonight", "film"),
    ("a restaurant near xvenuex", "food"),
    ("where can I park at xvenuex", "food"),
    ("stream xartistx for me", "listen"),
    ("how old is xartistx", "person"),
    ("what time do doors open for xartistx", "event_info"),
])
def test_near_misses_are_recognised_by_kind(message, kind):
    found = near_miss(message)
    assert found is not None and found.kind == kind


@pytest.mark.parametrize("message", [
    "how many tickets would xartistx sell at xvenuex xdatex at xpricex",
    "what gig should I buy tickets for", "ticket prices at xvenuex", "which artist sold the most tickets",
    "how many seats does xvenuex have", "concerts at clubs in xcityx", "top xcountx venues by attendance",
    "how many fans would buy tickets to see xartistx at xvenuex",
])
def test_questions_the_platform_answers_are_not_near_misses(message):
    assert near_miss(message) is None


def test_a_purchase_is_declined_with_the_artists_concerts_and_the_talk_goes_on(shared_assistant):
    artist = shared_assistant.catalog.artists[0]["name"]
    talk = Conversation(shared_assistant)
    r = talk.say(f"buy me two tickets for {artist}")
    assert r.intent == "out_of_scope" and r.data["near_miss"] == "buy"
    assert r.message.startswith("I can't buy or book tickets")
    assert (r.data["tool"], r.data["parameters"]["artist"]) == ("concert_search", artist)
    r = talk.say("when do they play next?")
    assert (r.intent, r.data["parameters"]["artist"]) == ("concert_search", artist)


def test_a_restaurant_near_a_venue_offers_the_venue(shared_assistant):
    venue = shared_assistant.catalog.venues[0]
    r = Conversation(shared_assistant).say(f"any good restaurants near {venue['name']}?")
    assert (r.intent, r.data["near_miss"]) == ("out_of_scope", "food")
    assert r.data["parameters"] == {"venue": venue["venue_id"]}


def test_a_cancellation_never_runs_a_tool(shared_assistant):
    r = Conversation(shared_assistant).say("cancel my seats for Friday")
    assert (r.intent, r.data["near_miss"]) == ("out_of_scope", "cancel") and "tool" not in r.data


def test_two_cities_compared_are_both_answered(shared_assistant):
    a, b = [c["city"] for c in shared_assistant.catalog.cities_with_venues()[:2]]
    r = Conversation(shared_assistant).say(f"ticket sales in {a} vs {b}")
    assert [run["parameters"]["city"] for run in r.data["comparison"]] == [a, b]
    assert f"in {a}" in r.message and f"in {b}" in r.message


def test_an_unknown_city_is_said_with_the_nearest_known_ones_and_one_can_be_picked(shared_assistant):
    talk = Conversation(shared_assistant)
    r = talk.say("shows in Springfield tonight")
    assert "tool" not in r.data
    assert r.message.startswith("Springfield is not a city I know") and "did you mean" in r.message
    nearest = r.data["unknown_name"]["nearest"]
    assert r.suggestions == nearest[:4]
    r = talk.say("the first one")
    assert r.data["parameters"]["city"] == nearest[0]
    assert r.data["parameters"]["date_from"] == AS_OF.isoformat()


@pytest.mark.parametrize("phrase", ["next Saturday", "this summer", "next month", "this weekend", "on Friday",
                                    "next 30 days", "in December"])
def test_sales_dates_look_back_and_never_lie_wholly_ahead(shared_assistant, phrase):
    r = Conversation(shared_assistant).say(f"ticket sales {phrase}")
    params = r.data["parameters"]
    assert r.intent == "sales_query"
    assert params["date_from"] <= params["date_to"] and params["date_from"] < AS_OF.isoformat()
    assert r.data["result"]["date_from"] <= r.data["result"]["date_to"]


def test_looking_back_moves_a_date_said_ahead_and_says_so():
    today = dt.date(2025, 6, 1)  # a Sunday
    mention = find_dates("sales next saturday")[0]
    span, moved = looking_back(mention, today)
    assert (span.start, span.end, moved) == (dt.date(2025, 5, 31), dt.date(2025, 5, 31), True)
    span, moved = looking_back(find_dates("sales in 2024")[0], today)
    assert (span.start, span.end, moved) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31), False)


def test_concert_dates_look_ahead(shared_assistant):
    r = Conversation(shared_assistant).say("concerts next Saturday")
    assert r.data["parameters"]["date_from"] == "2025-06-07"


def test_sold_the_most_tickets_ranks_by_tickets_and_the_average_price_is_per_ticket(shared_assistant,
                                                                                    chat_warehouse):
    r = Conversation(shared_assistant).say("which artist sold the most tickets?")
    assert r.data["parameters"]["rank_by"] == "tickets"
    sold = [b["tickets_sold"] for b in r.data["result"]["breakdown"]]
    assert sold == sorted(sold, reverse=True)
    best = chat_warehouse.query("""SELECT a.name, SUM(s.tickets_sold) AS t FROM ticket_sales s
        JOIN concerts c ON c.concert_id = s.concert_id JOIN artists a ON a.artist_id = c.artist_id
        WHERE c.status = 'completed' AND c.event_date <= :today GROUP BY a.name ORDER BY t DESC LIMIT 1""",
                                {"today": AS_OF.isoformat()})[0]
    assert r.data["result"]["breakdown"][0]["name"] == best["name"]
    totals = r.data["result"]["totals"]
    assert totals["avg_price_paid"] == pytest.approx(totals["revenue"] / totals["tickets_sold"], abs=0.01)
    revenue = Conversation(shared_assistant).say("which artist grossed the most revenue?")
    assert revenue.data["parameters"]["rank_by"] == "revenue"


def test_modifiers_reach_the_tool_and_stay_for_follow_ups(shared_assistant):
    talk = Conversation(shared_assistant)
    r = talk.say("most popular venues with at least 20 shows")
    assert r.data["parameters"]["min_events"] == 20
    assert all(v["total_concerts"] >= 20 for v in r.data["result"]["venues"])
    r = talk.say("only clubs")
    assert (r.data["parameters"]["venue_type"], r.data["parameters"]["min_events"]) == ("club", 20)
    r = talk.say("top 3")
    assert r.data["parameters"]["top_n"] == 3 and len(r.data["result"]["venues"]) <= 3
    r = talk.say("concerts under $50")
    assert all(c["ticket_price"] <= 50 for c in r.data["result"]["concerts"])


def test_a_prediction_is_quoted_at_the_price_predicted_with_its_warnings_in_plain_words(chat_warehouse):
    from concert_api.ml.training_range import TrainingRange, VenueTypeRange
    from concert_api.services.chat.local.catalog import Catalog
    from concert_api.services.chat.local.replies import render
    from concert_api.services.chat.tools import ToolContext, run_tool

    venue = next(v for v in chat_warehouse.query("SELECT * FROM venues", {}) if v["venue_type"] == "theater")
    artist = chat_warehouse.query("SELECT name FROM artists ORDER BY artist_id LIMIT 1", {})[0]["name"]
    known = TrainingRange(dt.date(2023, 1, 1), dt.date(2025, 5, 31),
                          {"theater": VenueTypeRange(100, (20.0, 150.0), (0.5, 2.0), None)})
    warnings, _ = known.assess({"venue_type": "theater", "ticket_price": 500.0, "event_date": "2028-01-01",
                                "a_sum_log_price": 3 * math.log(60.0), "a_n": 3})

    def predict(request):
        return TicketPredictionResponse(predicted_sales=1200.0, confidence=0.41, features_used={},
                                        warnings=warnings, timestamp="2025-06-01T00:00:00Z")

    context = ToolContext(chat_warehouse, today=AS_OF, predict=predict)
    result = run_tool("ticket_prediction", {"artist": artist, "venue": venue["venue_id"],
                                            "event_date": "2028-01-01", "ticket_price": 500}, context)
    assert result.result["predicted_at_price"] == 150.0
    assert [c["kind"] for c in result.result["cautions"]] == ["price_above", "unusual_price", "date_after"]
    message, _ = render(result.tool, result.parameters, result.result, {}, Catalog.load(chat_warehouse))
    assert "predicted at $150 a ticket (you asked about $500)" in message
    assert "fewer tickets may sell at $500" in message and "2.50 times the artist's usual price ($60)" in message
    assert "ticket_price" not in message and "extrapolation" not in message  # plain words, not the API's
    assert ungrounded_numbers(message, result.as_data()) == []


def test_the_fast_probabilities_equal_scikit_learns(shared_assistant):
    import numpy as np

    from concert_api.services.chat.local.classifier import load_examples

    classifier = shared_assistant.classifier
    texts = [ex.delexicalised for ex in load_examples()[:200]] + ["zzz", "concerts in xcityx"]
    features = classifier.pipeline.named_steps["features"].transform(texts)
    fast = classifier._linear.predict_proba(features)
    assert np.allclose(fast, classifier.pipeline.predict_proba(texts), atol=1e-12)


def test_an_unknown_artist_opening_the_message_is_said_not_answered_nationwide(shared_assistant):
    r = Conversation(shared_assistant).say("Zelda Quartermaine concerts")
    assert "tool" not in r.data and r.message.startswith("Zelda Quartermaine is not an artist I know")
    known = shared_assistant.catalog.artists[0]["name"]
    r = Conversation(shared_assistant).say(f"{known} concerts")
    assert r.data["parameters"]["artist"] == known


def test_a_sales_ranking_keeps_its_measure_and_dates_through_follow_ups(shared_assistant):
    talk = Conversation(shared_assistant)
    talk.say("which artist sold the most tickets last year")
    r = talk.say("and the year before?")
    params = r.data["parameters"]
    assert (params["date_from"], params["date_to"]) == ("2023-01-01", "2023-12-31")
    assert (params["group_by"], params["rank_by"]) == ("artist", "tickets")
    r = talk.say("what about by revenue?")
    assert (r.data["parameters"]["rank_by"], r.data["parameters"]["date_from"]) == ("revenue", "2023-01-01")
    assert "ranked by revenue" in r.message


def test_an_ordinal_past_the_end_of_the_list_says_what_was_listed(shared_assistant):
    genre, top = top_by_genre(shared_assistant.catalog)
    talk = Conversation(shared_assistant)
    talk.say(f"the top {genre} artists")
    r = talk.say("the tenth one")
    assert "tool" not in r.data and r.data["listed"]["labels"] == top
    assert r.message.startswith(f"The last list I gave had only {len(top)} items")


def test_comparing_the_sales_of_two_artists_answers_the_sales_question_for_both(shared_assistant):
    a, b = [x["name"] for x in shared_assistant.catalog.artists[:2]]
    r = Conversation(shared_assistant).say(f"compare ticket sales of {a} and {b}")
    assert r.data["tool"] == "sales_figures"
    assert [run["parameters"]["artist"] for run in r.data["comparison"]] == [a, b]
    r = Conversation(shared_assistant).say(f"compare {a} and {b}")
    assert (r.data["tool"], r.data["parameters"]["compare_with"]) == ("artist_lookup", b)


def test_a_date_after_another_artist_is_not_taken_for_the_last_prediction(shared_assistant):
    first, other = [x["name"] for x in shared_assistant.catalog.artists[:2]]
    venue = shared_assistant.catalog.venues[0]
    talk = Conversation(shared_assistant)
    talk.say(f"how many tickets would {first} sell at {venue['name']} on December 31st at $80?")
    talk.say(f"tell me about {other}")
    assert talk.say("what about Saturday?").intent != "ticket_prediction"
    talk.say("concerts next month")
    r = talk.say("and at $70?")
    assert (r.intent, r.data["parameters"]["artist"], r.data["parameters"]["ticket_price"]) == (
        "ticket_prediction", first, 70.0)


def test_they_after_an_artist_without_upcoming_concerts_stays_with_that_artist(shared_assistant, chat_warehouse):
    idle = chat_warehouse.query("""SELECT a.name FROM artists a WHERE NOT EXISTS (SELECT 1 FROM concerts c
        WHERE c.artist_id = a.artist_id AND c.status = 'scheduled') ORDER BY a.artist_id LIMIT 1""", {})
    if not idle:
        pytest.fail("the tiny data set has no artist without upcoming concerts any more: pick another case")
    artist = idle[0]["name"]
    talk = Conversation(shared_assistant)
    r = talk.say(f"buy me two tickets for {artist}")
    assert r.data["result"]["concerts"] == []
    r = talk.say("when do they play next?")
    assert (r.intent, r.data["parameters"]["artist"]) == ("concert_search", artist)


def test_more_lengthens_the_last_list(shared_assistant):
    city = shared_assistant.catalog.cities_with_venues()[0]["city"]
    talk = Conversation(shared_assistant)
    first = talk.say(f"concerts in {city}")
    r = talk.say("show me more")
    assert r.data["parameters"] == {**first.data["parameters"], "limit": 10}


def test_the_artist_of_a_prediction_is_looked_up_after_its_venue(shared_assistant):
    artist, venue = shared_assistant.catalog.artists[0]["name"], shared_assistant.catalog.venues[0]
    talk = Conversation(shared_assistant)
    talk.say(f"how many tickets would {artist} sell at {venue['name']} on December 31st at $80?")
    r = talk.say("tell me about that venue")
    assert r.data["parameters"]["venue"] == venue["venue_id"]
    r = talk.say("and the artist?")
    assert (r.intent, r.data["parameters"]["artist"]) == ("artist_lookup", artist)


def test_two_genres_compared_are_both_answered_but_recommendations_take_both_at_once(shared_assistant):
    r = Conversation(shared_assistant).say("ticket sales rock vs jazz")
    assert [run["parameters"]["genre"] for run in r.data["comparison"]] == ["rock", "jazz"]
    r = Conversation(shared_assistant).say("recommend rock and jazz concerts")
    assert r.data["parameters"]["genres"] == ["rock", "jazz"] and "comparison" not in r.data


def test_a_weekday_after_a_prediction_weeks_ahead_is_in_the_week_discussed(shared_assistant):
    artist, venue = shared_assistant.catalog.artists[0]["name"], shared_assistant.catalog.venues[0]
    talk = Conversation(shared_assistant)
    talk.say(f"how many tickets would {artist} sell at {venue['name']} on Dec 12 at $150?")  # a Friday in 2025
    r = talk.say("what about Saturday?")
    assert r.data["parameters"]["event_date"] == "2025-12-13"
    assert r.message.startswith('I read "Saturday" as Sat 13 Dec 2025')
    talk = Conversation(shared_assistant)
    talk.say(f"how many tickets would {artist} sell at {venue['name']} next Friday at $150?")
    r = talk.say("what about Saturday?")
    assert r.data["parameters"]["event_date"] == "2025-06-07" and not r.message.startswith("I read")
