"""What a message points back at, and names it uses that the data does not have.

* an ordinal into the last answer's list: "tell me about the second one", "the first", "number 3", "#2";
* the whole list: "which of them play in Denver?", "those artists", "these venues";
* a place or an artist the catalog does not know: "shows in Springfield tonight", with the nearest known names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from concert_api.services.chat.local.catalog import GENRE_SYNONYMS, US_STATES, VENUE_TYPE_WORDS, Catalog
from concert_api.services.chat.local.dates import MONTHS, WEEKDAYS
from concert_api.services.chat.local.entities import STOPWORDS, Entity, Extraction

ORDINAL_WORDS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
                 "fifth": 4, "5th": 4, "sixth": 5, "6th": 5, "seventh": 6, "7th": 6, "eighth": 7, "8th": 7,
                 "ninth": 8, "9th": 8, "tenth": 9, "10th": 9, "last": -1}
_ORDINAL = "|".join(sorted(ORDINAL_WORDS, key=len, reverse=True))
_THING = r"(?:one|artist|act|band|singer|performer|venue|place|concert|show|gig|event|option|result|entry|pick)"
ORDINAL_REFERENCE = re.compile(
    rf"\b(?:the\s+)?(?P<word>{_ORDINAL})\s+{_THING}\b(?!\s+\d)|"
    rf"\b(?:number|no\.?|#)\s*(?P<n>[1-9]|10)\b(?!\s*(?:tickets?|seats?|shows?|concerts?|venues?|artists?))|"
    rf"^\s*(?:and\s+|what about\s+|how about\s+|ok\s+|okay\s+)?(?:the\s+)?(?P<alone>{_ORDINAL})\s*[?.!]*\s*$|"
    rf"\bthe\s+(?P<end>{_ORDINAL})\s*(?:please)?\s*[?.!]*\s*$",
    re.IGNORECASE)
GROUP_REFERENCE = re.compile(
    r"\b(?:(?:which|any|all|each|some|none|one|many|how many)\s+of\s+(?:them|those|these)|"
    r"(?:those|these|the same|all the|all those|all these|all of the)\s+(?P<kind>artists?|acts?|bands?|performers?|"
    r"singers?|venues?|places?)|they(?=\s+(?:all\s+)?(?:play|playing|perform|performing|touring|tour|on|have)\b)|"
    r"them)\b", re.IGNORECASE)
"""The last answer's whole list: "which of them play in Denver?", "those artists", "when are they playing?"."""

DEFINITE_REFERENCE = re.compile(r"\b(?:the|that|this|same)\s+(?P<kind>artist|band|act|singer|performer|venue|place|"
                                r"arena|club|theater|theatre|stadium|amphitheater)\b(?!\s*(?:with|that|which|who|of|in)\b)",
                                re.IGNORECASE)
"""One thing of the last answer by its kind: "and the artist?", "tell me about that venue"."""
MORE = re.compile(r"^\W*(?:and\s+|ok\s+|okay\s+)?(?:show\s+(?:me\s+)?|give\s+(?:me\s+)?|list\s+|any\s+|see\s+)?"
                  r"(?:some\s+|a\s+few\s+|\d+\s+)?more(?:\s+(?:results|ones|of them|concerts|shows|venues|artists|"
                  r"please))*\W*$|^\W*(?:the\s+)?next\s+(?:page|ones|few)\W*$", re.IGNORECASE)
"""A request for more of the last list: "show me more", "more please", "next page"."""
PLACE_INTRO = re.compile(r"\b(?P<intro>in|near|around|at|from|outside|to)\s+"
                         r"(?P<name>[A-Z][A-Za-z'’.-]+(?:\s+[A-Z][A-Za-z'’.-]+)?)")
ARTIST_INTRO = re.compile(r"\b(?:about|by|see|seeing|of|for|is|does|did|when's|where's)\s+"
                          r"(?P<name>[A-Z][A-Za-z'’.&-]+(?:\s+(?:[A-Z][A-Za-z'’.&-]+|&|and|the|of)){0,3})")
LEADING_NAME = re.compile(r"^\s*(?P<name>[A-Z][A-Za-z'’.&-]+(?:\s+(?:[A-Z][A-Za-z'’.&-]+|&)){1,3})(?:'s)?\s+"
                          r"(?:concerts?|shows?|gigs?|tour\w*|tickets?|sales|dates|schedule|live|playing|plays)\b")
"""A capitalised name of two to four words opening the message before a concert word: "Taylor Swift concerts"."""
NOT_A_NAME = frozenset({
    *STOPWORDS, *MONTHS, *WEEKDAYS, *(g.lower() for g in GENRE_SYNONYMS), *VENUE_TYPE_WORDS, "tonight", "today",
    "tomorrow", "weekend", "summer", "winter", "spring", "fall", "autumn", "general", "total", "town", "concert",
    "concerts", "gig", "gigs", "venue", "venues", "artist", "artists", "ticket", "tickets", "sales", "usa", "us",
    "america", "the", "i", "i'm", "i'd", "ok", "okay", "please", "thanks", "hi", "hello", "hey", "christmas",
    "halloween", "july", "easter", "thanksgiving", "downtown", "midtown", "uptown", "person", "genre", "genres",
    "city", "cities", "state", "states", "month", "year", "week", "revenue", "price", "prices", "all",
    "valentine's", "valentines", "valentine", "memorial", "labor", "labour", "independence", "mother's", "father's",
    "new", "fourth", "st", "st.", "saint", "q1", "q2", "q3", "q4", "h1", "h2", "ytd", "break", "usd",
})
"""Capitalised words after "in" or "about" that are not names ("in December", "in Jazz", "about Tonight")."""


@dataclass(frozen=True)
class UnknownName:
    """A name the message uses that the catalog lacks, its kind, and the nearest known names."""

    said: str
    kind: str
    nearest: tuple[str, ...]


def ordinal_index(message: str) -> int | None:
    """The 0-based position a message points at in the last list ("the second one" -> 1, "the last" -> -1)."""
    m = ORDINAL_REFERENCE.search(message)
    if m is None:
        return None
    if m.group("n"):
        return int(m.group("n")) - 1
    return ORDINAL_WORDS[(m.group("word") or m.group("alone") or m.group("end")).lower()]


def definite_kind(message: str) -> str | None:
    """The kind a definite reference points at ("and the artist?" -> "artist", "that venue" -> "venue")."""
    m = DEFINITE_REFERENCE.search(message)
    if m is None:
        return None
    return "artist" if m.group("kind").lower() in {"artist", "band", "act", "singer", "performer"} else "venue"


def wants_more(message: str) -> bool:
    """Whether the message asks for more of the last list."""
    return MORE.search(message) is not None


def group_kind(message: str) -> str | None:
    """Whether the message points at the last answer's whole list, and at which kind ("artist", "venue", or ""
    for a bare "them")."""
    m = GROUP_REFERENCE.search(message)
    if m is None:
        return None
    noun = (m.group("kind") or "").lower()
    if noun.startswith(("venue", "place")):
        return "venue"
    return "artist" if noun else ""


def unknown_names(message: str, extraction: Extraction, catalog: Catalog,
                  carrier_words: Iterable[str]) -> list[UnknownName]:
    """Capitalised names the message uses where a place or an artist goes ("in Springfield", "about Taylor
    Swift") that match nothing in the catalog, each with the three nearest known names of its kind."""
    carriers = {w.lower() for w in carrier_words}
    found: list[UnknownName] = []
    for pattern, kind in ((PLACE_INTRO, "city"), (ARTIST_INTRO, "artist"), (LEADING_NAME, "artist")):
        for m in pattern.finditer(message):
            start, end = m.span("name")
            name = _trim(m.group("name"))
            if not name or _covered(start, end, extraction.entities) or (
                    m.start() == 0 and pattern is ARTIST_INTRO):
                continue
            if pattern is PLACE_INTRO and m.group("intro").lower() == "at":
                kind = "venue"  # "shows at Madison Square Garden"
            elif pattern is PLACE_INTRO:
                kind = "city"
            first = name.split()[0].lower()
            if first in NOT_A_NAME or (first in carriers and len(name.split()) == 1) or name.upper() in US_STATES:
                continue
            if name.lower() in {s.lower() for s in US_STATES.values()}:
                continue
            found.append(UnknownName(name, kind, nearest_names(name, kind, catalog)))
    return found


def nearest_names(name: str, kind: str, catalog: Catalog, limit: int = 3) -> tuple[str, ...]:
    """The known names of a kind closest in spelling to `name` (cities with venues, or artists)."""
    if kind == "city":
        choices = list(dict.fromkeys(str(c["city"]) for c in catalog.cities_with_venues()))
    elif kind == "venue":
        choices = [str(v["name"]) for v in catalog.venues]
    else:
        choices = [str(a["name"]) for a in catalog.artists]
    ranked = process.extract(name, choices, scorer=fuzz.WRatio, limit=limit)
    return tuple(str(choice) for choice, _, _ in ranked)


def _covered(start: int, end: int, entities: list[Entity]) -> bool:
    return any(e.start < end and start < e.end for e in entities)


def _trim(name: str) -> str:
    words = name.strip(" .'’-").split()
    while words and words[-1].lower() in {"and", "the", "of", "&"}:
        words.pop()
    return " ".join(words)
