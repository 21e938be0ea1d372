"""Slots: what the conversation knows (artist, venue, place, genres, dates, price, count, user), how a follow-up
updates them, and how they become a tool's arguments."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from concert_api.services.chat.local import dates as date_parser
from concert_api.services.chat.local.entities import Entity, Extraction

Slots = dict[str, Any]
"""JSON-ready: artist (name), venue (id), venue_label, city, state, genres (list), vtype, date
({date_from, date_to, text}), price, count, user, min_events (a floor on concerts: "at least 20 shows"), compare (a
second artist or venue named in the same message: {type, value, label}); set by the policy, artists (the last
answer's artists, for "which of them ...") and when (a concert search's upcoming/past/any)."""

SLOT_TYPES = ("artist", "venue", "city", "state", "genre", "vtype", "date", "price", "count", "user", "min_events")
REQUIRED: dict[str, tuple[str, ...]] = {"ticket_prediction": ("artist", "venue", "date", "price"),
                                         "price_curve": ("artist", "venue", "date"), "venue_lookup": ("venue",)}
ACCEPTS: dict[str, frozenset[str]] = {
    "artist_lookup": frozenset({"artist", "genres", "count"}),
    "venue_popularity": frozenset({"venue", "city", "state", "vtype", "count", "min_events"}),
    "venue_lookup": frozenset({"venue"}),
    "concert_search": frozenset({"artist", "venue", "city", "state", "genres", "price", "date", "count"}),
    "ticket_prediction": frozenset({"artist", "venue", "date", "price"}),
    "price_curve": frozenset({"artist", "venue", "date"}),
    "recommendations": frozenset({"genres", "city", "state", "user", "count"}),
    "sales_query": frozenset({"artist", "venue", "city", "state", "genres", "date", "count", "group_by",
                              "min_events"}),
}
"""The slots each intent's tool can use (`venue_label` goes with `venue`; `compare` with an artist or a venue
lookup). A follow-up naming any other slot ("what about Chicago?" during a prediction, which needs a venue) is
answered plainly, never silently dropped."""
UNCHECKED = frozenset({"venue_label", "compare", "artists", "when", "rank_by"})
MODIFIER_TYPES = frozenset({"date", "price", "count", "vtype", "min_events"})
"""Entities that only modify the question being discussed: a message made of them (and a `group_by`) alone, such as
"by genre", "under $50", "next month", "top 3" or "only arenas", continues the last question."""
DEFAULT_COUNT = 5

ANAPHORA = re.compile(r"\b(they|them|their|theirs|he|him|his|she|her|hers|there|that (artist|band|venue|place|city)|"
                      r"this (artist|band|venue|place|city)|it|its|same)\b", re.IGNORECASE)
PAST_WORDS = re.compile(r"\b(past|previous|previously|played|did|was|were|ago|history|historical|already)\b",
                        re.IGNORECASE)
GROUP_BY_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((dim, re.compile(p, re.IGNORECASE)) for dim, p in (
    ("artist", r"\b(which|what|top|best|by|per|each)\s+(\w+\s+)?(artists?|acts?|bands?|performers?|musicians?)\b|"
               r"\b(top|best)[- ]selling (artists?|acts?|bands?)\b"),
    ("venue", r"\b(which|what|top|best|by|per|each|highest)\s+(\w+\s+)?(venues?|places?|arenas?|clubs?)\b"),
    ("city", r"\b(which|what|top|best|by|per|each)\s+(\w+\s+)?(city|cities)\b"),
    ("state", r"\b(which|what|top|best|by|per|each)\s+(\w+\s+)?(states?)\b"),
    ("genre", r"\b(which|what|top|best|by|per|each)\s+(\w+\s+)?(genres?|styles?)\b|\bbest[- ]selling genre\b"),
))
FILLER_WORDS = frozenset((
    "and", "or", "but", "so", "what", "about", "how", "then", "now", "only", "just", "please", "instead", "same",
    "also", "ok", "okay", "the", "a", "an", "by", "per", "each", "for", "in", "on", "at", "of", "under", "below",
    "over", "above", "less", "more", "than", "cheaper", "up", "to", "max", "maximum", "most", "with", "from",
    "during", "around", "broken", "down", "split", "grouped", "group", "ranked", "rank", "sorted", "sort", "it",
    "that", "those", "them", "again", "too", "if", "make", "try", "limit", "show", "me", "top", "first", "last",
    "which", "one", "ones",
))  # fmt: skip
"""Words a modifier-only follow-up may contain besides its modifiers ("and only the top 3 please")."""
_WORDS = re.compile(r"[a-z0-9$]+(?:'[a-z]+)?")


def slots_from(extraction: Extraction) -> Slots:
    """The slots a message fills by itself (unambiguous entities only)."""
    slots: Slots = {}
    for e in extraction.entities:
        if e.ambiguous:
            continue
        _set(slots, e)
    return slots


def _set(slots: Slots, e: Entity) -> None:
    if e.type == "genre":
        genres = slots.setdefault("genres", [])
        if e.value not in genres:
            genres.append(e.value)
    elif e.type in {"venue", "artist"} and e.type in slots:
        if slots[e.type] != e.value and "compare" not in slots:  # "compare X and Y": Y goes beside X
            slots["compare"] = {"type": e.type, "value": e.value, "label": e.label}
    elif e.type == "venue":
        slots["venue"], slots["venue_label"] = e.value, e.label
    elif e.type in {"date", "price", "count", "user", "artist", "city", "state", "vtype", "min_events"}:
        slots.setdefault(e.type, e.value)


def merge(previous: Slots, new: Slots) -> Slots:
    """A follow-up's slots: the new ones replace the old of the same kind; a new city drops the old state
    and a new state the old city, so "what about Chicago?" after Texas looks in Chicago. A new place drops the
    old venue and a new venue the old place (one venue is in one place)."""
    merged = dict(previous)
    if "city" in new and "state" not in new:
        merged.pop("state", None)
    if "state" in new and "city" not in new:
        merged.pop("city", None)
    if ("city" in new or "state" in new) and "venue" not in new:
        merged.pop("venue", None)
        merged.pop("venue_label", None)
    if ("venue" in new or "artist" in new) and "compare" not in new:
        merged.pop("compare", None)
    if "venue" in new:
        merged.pop("venue_label", None)
        if "city" not in new and "state" not in new:
            merged.pop("city", None)
            merged.pop("state", None)
    merged.update(new)
    return merged


def inapplicable(intent: str, slots: Slots) -> list[str]:
    """The slots in `slots` that the intent's tool cannot use."""
    accepts = ACCEPTS.get(intent, frozenset())
    return [k for k in slots if k not in UNCHECKED and k not in accepts]


def only_modifiers(message: str, extraction: Extraction) -> bool:
    """Whether the message only sets modifiers of a question (a date, a price, a count, a venue type, a
    `group_by`) and says nothing else: "by genre", "under $50", "next month", "top 3", "only arenas"."""
    if any(e.type not in MODIFIER_TYPES for e in extraction.entities):
        return False
    text = message.lower()
    for e in sorted(extraction.entities, key=lambda e: -e.start):
        text = text[:e.start] + " " + text[e.end:]
    found = bool(extraction.entities)
    for _, pattern in GROUP_BY_WORDS:
        text, n = pattern.subn(" ", text)
        found = found or n > 0
    return found and all(word in FILLER_WORDS for word in _WORDS.findall(text.replace("’", "'")))


def carried(previous: Slots, new: Slots, intent: str, message: str) -> Slots:
    """Slots for a new question: it keeps the previous artist, venue and place when it points back at them
    ("how many tickets did they sell?"), and any slot it requires but does not name."""
    slots = dict(new)
    if ANAPHORA.search(message):
        for key in ("artist", "venue", "venue_label", "city", "state"):
            if key in previous and key not in slots:
                slots[key] = previous[key]
    for key in REQUIRED.get(intent, ()):
        if key not in slots and key in previous:
            slots[key] = previous[key]
            if key == "venue" and "venue_label" in previous:
                slots["venue_label"] = previous["venue_label"]
    return slots


def missing(intent: str, slots: Slots) -> list[str]:
    """The required slots the intent still lacks, in the order to ask for them."""
    return [k for k in REQUIRED.get(intent, ()) if k not in slots]


def compared(slots: Slots, kind: str) -> str | None:
    """The second artist or venue to show beside the first, if the message named one."""
    other = slots.get("compare")
    return str(other["value"]) if isinstance(other, dict) and other.get("type") == kind else None


def arguments_for(intent: str, slots: Slots, *, message: str, extraction: Extraction | None,
                  today: dt.date, user_id: str | None = None) -> dict[str, Any]:
    """The tool arguments for an intent from the slots (`user_id`: the request's, when the message names none)."""
    count = int(slots.get("count") or DEFAULT_COUNT)
    genre = (slots.get("genres") or [None])[0]
    date = slots.get("date")
    if intent == "venue_lookup" or (intent == "venue_popularity" and slots.get("venue")):
        return _clean({"venue": slots["venue"], "compare_with": compared(slots, "venue")})
    if intent == "venue_popularity":
        return _clean({"top_n": count, "city": slots.get("city"), "state": slots.get("state"),
                       "venue_type": slots.get("vtype"), "min_events": slots.get("min_events")})
    if intent == "artist_lookup":
        artist = slots.get("artist")
        return _clean({"artist": artist, "genre": None if artist else genre, "top_n": count,
                       "compare_with": compared(slots, "artist") if artist else None})
    if intent == "concert_search":
        when = "upcoming"
        if date and date["date_to"] < today.isoformat():
            when = "past"
        elif date and date["date_from"] < today.isoformat():
            when = "any"
        elif not date and PAST_WORDS.search(message):
            when = "past"
        when = slots.get("when") or when
        return _clean({"artist": slots.get("artist"), "artists": slots.get("artists") or None,
                       "venue": slots.get("venue"), "city": slots.get("city"),
                       "state": slots.get("state"), "genre": genre, "max_price": slots.get("price"),
                       "date_from": date and date["date_from"], "date_to": date and date["date_to"],
                       "when": when, "limit": count})
    if intent == "ticket_prediction":
        return {"artist": slots["artist"], "venue": slots["venue"], "event_date": slots["date"]["date_from"],
                "ticket_price": slots["price"]}
    if intent == "price_curve":
        return {"artist": slots["artist"], "venue": slots["venue"], "event_date": slots["date"]["date_from"]}
    if intent == "recommendations":
        location = slots.get("city") or slots.get("state")
        if slots.get("city") and slots.get("state"):
            location = f"{slots['city']}, {slots['state']}"
        return _clean({"genres": slots.get("genres") or None, "location": location,
                       "user_id": slots.get("user") or user_id, "top_n": count})
    if intent == "sales_query":
        date = _looking_back(slots, extraction, today)
        return _clean({"artist": slots.get("artist"), "venue": slots.get("venue"), "city": slots.get("city"),
                       "state": slots.get("state"), "genre": genre, "date_from": date and date["date_from"],
                       "date_to": date and date["date_to"],
                       "group_by": group_by(message) or slots.get("group_by"),
                       "min_concerts": slots.get("min_events"), "top_n": count})
    raise ValueError(f"no tool for intent {intent!r}")


def group_by(message: str) -> str | None:
    """The dimension a sales question ranks by ("which artist sold the most" -> artist), if any."""
    for dim, pattern in GROUP_BY_WORDS:
        if pattern.search(message):
            return dim
    return None


def _looking_back(slots: Slots, extraction: Extraction | None, today: dt.date) -> dict[str, str] | None:
    """Sales look back: "in July" is the last July, not the next one. A date read against the conversation ("2
    weeks later", or "2024" keeping the month being discussed) is kept as it is."""
    if extraction is not None:
        entity = extraction.first("date")
        if (entity is not None and entity.mention is not None and entity.value == slots.get("date")
                and entity.mention.kind not in date_parser.ANCHORED_KINDS):
            resolved = date_parser.resolve(entity.mention, today, prefer="past")
            if resolved is not None:
                return resolved.as_dict()
    date: dict[str, str] | None = slots.get("date")
    return date


def _clean(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if v is not None}
