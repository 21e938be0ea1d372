"""The labelled test set: utterance templates written apart from the training data (other phrasings), filled at
evaluation time with names that exist in the warehouse, so the labels hold for any seed.

Slots: {artist} (an artist's full name, sometimes in lower case), {artist_typo} (the name with one letter
dropped), {venue}, {city}, {state} (a state's name or code), {genre}, {date} (a phrase with its expected range,
computed here independently of the parser), {price}, {count}.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from concert_api.services.chat.local.catalog import US_STATES, Catalog

TEMPLATES: dict[str, tuple[str, ...]] = {
    "artist_lookup": (
        "can you give me a rundown on {artist}", "what's the deal with {artist}?", "I'd like a profile of {artist}",
        "{artist} - who are they?", "background on {artist} please", "what sort of artist is {artist_typo}",
        "who are the hottest artists right now", "which performers are the most popular right now",
        "name the {count} most popular acts", "which {genre} artists are the biggest", "who leads the {genre} scene",
        "give me stats on {artist}", "what's {artist}'s popularity", "does {artist} have a big following",
        "what hometown is {artist} from", "how big is {artist_typo}", "summarize {artist} for me",
        "everything you know about {artist}", "quick facts about {artist}", "tell me who {artist} is",
        "who's {artist}", "the top {count} artists by popularity", "which artists are fans into these days",
        "most popular performers in {genre}", "what genre is {artist_typo} known for", "overview of {artist}",
        "I want the lowdown on {artist}", "who are the star artists here", "show me a list of popular acts",
        "fill me in on {artist}", "popularity ranking of artists", "artist rundown: {artist}",
    ),
    "venue_popularity": (
        "which venues draw the biggest crowds in {city}", "rank the concert venues in {state}",
        "what's the best-attended venue around {city}", "give me the {count} top venues",
        "which {city} venues fill up the most", "venue popularity in {city} please",
        "how does {venue} rank among venues", "where does {venue} stand in popularity",
        "top performing venues in {state}", "which venue has the highest attendance rate",
        "list the most in-demand venues", "the {count} hottest venues in {state}", "what are the top arenas",
        "which stadiums are the most popular", "rank theaters by popularity", "most crowded venues in {city}",
        "which clubs in {city} are most popular", "popular concert spots in {city}",
        "tell me the top-ranked venue in {state}", "venues with the strongest attendance in {city}",
        "which places are hottest for live music in {city}", "best performing venues overall",
        "how popular is the venue {venue}", "give me a venue ranking for {state}",
        "which venue is number one in {city}", "top {count} concert halls by attendance",
        "popularity leaderboard of venues in {city}", "which amphitheaters rank highest",
        "what venue gets the best turnout", "venues ranked by attendance in {state}",
        "where are the most popular stages in {city}", "which {city} venue is the favorite",
    ),
    "concert_search": (
        "any gigs happening in {city} {date}?", "what concerts can I catch in {city} {date}",
        "when's {artist} next performing", "is {artist} doing any shows {date}", "what's scheduled at {venue}",
        "list {genre} concerts in {state}", "find me shows under {price} in {city}", "who's on stage {date}",
        "upcoming performances by {artist}", "{artist} schedule", "what's coming up at {venue} {date}",
        "are there {genre} shows {date}", "live shows across {state} {date}", "show me events at {venue}",
        "I'm looking for concerts in {city}", "which shows are on {date} in {city}",
        "where can I see {artist} live",
        "cheap {genre} gigs, nothing above {price}", "what events are in {city} {date}",
        "does {venue} have shows {date}", "gigs by {artist_typo}", "find {artist} concerts",
        "what's happening at {venue}", "live music in {city} {date}", "concerts near {city} {date}",
        "affordable {state} shows below {price}", "what {genre} gigs are scheduled", "tour stops for {artist}",
        "{artist} playing {date}?", "which concerts did {artist} play in the past",
        "lineup at {venue} {date}", "cheap shows in {city} under {price}",
    ),
    "ticket_prediction": (
        "tickets {artist} is likely to move at {venue} {date} if priced at {price}",
        "give me a sales forecast: {artist} at {venue}, {date}, {price}",
        "estimate the ticket sales for {artist} playing {venue} {date}",
        "what turnout would {artist} get at {venue} {date} if tickets cost {price}",
        "project sales of a {artist} gig at {venue}", "forecast tickets sold for {artist} at {venue}",
        "would a {artist} show at {venue} sell well at {price}", "predicted attendance: {artist}, {venue}, {date}",
        "how many fans would buy tickets to see {artist} at {venue} {date}",
        "if {artist} plays {venue} {date} at {price} how many seats sell",
        "I need a ticket forecast for {artist} at {venue}", "expected sell-through for {artist} at {venue}",
        "what does your model expect {artist} to sell at {venue} {date}",
        "guess the head count if {artist_typo} plays {venue}",
        "what's the projected demand for {artist} at {venue} at {price}",
        "estimate tickets for a {venue} show by {artist} {date}", "how would {artist} do at {venue} {date}",
        "ticket sales estimate, {artist} at {venue}, priced {price}",
        "could {artist} fill {venue} {date}", "sales projection for {artist} at {venue} {date} at {price}",
        "model expected ticket sales for {artist}", "predict how many tickets sell for {artist} {date}",
        "with seats at {price}, how strong would demand be for {artist} at {venue}",
        "what attendance should we expect for {artist}",
        "how many tickets might {artist} move at {venue}", "what sales should {artist} anticipate at {venue}",
        "predict sales if {artist} headlines {venue} {date}", "estimate the crowd for {artist} at {venue}",
        "at {price} per seat, what volume would {artist} shift at {venue}",
        "ticket demand prediction for {artist}", "what's the expected turnout at {venue} for {artist} {date}",
        "project attendance for {artist} at {venue} at {price} a ticket",
    ),
    "recommendations": (
        "what concert would you suggest for me", "I enjoy {genre}; what should I catch",
        "suggest {count} shows in {city}", "any tips for a {genre} fan in {state}", "what should I attend {date}",
        "point me to a good concert in {city}", "I'm a big {genre} fan, recommend something",
        "pick {count} concerts for me", "what shows would suit a {genre} listener",
        "recommend gigs around {city} {date}", "help me choose a show in {state}", "any suggestions for {date}",
        "what's a good concert for someone who likes {genre}", "recommend something fun in {city}",
        "what {genre} show do you recommend", "I want recommendations for concerts near {city}",
        "which upcoming concerts would I like", "suggest a {genre} concert in {city}",
        "recommendations please", "what do you recommend in {state}", "give me concert ideas for {date}",
        "find me something I'd enjoy in {city}", "what should a {genre} lover go see",
        "recommend a few shows", "suggest concerts for a night out in {city}",
        "I like {genre} music, any picks", "curate some concerts for me in {state}",
        "what would you pick for me {date}", "concert suggestions in {city}", "recommend top {count} gigs",
        "any {genre} recommendations near {city}", "what gig should I book tickets for",
    ),
    "sales_query": (
        "what did {artist} gross in total", "how much revenue came from {city} {date}",
        "how many seats has {venue} sold altogether", "which performer sold the most tickets in {state}",
        "revenue totals for {genre} shows", "what's the average ticket price paid in {city}",
        "what is the ticket tally for {artist} so far",
        "box office totals {date}", "which venue earned the most revenue",
        "sales numbers for {venue}", "{genre} concert earnings {date}",
        "top-grossing artists in {state}", "what were ticket sales like in {city}",
        "what has {artist_typo} brought in at the box office",
        "revenue for {artist} {date}", "ticket volume across {state}",
        "which city brought in the most revenue", "ticket revenue generated by {venue} {date}",
        "give me the sales totals", "how did ticket sales go in {city} {date}",
        "which genre sells the most tickets", "gross revenue at {venue}", "{artist}'s takings to date",
        "average attendance at {venue}", "sales breakdown by artist in {city}", "tickets sold by {artist} {date}",
        "what's the revenue in {state} {date}", "how lucrative were {genre} shows",
        "sales figures please", "how much did shows at {venue} make", "revenue from {artist}'s concerts",
        "which state had the highest ticket sales",
    ),
    "greeting": (
        "hello bot", "hey, good to see you", "hi folks", "hiya there", "good morning to you", "greetings friend",
        "hey there pal", "hello, anyone there?", "hi assistant", "evening!", "heya", "well hello",
        "thanks so much", "thank you kindly", "cheers mate", "goodbye for now", "bye, talk later", "thanks, that's all",
        "pleased to meet you", "hey what's up", "morning everyone", "good afternoon there", "howdy partner",
        "thx", "many thanks", "see ya", "appreciate it, thanks", "hello to you too", "hey you", "hi again",
        "yo bot", "hallo",
    ),
    "help": (
        "what are you able to do", "how can you assist me", "what kinds of things can I ask",
        "list your features", "which requests do you support", "help me out, what can you do", "how do I use you",
        "what sort of questions work here", "what are you good for", "show me some sample questions",
        "what's this assistant for", "can you explain your abilities", "which questions can you handle",
        "what data can you look up", "give me examples of what to ask", "how does this chatbot operate",
        "what can this bot answer", "I'm new here, what can I do", "what are the things you know about",
        "tell me your capabilities", "help please", "what can I do here", "what functions do you offer",
        "explain how to use this", "what topics can you help with", "how should I talk to you",
        "what kind of help do you give", "guide me", "what is your purpose", "how do I get started",
        "what subjects may I raise with you", "what's your role here",
    ),
    "out_of_scope": (
        "what's the forecast for rain this week", "can you tell me a funny story", "how do I make lasagna",
        "what's 15 times 23", "help me debug my javascript", "who won the world cup", "book a taxi for me",
        "how are the markets doing today", "translate good night into german", "my laptop won't turn on",
        "what's the largest ocean", "remind me to call the dentist", "order me some sushi",
        "what day of the week is it", "play my favorite playlist", "what are the words to happy birthday",
        "how do I tune a violin", "who is the prime minister of canada", "why is the sky blue",
        "suggest a novel to read", "what film should I watch tonight", "how deep is the pacific",
        "explain neural networks", "change my account password", "email my landlord", "which laptop should I buy",
        "how much protein is in an egg", "will it snow in {city} tomorrow", "best pizza place in {city}",
        "how do I get a visa", "rent a car in {city}", "how do I write a resume", "what's the boiling point of water",
        "who discovered penicillin", "give me a workout plan", "how do I meditate", "what is inflation",
        "is the stock market open today", "how do I grow tomatoes", "what's a haiku", "what is the capital of japan",
        "how many planets are there", "tell me a riddle", "do you dream", "what's the best programming language",
        "how to learn to sing", "what scales should a beginner pianist practice", "how do I record a podcast",
        "stream the latest album for me", "write a song about love", "who won the super bowl",
        "how far is {city} from the beach", "where can I park downtown", "what's your name",
        "can you do my taxes", "how do I change a tire", "what's the wifi password", "convert celsius to fahrenheit",
        "what's the news today", "how do magnets work", "what should I cook for dinner", "what is the time in tokyo",
        "how long do cats live", "is it safe to swim after eating",
    ),
    "price_curve": (
        "what price would let {artist} sell out {venue} {date}", "for a {artist} concert {date} in {venue}, the "
        "revenue-maximizing ticket price please", "at what price does {artist} fill {venue} {date}?",
        "what ticket price earns {artist} the most at {venue}", "the best price to charge for {artist} at {venue}",
        "what should I charge for a {artist} gig at {venue} {date}", "optimal ticket price, {artist} at {venue}",
        "how do we price {artist} at {venue} to maximize revenue", "what price gets {artist} a sellout at {venue}",
        "help me pick the best price for {artist} at {venue} {date}", "which ticket price would earn the most "
        "for {artist} {date}", "how much should they charge for {artist} at {venue}",
        "revenue curve for {artist} at {venue}", "tell me {artist}'s sell-out price when playing {venue} {date}",
        "the {venue} gig by {artist}: at what price does it sell out", "price it to sell out: {artist} at {venue}",
        "what ticket price would make the most money at {venue} for {artist}",
        "if {artist_typo} came to {venue}, what's the best price to ask",
        "what price should we set for {artist} at {venue} {date}",
        "which price would fill {venue} for {artist}", "how high can we go on price for {artist} at {venue}",
        "what price maximizes the takings for {artist} at {venue}", "the ideal price for {artist} {date}",
        "what price brings in the most for {artist} at {venue} {date}", "demand curve: {artist} at {venue}",
        "smartest price to put on {artist} tickets at {venue}", "at what ticket price would {artist} earn the most",
        "to maximise revenue what price for {artist} at {venue}", "what price will sell out {venue} {date}",
        "for {artist} at {venue}, what price makes the most revenue", "what is the right ticket price for "
        "{artist} at {venue} {date}", "which price would generate the most for {artist} at {venue}",
    ),
    "venue_lookup": (
        "what's {venue} like as a venue", "how many seats are there at {venue}", "{venue} - what sort of place is it?",
        "fill me in on {venue}", "what's the seating capacity at {venue}?", "where's {venue} located",
        "size of {venue}?", "quick profile of {venue}", "is {venue} a big place", "{venue} - how many can it hold",
        "background on the venue {venue}", "I'd like to learn about the {venue} venue", "stats for {venue} please",
        "everything about {venue}", "how many people can {venue} hold", "{venue} overview", "rundown on {venue}",
        "key facts: {venue}", "what should I know about {venue}", "how large a crowd fits in {venue}",
        "whereabouts is {venue}", "what's the max attendance {venue} can take",
        "can you describe the venue {venue}",
        "tell me a bit about {venue}", "profile the venue {venue}", "{venue} in a nutshell",
        "give me the gist of {venue}", "the lowdown on {venue}", "venue facts for {venue}", "how roomy is {venue}",
        "what's the setup at {venue}", "what are the basics of {venue}",
    ),
}

NEAR_MISS_TEMPLATES: tuple[str, ...] = (
    "could you get two seats for {artist} on my behalf", "I'd love to grab a pair of tickets for {venue} {date}",
    "please purchase {count} tickets to {artist}'s gig", "reserve a couple of seats at {venue}",
    "I want tickets for {artist}, go ahead and book them", "buy the cheapest seat for {artist} in {city}",
    "cancel the tickets I bought for {date}", "can you cancel my {artist} order",
    "I need my money refunded for the {venue} show", "refund the {artist} tickets please",
    "am I eligible for a refund on my {city} concert tickets", "swap my seat at {venue} for one closer to the stage",
    "I'd prefer different seats for {artist} {date}", "can I upgrade to front row seats at {venue}",
    "put my ticket in my brother's name", "transfer the {artist} seats to my wife",
    "I want to resell my {venue} tickets", "my tickets for {artist} never arrived",
    "download my e-ticket for {date}", "reset my account password", "what's playing at the cinema near {venue}",
    "movies showing in {city} {date}", "any good films this weekend", "what restaurants are close to {venue}",
    "where should we have dinner before {artist}", "find me a hotel near {venue}",
    "is there parking at {venue}", "nice bars around {venue} for after the show", "how do I get a taxi to {venue}",
    "order an {artist} t-shirt for me", "buy {artist}'s vinyl", "what's {artist}'s age",
    "is {artist} on instagram", "stream {artist} for me", "could you hum a {genre} tune for me",
    "sign me up for {artist}'s fan club", "help me pay for my {artist} tickets",
    "seat map for {venue} so I can choose", "get us into the {artist} show tonight",
    "what time do doors open for {artist} {date}",
)
"""Near misses written for the test (not in the training data): requests that mention concerts, artists,
tickets or venues but ask for something the platform cannot do. Labelled out_of_scope; reported apart."""

EXPECTED_TYPES = ("artist", "venue", "city", "state", "genre", "date", "price", "count")
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Example:
    """One test utterance with its intent and the entities (type -> value) it names."""

    text: str
    intent: str
    entities: dict[str, Any] = field(default_factory=dict)
    near_miss: bool = False


@dataclass(frozen=True)
class DatePhrase:
    """A date phrase and its expected (first, last) day, computed here without the assistant's parser."""

    text: str
    span: Callable[[dt.date], tuple[dt.date, dt.date]]


def _weekday_after(today: dt.date, weekday: int) -> dt.date:
    days = (weekday - today.weekday()) % 7 or 7
    return today + dt.timedelta(days=days)


def _next_date(today: dt.date, month: int, day: int) -> dt.date:
    candidate = dt.date(today.year, month, day)
    return candidate if candidate >= today else dt.date(today.year + 1, month, day)


def _month(today: dt.date, month: int) -> tuple[dt.date, dt.date]:
    year = today.year if dt.date(today.year, month, calendar.monthrange(today.year, month)[1]) >= today \
        else today.year + 1
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _next_month(today: dt.date) -> tuple[dt.date, dt.date]:
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _one(day: dt.date) -> tuple[dt.date, dt.date]:
    return day, day


DATE_PHRASES: tuple[DatePhrase, ...] = (
    DatePhrase("next Saturday", lambda t: _one(_weekday_after(t, 5))),
    DatePhrase("on Thursday", lambda t: _one(t + dt.timedelta(days=(3 - t.weekday()) % 7))),
    DatePhrase("tomorrow", lambda t: _one(t + dt.timedelta(days=1))),
    DatePhrase("on December 31st", lambda t: _one(_next_date(t, 12, 31))),
    DatePhrase("on Oct 3", lambda t: _one(_next_date(t, 10, 3))),
    DatePhrase("next month", _next_month),
    DatePhrase("in September", lambda t: _month(t, 9)),
    DatePhrase("in August", lambda t: _month(t, 8)),
)


@dataclass(frozen=True)
class Fillers:
    """The real names a test set is filled with."""

    artists: list[str]
    venues: list[tuple[str, str]]  # (name, venue_id), names unique in the catalog
    cities: list[str]
    states: list[str]  # codes of states with venues
    genres: list[str]
    venues_by_city: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # city -> its venues above
    top_by_genre: dict[str, list[str]] = field(default_factory=dict)  # genre -> its artists, most popular first

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Fillers:
        names = [v["name"] for v in catalog.venues]
        venue_cities = {c["city"] for c in catalog.cities_with_venues()}
        by_city: dict[str, list[tuple[str, str]]] = {}
        for v in catalog.venues:
            if names.count(v["name"]) == 1 and v["city"] in venue_cities:
                by_city.setdefault(v["city"], []).append((v["name"], v["venue_id"]))
        return cls(
            artists=[a["name"] for a in catalog.artists if not _contains_place(a["name"], venue_cities)],
            venues=[(v["name"], v["venue_id"]) for v in catalog.venues if names.count(v["name"]) == 1],
            cities=sorted(venue_cities),
            states=sorted({c["state"] for c in catalog.cities_with_venues()}),
            genres=sorted({a["genre"] for a in catalog.artists}),
            venues_by_city=by_city,
            top_by_genre=_top_by_genre(catalog),
        )


def _top_by_genre(catalog: Catalog) -> dict[str, list[str]]:
    ordered = sorted(catalog.artists, key=lambda a: (-float(a["popularity"]), str(a["artist_id"])))
    out: dict[str, list[str]] = {}
    for a in ordered:
        out.setdefault(str(a["genre"]), []).append(str(a["name"]))
    return out


def _contains_place(name: str, cities: set[str]) -> bool:
    return any(city.lower() in name.lower() for city in cities)


def build_examples(catalog: Catalog, today: dt.date, seed: int = 7) -> list[Example]:
    """Every template once, filled with names drawn (seeded) from the catalog."""
    rng = random.Random(seed)
    fillers = Fillers.from_catalog(catalog)
    out = []
    for intent, templates in TEMPLATES.items():
        for template in templates:
            text, entities = fill(template, fillers, today, rng)
            out.append(Example(text, intent, entities))
    for template in NEAR_MISS_TEMPLATES:  # after the others, so every older template is filled as before
        text, entities = fill(template, fillers, today, rng)
        out.append(Example(text, "out_of_scope", entities, near_miss=True))
    return out


def fill(template: str, f: Fillers, today: dt.date, rng: random.Random) -> tuple[str, dict[str, Any]]:
    """The template with its slots filled, and the entities it then names (type -> expected value)."""
    entities: dict[str, Any] = {}

    def value(m: re.Match[str]) -> str:
        slot = m.group(1)
        if slot in {"artist", "artist_typo"}:
            name = rng.choice(f.artists)
            entities["artist"] = name
            if slot == "artist_typo":
                return _typo(name, rng)
            return name.lower() if rng.random() < 0.3 else name
        if slot == "venue":
            name, venue_id = rng.choice(f.venues)
            entities["venue"] = venue_id
            return name
        if slot == "city":
            city = rng.choice(f.cities)
            entities["city"] = city
            return city
        if slot == "state":
            code = rng.choice(f.states)
            entities["state"] = code
            name = US_STATES[code]
            # "New York" is also a city with venues: a state so named is written as its code.
            return code if rng.random() < 0.5 or name in f.cities else name
        if slot == "genre":
            genre = rng.choice(f.genres)
            entities["genre"] = genre
            return genre
        if slot == "date":
            phrase = rng.choice(DATE_PHRASES)
            first, last = phrase.span(today)
            entities["date"] = (first.isoformat(), last.isoformat())
            return phrase.text
        if slot == "price":
            price = rng.choice([25, 40, 45, 60, 75, 80, 99, 120])
            entities["price"] = float(price)
            return f"${price}"
        if slot == "count":
            n = rng.choice([3, 4, 5, 7, 10])
            entities["count"] = n
            return str(n)
        raise KeyError(slot)

    text = _SLOT.sub(value, template)
    return text, entities


def _typo(name: str, rng: random.Random) -> str:
    """The name with one letter of its longest word dropped (a typo the matcher must forgive)."""
    words = name.split()
    i = max(range(len(words)), key=lambda k: len(words[k]))
    word = words[i]
    if len(word) >= 6:
        k = rng.randrange(1, len(word) - 1)
        words[i] = word[:k] + word[k + 1:]
    return " ".join(words)
