"""Entities in a message: artists, venues, cities, states, genres and venue types matched against the catalog
(exactly, with typos, or by part of a name), plus dates, prices, counts and user ids.

Matching works on word windows of the message:

1. an exact alias ("olivia royce", "iron ravens" for "The Iron Ravens", "nyc", "hip hop") scores 100;
2. otherwise a window of as many words as a full name is compared with rapidfuzz's `ratio` (85 or more for
   long names, 88 for short ones; never for windows of five characters or less), which forgives typos;
3. a distinctive part of a name ("Royce", "Summit Bank") matches every name that contains it: one match is an
   entity, several are an ambiguous mention the assistant asks about ("Which artist: Olivia Royce or Otis
   Royce?"). Words people ask with (the training data's carrier words) and generic words ("hall", "arena")
   never count as part of a name.

Longer matches win over shorter ones they overlap, so "Chicago Auditorium" is a venue, not the city Chicago.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from concert_api.services.chat.local import dates as date_parser
from concert_api.services.chat.local.catalog import (
    GENRE_SYNONYMS,
    US_STATES,
    VENUE_TYPE_WORDS,
    Catalog,
)
from concert_api.services.chat.local.classifier import PLACEHOLDER_TOKENS
from concert_api.services.chat.local.quantities import find_quantities

STOPWORDS = frozenset((
    "a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "from", "with", "by", "about", "is", "are",
    "was", "were", "be", "been", "am", "do", "does", "did", "i", "me", "my", "we", "us", "our", "you", "your", "it",
    "its", "this", "that", "these", "those", "there", "here", "what", "which", "who", "whom", "whose", "when",
    "where", "how", "why", "any", "some", "all", "can", "could", "would", "should", "will", "shall", "may", "might",
    "must", "not", "no", "yes", "please", "just", "also", "than", "then", "so", "too", "very", "more", "most",
    "less", "least", "much", "many", "few", "new", "old", "good", "great", "best", "top", "big", "little", "young",
    "wild", "lost", "blue", "black", "live", "music", "show", "shows", "night", "day", "time", "one", "two",
    "three", "four", "five", "six", "seven", "eight", "nine", "ten", "next", "last", "first", "like", "love",
    "want", "need", "get", "got", "go", "going", "see", "let", "tell", "give", "find", "know", "think", "make",
    "made", "say", "sell", "sold", "play", "playing", "played",
))  # fmt: skip

GENERIC_NAME_WORDS = frozenset((
    "hall", "room", "lounge", "club", "ballroom", "tavern", "bar", "cellar", "basement", "parlor", "social",
    "house", "theater", "theatre", "playhouse", "auditorium", "palace", "music", "arena", "center", "centre",
    "field", "stadium", "pavilion", "amphitheater", "amphitheatre", "park", "garden", "bank", "credit", "union",
    "mutual", "financial", "insurance", "energy", "health", "wireless", "airlines", "foods", "trust", "motors",
    "telecom", "savings", "federal", "brewing", "logistics", "and", "the", "dj", "mc", "lil", "kid", "big",
))  # fmt: skip

FUNCTION_WORDS = frozenset((
    "a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "from", "with", "by", "about", "is", "are",
    "was", "were", "be", "do", "does", "did", "i", "me", "my", "we", "you", "it", "this", "that", "what", "which",
    "who", "when", "where", "how", "any", "some", "all", "can", "could", "would", "should", "will", "not",
))  # fmt: skip
"""Words a name never starts or ends with (a fuzzy window bounded by one is not compared)."""

CITY_ALIASES: dict[str, tuple[str, str]] = {
    "nyc": ("New York", "NY"), "new york city": ("New York", "NY"), "philly": ("Philadelphia", "PA"),
    "vegas": ("Las Vegas", "NV"), "sf": ("San Francisco", "CA"), "san fran": ("San Francisco", "CA"),
    "la": ("Los Angeles", "CA"), "l a": ("Los Angeles", "CA"), "dc": ("Washington", "DC"),
    "d c": ("Washington", "DC"),
}  # fmt: skip
"""Nicknames of cities, used only when that city has venues in the data: then "in LA" is Los Angeles, not
Louisiana (the state spelled out stays the state), and "DC" is Washington."""
AMBIGUOUS_STATE_CODES = frozenset({"OK", "ME", "OR", "IN", "HI", "OH", "DE", "LA", "PA", "MA", "AL", "ID", "CO"})

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?|&")
_STATE_CODE = re.compile(r"(?P<lead>,\s*|\bin\s+|\bof\s+)?\b(?P<code>[A-Z]{2})\b")
_CATALOG_ID = re.compile(r"\b(?P<kind>artist|venue)_(?P<number>\d{1,9})\b", re.IGNORECASE)
MAX_WINDOW = 6
TYPE_ORDER = {"artist": 0, "venue": 1, "city": 2, "state": 3, "genre": 4, "vtype": 5}


@dataclass(frozen=True)
class Entity:
    """A thing named in a message. `value` is what tools take (an artist's name, a venue's id, a city, a state
    code, a genre, a venue type, a date range, a price, a count, a user id); `label` is how to show it.
    `candidates` holds (value, label) pairs when the mention fits several things."""

    type: str
    value: Any
    label: str
    start: int
    end: int
    score: float = 100.0
    candidates: tuple[tuple[Any, str], ...] = ()
    mention: Any = field(default=None, compare=False, repr=False)

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


@dataclass
class Extraction:
    """The entities of one message and the message with each entity replaced by its type token."""

    text: str
    entities: list[Entity]
    delexicalised: str

    def of(self, kind: str) -> list[Entity]:
        """Every entity of one type, in order of position."""
        return [e for e in self.entities if e.type == kind]

    def first(self, kind: str) -> Entity | None:
        """The first entity of one type, or None."""
        return next((e for e in self.entities if e.type == kind), None)

    @property
    def leftover_words(self) -> list[str]:
        """The message's words that are neither entity tokens nor stopwords."""
        tokens = {*PLACEHOLDER_TOKENS.values()}
        words = re.findall(r"[a-z]+", self.delexicalised.lower())
        return [w for w in words if w not in tokens and w not in STOPWORDS]


@dataclass(frozen=True)
class _Target:
    type: str
    value: Any
    label: str


@dataclass(frozen=True)
class _Token:
    norm: str
    start: int
    end: int


@dataclass(frozen=True)
class _Match:
    first: int
    last: int  # exclusive token index
    tier: int  # 0 exact, 1 fuzzy, 2 partial
    score: float
    targets: tuple[_Target, ...]


def normalise(text: str) -> str:
    """Lower case, '&' as 'and', possessives and punctuation dropped: the form names are compared in."""
    return " ".join(t.norm for t in _tokens(text))


def _tokens(text: str) -> list[_Token]:
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group(0).lower().replace("’", "'")
        if word == "&":
            word = "and"
        elif word.endswith("'s"):
            word = word[:-2]
        out.append(_Token(word.replace("'", ""), m.start(), m.end()))
    return out


class EntityMatcher:
    """Finds catalog entities in messages. Build once per catalog; matching is thread-safe."""

    def __init__(self, catalog: Catalog, carrier_words: Iterable[str] = ()) -> None:
        self.catalog = catalog
        self.common = STOPWORDS | frozenset(carrier_words)
        self.exact: dict[str, list[_Target]] = defaultdict(list)
        self.partial: dict[str, list[_Target]] = defaultdict(list)
        self._build()
        self.fuzzy_choices: dict[int, list[str]] = defaultdict(list)
        for alias, targets in self.exact.items():
            if len(alias) > 5 and any(t.type in {"artist", "venue", "city", "state"} for t in targets):
                self.fuzzy_choices[alias.count(" ") + 1].append(alias)

    # --- building the alias tables ---------------------------------------------------------------------

    def _build(self) -> None:
        venue_count_by_city = {(c["city"], c["state"]): int(c["venues"] or 0) for c in self.catalog.cities}
        for c in self.catalog.cities:
            self._add_exact(c["city"], _Target("city", c["city"], c["city"]))
        self.city_nicknames: dict[str, str] = {}
        for alias, (city, state) in CITY_ALIASES.items():
            if venue_count_by_city.get((city, state), 0) > 0:
                self._add_exact(alias, _Target("city", city, city))
                self.city_nicknames[alias.replace(" ", "")] = city
        self.artist_ids = {str(a["artist_id"]).lower(): a for a in self.catalog.artists}
        self.venue_ids = {str(v["venue_id"]).lower(): v for v in self.catalog.venues}
        for code, name in US_STATES.items():
            # "New York" and "Washington" are cities with venues before they are states.
            is_city = any(t.type == "city" for t in self.exact.get(normalise(name), []))
            if (name, code) in venue_count_by_city or is_city:
                continue
            self._add_exact(name, _Target("state", code, name))
        for genre in self.catalog.genres:
            self._add_exact(genre, _Target("genre", genre, genre))
        for alias, genre in GENRE_SYNONYMS.items():
            self._add_exact(alias, _Target("genre", genre, genre))
        for word, kind in VENUE_TYPE_WORDS.items():
            self._add_exact(word, _Target("vtype", kind, kind))
        reserved = set(self.exact)
        names: list[tuple[str, _Target]] = [(a["name"], _Target("artist", a["name"], a["name"]))
                                            for a in self.catalog.artists]
        duplicate_venue_names = {v["name"] for v in self.catalog.venues
                                 if sum(1 for w in self.catalog.venues if w["name"] == v["name"]) > 1}
        for v in self.catalog.venues:
            label = f"{v['name']} ({v['city']}, {v['state']})" if v["name"] in duplicate_venue_names else v["name"]
            names.append((v["name"], _Target("venue", v["venue_id"], label)))
        for name, target in names:
            norm = normalise(name)
            self._add_exact(norm, target)
            if norm.startswith("the "):
                self._add_exact(norm[4:], target)
        for name, target in names:
            words = normalise(name).split()
            for size in range(1, len(words)):
                for i in range(len(words) - size + 1):
                    part = words[i:i + size]
                    alias = " ".join(part)
                    if alias in self.exact or alias in reserved or not self._distinctive(part):
                        continue
                    if target not in self.partial[alias]:
                        self.partial[alias].append(target)

    def _add_exact(self, alias: str, target: _Target) -> None:
        key = normalise(alias)
        if target not in self.exact[key]:
            self.exact[key].append(target)

    def _distinctive(self, words: list[str]) -> bool:
        if words[0] in GENERIC_NAME_WORDS | {"the", "and"} or words[-1] in {"the", "and"}:
            return False
        useful = [w for w in words if w not in self.common and w not in GENERIC_NAME_WORDS and len(w) >= 3
                  and not w.isdigit()]
        return bool(useful) and (len(words) > 1 or words[0] in useful)

    # --- matching ----------------------------------------------------------------------------------------

    def extract(self, text: str, *, today: dt.date, anchor: tuple[dt.date, dt.date] | None = None) -> Extraction:
        """The entities of a message (dates resolved against `today`, looking ahead; "2 weeks later" and the like
        against `anchor`, the date being discussed, when there is one)."""
        entities: list[Entity] = []
        names = [e for e in self._names(text, [], exact_only=True) if e.type in {"artist", "venue"}]
        for mention in date_parser.find_dates(text):
            if any(n.start <= mention.start and mention.end <= n.end for n in names):
                continue  # "Summer Room" is a venue, not a season
            resolved = date_parser.resolve(mention, today, anchor=anchor)
            if resolved is not None:
                entities.append(Entity("date", resolved.as_dict(), mention.text, mention.start, mention.end,
                                       mention=mention))
        for quantity in find_quantities(text):
            if not any(quantity.start < e.end and e.start < quantity.end for e in entities):
                entities.append(Entity(quantity.kind, quantity.value, quantity.text, quantity.start, quantity.end))
        entities.extend(self._catalog_ids(text, entities))
        entities.extend(self._state_codes(text, entities))
        entities.extend(self._names(text, entities))
        entities.sort(key=lambda e: e.start)
        return Extraction(text, entities, _delexicalise(text, entities))

    def _catalog_ids(self, text: str, taken: list[Entity]) -> list[Entity]:
        """Ids written as such ("venue_025", "artist_001"): the artist or venue with that id. An id the data
        does not have is still an entity (the tool then says it does not know it) rather than nothing."""
        out = []
        for m in _CATALOG_ID.finditer(text):
            start, end = m.span()
            if any(start < e.end and e.start < end for e in taken):
                continue
            key = m.group(0).lower()
            if m.group("kind").lower() == "venue":
                venue = self.venue_ids.get(key)
                out.append(Entity("venue", venue["venue_id"] if venue else key, venue["name"] if venue else key,
                                  start, end))
            else:
                artist = self.artist_ids.get(key)
                out.append(Entity("artist", artist["name"] if artist else key, artist["name"] if artist else key,
                                  start, end))
        return out

    def _state_codes(self, text: str, taken: list[Entity]) -> list[Entity]:
        out = []
        for m in _STATE_CODE.finditer(text):
            code = m.group("code")
            if code not in US_STATES or (code in AMBIGUOUS_STATE_CODES and not m.group("lead")):
                continue
            if code.lower() in self.city_nicknames:
                continue  # "in LA" is Los Angeles when it has venues (matched as a city alias below)
            start, end = m.span("code")
            if not any(start < e.end and e.start < end for e in taken):
                out.append(Entity("state", code, US_STATES[code], start, end))
        return out

    def _names(self, text: str, taken: list[Entity], *, exact_only: bool = False) -> list[Entity]:
        tokens = _tokens(text)
        free = [not any(t.start < e.end and e.start < t.end for e in taken) for t in tokens]
        matches: list[_Match] = []
        for i in range(len(tokens)):
            if not free[i]:
                continue
            for j in range(i + 1, min(len(tokens), i + MAX_WINDOW) + 1):
                if not free[j - 1]:
                    break
                match = self._match_window([t.norm for t in tokens[i:j]], i, j)
                if match is not None and (match.tier == 0 or not exact_only):
                    matches.append(match)
        matches.sort(key=lambda m: (-(m.last - m.first), m.tier, -m.score))
        chosen: list[_Match] = []
        used = [False] * len(tokens)
        for m in matches:
            if any(used[m.first:m.last]):
                continue
            chosen.append(m)
            for k in range(m.first, m.last):
                used[k] = True
        return [self._entity(m, tokens) for m in chosen]

    def _match_window(self, words: list[str], first: int, last: int) -> _Match | None:
        window = " ".join(words)
        if window in self.exact:
            return _Match(first, last, 0, 100.0, tuple(self.exact[window]))
        if all(w in self.common or w in GENERIC_NAME_WORDS for w in words):
            return None
        if window in self.partial:
            return _Match(first, last, 2, 100.0, tuple(self.partial[window]))
        if len(window) <= 5 or words[0] in FUNCTION_WORDS - {"the"} or words[-1] in FUNCTION_WORDS:
            return None
        choices = self.fuzzy_choices.get(len(words))
        if not choices:
            return None
        cutoff = 88.0 if len(window) <= 8 else 85.0
        best = process.extractOne(window, choices, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff)
        if best is None:
            return None
        return _Match(first, last, 1, float(best[1]), tuple(self.exact[best[0]]))

    def _entity(self, m: _Match, tokens: list[_Token]) -> Entity:
        start, end = tokens[m.first].start, tokens[m.last - 1].end
        targets = sorted(m.targets, key=lambda t: TYPE_ORDER[t.type])
        kind = targets[0].type
        same = [t for t in targets if t.type == kind]
        if len(same) == 1:
            return Entity(kind, same[0].value, same[0].label, start, end, m.score)
        return Entity(kind, same[0].value, same[0].label, start, end, m.score,
                      candidates=tuple((t.value, t.label) for t in same))


def _delexicalise(text: str, entities: list[Entity]) -> str:
    pieces, at = [], 0
    for e in sorted(entities, key=lambda e: e.start):
        if e.start < at:
            continue
        pieces.append(text[at:e.start])
        pieces.append(PLACEHOLDER_TOKENS.get(e.type, e.type))
        at = e.end
    pieces.append(text[at:])
    return "".join(pieces)
