"""Prices ("$60", "60 dollars", "at 75 bucks"), counts ("top 5", "five best", "3 venues"), floors on the
number of concerts ("at least 20 shows": `min_events`) and user ids in a message, with their positions so that
the entity matcher can leave those characters alone."""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "a dozen": 12, "dozen": 12,
}  # fmt: skip
_NUM = r"(?P<n>\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|a dozen|dozen)"
_THINGS = (r"(?:venues?|concerts?|shows?|gigs?|artists?|acts?|bands?|singers?|places?|spots?|events?|"
           r"recommendations?|picks?|options?|suggestions?|results?|arenas?|clubs?|theaters?|theatres?|"
           r"stadiums?|amphitheaters?|cities|genres?|states?)")

PRICE_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"\$\s?(?P<v>\d{1,6}(?:[.,]\d{1,2})?)",
    r"\b(?P<v>\d{1,6}(?:\.\d{1,2})?)\s?(?:dollars|bucks|usd)\b",
    r"\b(?:price[sd]?|priced|costing|cost)\s+(?:of\s+|at\s+|is\s+)?(?P<v>\d{1,6}(?:\.\d{1,2})?)\b",
))
COUNT_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    rf"\b(?:top|best|first|biggest|largest|leading|highest)\s+{_NUM}\b",
    rf"\b{_NUM}\s+(?:best|top|most|biggest|largest|highest|leading|great|good|popular|upcoming|hottest)\b",
    rf"\b(?:list|show|give|name|recommend|suggest|find)\s+(?:me\s+)?{_NUM}\b",
    rf"\b{_NUM}\s+{_THINGS}\b",
))
MIN_EVENTS_PATTERN = re.compile(
    rf"\b(?P<op>at\s+least|a\s+minimum\s+of|minimum(?:\s+of)?|min\.?|no\s+fewer\s+than|not\s+less\s+than|"
    rf"more\s+than|over|upwards\s+of)\s+{_NUM}\s+(?:completed\s+|past\s+)?(?:concerts?|shows?|gigs?|events?)\b",
    re.IGNORECASE)
"""A floor on how many concerts a venue has held: "at least 20 shows", "more than 10 concerts" (11)."""
USER_PATTERN = re.compile(r"\buser[_ -]?(?P<id>\d{1,9})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    """A number found in a message: its kind (price, count, user), value and position."""

    kind: str
    value: float | int | str
    start: int
    end: int
    text: str


def find_quantities(text: str) -> list[Quantity]:
    """Prices, counts and user ids in the message, without overlaps, in order of position."""
    found: list[Quantity] = []

    def free(start: int, end: int) -> bool:
        return not any(start < q.end and q.start < end for q in found)

    for m in USER_PATTERN.finditer(text):
        found.append(Quantity("user", f"user_{m.group('id')}", m.start(), m.end(), m.group(0)))
    for m in MIN_EVENTS_PATTERN.finditer(text):
        n_text = m.group("n").lower()
        n = (int(n_text) if n_text.isdigit() else NUMBER_WORDS[n_text])
        n += 1 if m.group("op").lower().split()[0] in {"more", "over", "upwards"} else 0
        if 1 <= n <= 1000:
            found.append(Quantity("min_events", n, m.start(), m.end(), m.group(0)))
    for pattern in PRICE_PATTERNS:
        for m in pattern.finditer(text):
            if free(*m.span("v")):
                value = float(m.group("v").replace(",", "."))
                if value > 0:
                    start, end = m.span("v") if pattern is PRICE_PATTERNS[2] else m.span()
                    found.append(Quantity("price", value, start, end, text[start:end]))
    for pattern in COUNT_PATTERNS:
        for m in pattern.finditer(text):
            if free(*m.span("n")):
                n_text = m.group("n").lower()
                n = int(n_text) if n_text.isdigit() else NUMBER_WORDS[n_text]
                if 1 <= n <= 100:
                    found.append(Quantity("count", n, m.start("n"), m.end("n"), m.group("n")))
    return sorted(found, key=lambda q: q.start)
