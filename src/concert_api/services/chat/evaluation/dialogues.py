"""Scripted multi-turn dialogues: follow-ups, anaphora, clarifications and slot filling, each turn with what
the assistant must do. Filled with real names at evaluation time."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from concert_api.services.chat.evaluation.test_set import Fillers


@dataclass(frozen=True)
class Step:
    """One user turn and what must follow: the intent, the tool (None: no tool, a question instead) and
    parameters that the tool must have run with."""

    message: str
    intent: str
    tool: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    clarifies: bool = False


@dataclass(frozen=True)
class Dialogue:
    name: str
    steps: tuple[Step, ...]


def build_dialogues(fillers: Fillers, ambiguous: tuple[str, list[str]] | None, seed: int = 11) -> list[Dialogue]:
    """The scripted dialogues. `ambiguous` is a word shared by several artists and those artists' names, when
    the data has one."""
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
    if ambiguous:
        word, names = ambiguous
        dialogues.append(Dialogue("an ambiguous name is clarified", (
            Step(f"tell me about {word}", "artist_lookup", None, clarifies=True),
            Step(names[1], "artist_lookup", "artist_lookup", {"artist": names[1]}),
        )))
    return dialogues
