"""Scripted multi-turn dialogues: follow-ups, anaphora, clarifications and slot filling, each turn with what
the assistant must do. Filled with real names at evaluation time."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from concert_tools.chat_evaluation.test_set import Fillers


@dataclass(frozen=True)
class Step:
    """One user turn and what must follow: the intent, the tool (None: no tool, a question instead) and
    parameters that the tool must have run with."""

    message: str
    intent: str
    tool: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    clarifies: bool = False
    suggestions_within: tuple[str, ...] = ()
    """When given, every suggestion of the reply must be one of these (e.g. the venues of a place)."""
    says: tuple[str, ...] = ()
    """Facts the reply's message must state (substrings, e.g. an unknown name and "did you mean")."""
    data: dict[str, Any] = field(default_factory=dict)
    """Values the response's `data` must hold (`PRESENT`: any non-empty value)."""


class _Present:
    def __repr__(self) -> str:
        return "PRESENT"


PRESENT: Any = _Present()
"""An expected value that must be there, whatever it is (a name the data decides)."""


@dataclass(frozen=True)
class Dialogue:
    name: str
    steps: tuple[Step, ...]


def build_dialogues(fillers: Fillers, ambiguous: tuple[str, list[str]] | None, seed: int = 11,
                    today: dt.date | None = None) -> list[Dialogue]:
    """The scripted dialogues. `ambiguous` is a word shared by several artists and those artists' names, when
    the data has one; `today` adds the dialogues of conversations (issue 11) whose expected dates depend on it."""
    rng = random.Random(seed)
    artist, other_artist = rng.sample(fillers.artists, 2)
    city, other_city = rng.sample(fillers.cities, 2)
    venue_name, venue_id = rng.choice(fillers.venues)
    state = rng.choice(fillers.states)
    genre = rng.choice(fillers.genres)
    dialogues = [
        Dialogue("artist then sales by anaphora then a year", (
            Step(f"Tell me about {artist}", "artist_lookup", "artist_lookup", {"artist": artist}),
            Step("how many tickets did they sell?", "sales_query", "sales_figures", {"artist": artist}),
            Step("what about in 2024?", "sales_query", "sales_figures",
                 {"artist": artist, "date_from": "2024-01-01", "date_to": "2024-12-31"}),
        )),
        Dialogue("venue ranking, then another city", (
            Step(f"most popular venues in {city}", "venue_popularity", "venue_rankings", {"city": city}),
            Step(f"what about {other_city}?", "venue_popularity", "venue_rankings", {"city": other_city}),
        )),
        Dialogue("ticket prediction filled slot by slot, then another price", (
            Step(f"how many tickets would {artist} sell at {venue_name}?", "ticket_prediction", None,
                 clarifies=True),
            Step("on December 31st", "ticket_prediction", None, clarifies=True),
            Step("$80", "ticket_prediction", "ticket_prediction",
                 {"artist": artist, "venue": venue_id, "ticket_price": 80.0}),
            Step("and at $60?", "ticket_prediction", "ticket_prediction",
                 {"artist": artist, "venue": venue_id, "ticket_price": 60.0}),
        )),
        Dialogue("concert search, then a genre and another city", (
            Step(f"concerts in {city} next month", "concert_search", "concert_search", {"city": city}),
            Step(f"what about {genre}?", "concert_search", "concert_search", {"city": city, "genre": genre}),
            Step(f"and in {other_city}?", "concert_search", "concert_search", {"city": other_city, "genre": genre}),
        )),
        Dialogue("recommendations, then narrowed to a place", (
            Step(f"recommend some {genre} concerts", "recommendations", "recommendations", {"genres": [genre]}),
            Step(f"how about near {city}?", "recommendations", "recommendations",
                 {"genres": [genre], "location": city}),
        )),
        Dialogue("small talk and a question outside the platform", (
            Step("hi there", "greeting"),
            Step("what can you help me with?", "help"),
            Step("what's the weather in Paris?", "out_of_scope"),
            Step(f"ok, top 3 venues in {state}", "venue_popularity", "venue_rankings", {"state": state, "top_n": 3}),
        )),
        Dialogue("artist switch keeps the intent", (
            Step(f"when is {artist} playing next?", "concert_search", "concert_search", {"artist": artist}),
            Step(f"and {other_artist}?", "concert_search", "concert_search", {"artist": other_artist}),
        )),
        Dialogue("sales by dimension, then a state", (
            Step("which artist sold the most tickets?", "sales_query", "sales_figures", {"group_by": "artist"}),
            Step(f"what about in {state}?", "sales_query", "sales_figures", {"group_by": "artist", "state": state}),
        )),
    ]
    dialogues.append(Dialogue("sales in a city, then only a breakdown (no opener)", (
        Step(f"ticket sales in {city}", "sales_query", "sales_figures", {"city": city}),
        Step("by genre", "sales_query", "sales_figures", {"city": city, "group_by": "genre"}),
    )))
    crowded = sorted(c for c, venues in fillers.venues_by_city.items() if len(venues) >= 2 and c != city)
    if crowded:
        place = rng.choice(crowded)
        chosen_name, chosen_id = rng.choice(fillers.venues_by_city[place])
        dialogues.append(Dialogue("a prediction, then a city: which venue there?", (
            Step(f"how many tickets would {artist} sell at {venue_name} on December 31st at $80?",
                 "ticket_prediction", "ticket_prediction", {"artist": artist, "venue": venue_id}),
            Step(f"what about {place}?", "ticket_prediction", None, clarifies=True),
            Step(chosen_name, "ticket_prediction", "ticket_prediction",
                 {"artist": artist, "venue": chosen_id, "ticket_price": 80.0}),
            Step(f"what about {genre}?", "ticket_prediction", None, clarifies=True),
            Step("and at $60?", "ticket_prediction", "ticket_prediction",
                 {"artist": artist, "venue": chosen_id, "ticket_price": 60.0}),
        )))
    # From a user test (not from the test set): dates and years read against the conversation, a place's venues
    # when a prediction lacks one, and two venues side by side.
    dialogues.append(Dialogue("relative dates follow the date being discussed", (
        Step(f"how many tickets would {artist} sell at {venue_name} on 10 Apr 2027 at $80?", "ticket_prediction",
             "ticket_prediction", {"venue": venue_id, "event_date": "2027-04-10"}),
        Step("what about the following saturday?", "ticket_prediction", "ticket_prediction",
             {"venue": venue_id, "event_date": "2027-04-17", "ticket_price": 80.0}),
        Step("and 2 weeks later?", "ticket_prediction", "ticket_prediction",
             {"venue": venue_id, "event_date": "2027-05-01", "ticket_price": 80.0}),
    )))
    dialogues.append(Dialogue("a year alone keeps the month being discussed", (
        Step(f"what were sales for concerts in december 2024 in {city}", "sales_query", "sales_figures",
             {"city": city, "date_from": "2024-12-01", "date_to": "2024-12-31"}),
        Step("and 2023?", "sales_query", "sales_figures",
             {"city": city, "date_from": "2023-12-01", "date_to": "2023-12-31"}),
    )))
    if crowded:
        place = rng.choice(crowded)
        in_place = fillers.venues_by_city[place]
        chosen_name, chosen_id = rng.choice(in_place)
        dialogues.append(Dialogue("a prediction in a place suggests that place's venues", (
            Step(f"predict ticket sales for {artist} in {place}", "ticket_prediction", None, clarifies=True,
                 suggestions_within=tuple(name for name, _ in in_place)),
            Step(chosen_name, "ticket_prediction", None, clarifies=True),
            Step("on December 31st", "ticket_prediction", None, clarifies=True),
            Step("$80", "ticket_prediction", "ticket_prediction",
                 {"artist": artist, "venue": chosen_id, "ticket_price": 80.0}),
        )))
    other_name, other_id = rng.choice([v for v in fillers.venues if v[1] != venue_id])
    dialogues.append(Dialogue("a venue, another venue, then both side by side", (
        Step(f"what's the capacity of {venue_name}?", "venue_lookup", "venue_lookup", {"venue": venue_id}),
        Step(f"and {other_name}?", "venue_lookup", "venue_lookup", {"venue": other_id}),
        Step(f"how do {venue_name} and {other_name} differ?", "venue_lookup", "venue_lookup",
             {"venue": venue_id, "compare_with": other_id}),
    )))
    if ambiguous:
        word, names = ambiguous
        dialogues.append(Dialogue("an ambiguous name is clarified", (
            Step(f"tell me about {word}", "artist_lookup", None, clarifies=True),
            Step(names[1], "artist_lookup", "artist_lookup", {"artist": names[1]}),
        )))
    if today is not None:
        dialogues += conversations(fillers, today, rng)
    return dialogues


def conversations(fillers: Fillers, today: dt.date, rng: random.Random) -> list[Dialogue]:
    """Dialogues of the kinds of issue 11: follow-ups that keep the filters, references to the last answer's
    list, a prediction's price changed after another question, near misses, comparisons, unknown names, dates
    looking back for sales, and aggregates and modifiers reaching the tools."""
    artist = rng.choice(fillers.artists)
    city, other_city = rng.sample(fillers.cities, 2)
    venue_name, venue_id = rng.choice(fillers.venues)
    genre = rng.choice([g for g, names in fillers.top_by_genre.items() if len(names) >= 2])
    top = fillers.top_by_genre[genre][:5]
    next_month_start = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    last_saturday = saturday - dt.timedelta(days=7)
    other_genre = rng.choice([g for g in fillers.genres if g != genre])
    return [
        Dialogue("a search narrowed by a genre alone keeps the city and the month", (
            Step(f"concerts in {city} next month", "concert_search", "concert_search",
                 {"city": city, "date_from": next_month_start.isoformat()}),
            Step(f"only {other_genre}", "concert_search", "concert_search",
                 {"city": city, "genre": other_genre, "date_from": next_month_start.isoformat()}),
        )),
        Dialogue("the artists of a list: which of them play in a city", (
            Step(f"the top {genre} artists", "artist_lookup", "artist_lookup", {"genre": genre}),
            Step(f"which of them play in {city}?", "concert_search", "concert_search",
                 {"city": city, "artists": top}),
        )),
        Dialogue("the second artist of a list, then a pronoun for it", (
            Step(f"who are the most popular {genre} artists?", "artist_lookup", "artist_lookup", {"genre": genre}),
            Step("tell me about the second one", "artist_lookup", "artist_lookup", {"artist": top[1]}),
            Step("how many tickets did they sell?", "sales_query", "sales_figures", {"artist": top[1]}),
        )),
        Dialogue("a prediction's price changed after another question", (
            Step(f"how many tickets would {artist} sell at {venue_name} on December 31st at $80?",
                 "ticket_prediction", "ticket_prediction", {"venue": venue_id, "ticket_price": 80.0}),
            Step(f"concerts in {city}", "concert_search", "concert_search", {"city": city}),
            Step("and at $90?", "ticket_prediction", "ticket_prediction",
                 {"artist": artist, "venue": venue_id, "ticket_price": 90.0}),
        )),
        Dialogue("pricing: the best price, then the sell-out price, then one price of the curve", (
            Step(f"what price would earn the most for {artist} at {venue_name} on December 31st?", "price_curve",
                 "price_curve", {"artist": artist, "venue": venue_id}),
            Step("and at what price would it sell out?", "price_curve", "price_curve",
                 {"artist": artist, "venue": venue_id}),
            Step("and at $90?", "ticket_prediction", "ticket_prediction",
                 {"artist": artist, "venue": venue_id, "ticket_price": 90.0}),
        )),
        Dialogue("a prediction, then the price that would sell it out", (
            Step(f"how many tickets would {artist} sell at {venue_name} on December 31st at $80?",
                 "ticket_prediction", "ticket_prediction", {"venue": venue_id, "ticket_price": 80.0}),
            Step("what price would sell it out?", "price_curve", "price_curve", {"artist": artist, "venue": venue_id}),
        )),
        Dialogue("a purchase is a near miss answered with the concerts, then a follow-up about them", (
            Step(f"buy me two tickets for {artist}", "out_of_scope", "concert_search", {"artist": artist},
                 says=("can't",), data={"near_miss": "buy"}),
            Step("when do they play next?", "concert_search", "concert_search", {"artist": artist}),
        )),
        Dialogue("a restaurant near a venue, then a cancellation", (
            Step(f"any good restaurants near {venue_name}?", "out_of_scope", "venue_lookup", {"venue": venue_id},
                 says=("can't",), data={"near_miss": "food"}),
            Step("cancel my seats for Friday", "out_of_scope", None, says=("can't",), data={"near_miss": "cancel"}),
        )),
        Dialogue("two cities compared, both answered", (
            Step(f"ticket sales in {city} vs {other_city}", "sales_query", "sales_figures", {"city": city},
                 says=(city, other_city), data={"compared": {"kind": "city", "values": [city, other_city]}}),
        )),
        Dialogue("an unknown city is said with the nearest known ones", (
            Step("shows in Springfield tonight", "concert_search", None, clarifies=True,
                 says=("Springfield", "did you mean")),
            Step("the first one", "concert_search", "concert_search",
                 {"city": PRESENT, "date_from": today.isoformat()}),
        )),
        Dialogue("sales dates look back, concert dates look ahead", (
            Step("ticket sales next Saturday", "sales_query", "sales_figures",
                 {"date_from": last_saturday.isoformat(), "date_to": last_saturday.isoformat()}),
            Step("concerts next Saturday", "concert_search", "concert_search",
                 {"date_from": saturday.isoformat(), "date_to": saturday.isoformat()}),
        )),
        Dialogue("aggregates and modifiers reach the tools", (
            Step("which artist sold the most tickets?", "sales_query", "sales_figures",
                 {"group_by": "artist", "rank_by": "tickets"}),
            Step("most popular venues with at least 20 shows", "venue_popularity", "venue_rankings",
                 {"min_events": 20}),
            Step("only clubs", "venue_popularity", "venue_rankings", {"min_events": 20, "venue_type": "club"}),
            Step("top 3", "venue_popularity", "venue_rankings",
                 {"min_events": 20, "venue_type": "club", "top_n": 3}),
        )),
    ]
