"""Date expressions in English, resolved to a date range against an injectable `today`.

Handled: ISO dates, "12/31", "Dec 31", "December 31st", "31 December", with or without a year; "today",
"tonight", "tomorrow"; weekdays ("Friday", "this Friday", "next Friday" = the first Friday after today);
"this/next weekend", "this/next/last week|month|year"; month names ("in July", "July 2024"); seasons ("this
summer", "last winter"); years ("in 2024", and a bare "2024"); "next|last|past N days|weeks|months"; "new year's
eve".

Dates relative to the conversation rather than to today take an `anchor` (the date being discussed): "the
following Saturday" (the first Saturday after it), "2 weeks later", "a month earlier", "the day after", "the
following week". Without an anchor they count from today.

A date without a year, a bare month or a bare season is the next one to come, or the last one gone when
`prefer="past"` (sales questions look back).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

Prefer = Literal["future", "past"]

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
WEEKDAYS.update({name.lower()[:3]: i for i, name in enumerate(calendar.day_name)})
SEASONS = {"spring": (3, 5), "summer": (6, 8), "fall": (9, 11), "autumn": (9, 11), "winter": (12, 2)}
UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a": 1}

_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|" \
         r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d))?"
_WEEKDAY = r"(?P<weekday>mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rs|rsday)?|fri(?:day)?|" \
           r"sat(?:urday)?|sun(?:day)?)"

_COUNT = r"(?P<n>\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
ANCHORED_KINDS = frozenset({"shift", "following_weekday", "following_period"})
"""Kinds of date expression that count from the date being discussed (the `anchor`), not from today."""
YEAR_KINDS = frozenset({"year", "bare_year"})

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((kind, re.compile(p, re.IGNORECASE)) for kind, p in (
    ("shift", rf"\b{_COUNT}\s+(?P<unit>day|week|month|year)s?\s+"
              r"(?P<dir>later|after(?:wards)?|on|earlier|before|sooner|prior)\b"),
    ("following_weekday", rf"\b(?:the\s+)?(?:following|subsequent)\s+{_WEEKDAY}\b"),
    ("following_weekday", rf"\bthe\s+{_WEEKDAY}\s+after(?:\s+(?:that|it))?\b"),
    ("following_period", r"\bthe\s+(?P<dir>following|subsequent|previous|preceding)\s+"
                         r"(?P<unit>day|week|weekend|month|year)\b"),
    ("following_period", r"\bthe\s+(?P<unit>day|week|weekend|month|year)\s+(?P<dir>after|before)"
                         r"(?:\s+(?:that|it))?\b(?!\s+(?:tomorrow|today|next|last))"),
    ("iso", r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]?\d)-(?P<day>[0-3]?\d)\b"),
    ("slash", r"\b(?P<month>[01]?\d)/(?P<day>[0-3]?\d)(?:/(?P<year>(?:19|20)?\d\d))?\b"),
    ("new_years_eve", r"\bnew\s+year'?s'?\s+eve\b"),
    ("month_day", rf"\b{_MONTH}\s+{_DAY}\b{_YEAR}"),
    ("day_month", rf"\b(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}\b"),
    ("relative_span", r"\b(?P<dir>next|last|past|coming)\s+(?P<n>\d+|one|two|three|four|five|six|seven|eight|"
                      r"nine|ten|eleven|twelve)\s+(?P<unit>day|week|month|year)s?\b"),
    ("weekend", r"\b(?P<dir>this|next|last|past)?\s*weekend\b"),
    ("period", r"\b(?P<dir>this|next|last|coming)\s+(?P<unit>week|month|year)\b"),
    ("season", r"\b(?:(?P<dir>this|next|last|coming)\s+)?(?P<season>spring|summer|fall|autumn|winter)"
               r"(?:\s+(?P<year>(?:19|20)\d\d))?\b"),
    ("weekday", rf"\b(?:(?P<dir>this|next|on|coming|last|past)\s+)?{_WEEKDAY}\b"),
    ("day_word", r"\b(?P<word>the\s+day\s+after\s+tomorrow|today|tonight|tomorrow)\b"),
    ("month", rf"\b(?:(?P<dir>in|this|next|last|during)\s+)?{_MONTH}(?:\s+(?P<year>(?:19|20)\d\d))?\b"),
    ("year", r"\b(?:in|during|for|of|since)\s+(?P<year>(?:19|20)\d\d)\b"),
    ("bare_year", r"(?<![$\d.,/:-])\b(?P<year>(?:19|20)\d\d)\b(?![-/:.,]\d)(?!\s*(?:dollars|bucks|usd|"
                  r"tickets?|seats?|people|fans|concerts?|shows?|venues?|artists?|times)\b)"),
))


@dataclass(frozen=True)
class DateRange:
    """An inclusive range of dates found in a message, with the text it came from."""

    start: dt.date
    end: dt.date
    text: str

    def as_dict(self) -> dict[str, str]:
        """The range as JSON-ready ISO dates."""
        return {"date_from": self.start.isoformat(), "date_to": self.end.isoformat(), "text": self.text}


@dataclass(frozen=True)
class DateMention:
    """A date expression's position in the message and how to resolve it."""

    start: int
    end: int
    kind: str
    match: re.Match[str]

    @property
    def text(self) -> str:
        return self.match.group(0).strip()


def find_dates(text: str) -> list[DateMention]:
    """Every date expression in the message, longest first where they overlap, in order of position."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.span()
            while start < end and text[start].isspace():
                start += 1
            if start >= end or any(start < e and s < end for s, e in taken):
                continue
            if kind == "month" and not _plausible_month(m):
                continue
            if kind == "weekday" and not _plausible_weekday(m):
                continue
            if kind == "slash" and not (1 <= int(m.group("month")) <= 12):
                continue
            found.append(DateMention(start, end, kind, m))
            taken.append((start, end))
    return sorted(found, key=lambda d: d.start)


def resolve(mention: DateMention, today: dt.date, prefer: Prefer = "future",
            anchor: tuple[dt.date, dt.date] | None = None) -> DateRange | None:
    """The range a date expression means relative to `today` (or, for "2 weeks later" and the like, to the
    `anchor` range being discussed); None when it names no real date."""
    try:
        if mention.kind in ANCHORED_KINDS:
            span = _anchored(mention, anchor or (today, today))
        else:
            span = _resolve(mention, today, prefer)
    except (ValueError, OverflowError):  # e.g. February 30th
        return None
    return None if span is None else DateRange(span[0], span[1], mention.text)


STEP_BACK = {"weekday": (1, "week"), "weekend": (1, "week"), "month": (1, "year"),
             "season": (1, "year"), "month_day": (1, "year"), "day_month": (1, "year"), "slash": (1, "year"),
             "new_years_eve": (1, "year"), "iso": (1, "year")}
"""How a date said about the past steps back when it resolves ahead of today ("sales on Saturday" -> the last
Saturday); "period" and "relative_span" step by their own unit."""


def looking_back(mention: DateMention, today: dt.date) -> tuple[DateRange, bool] | None:
    """The range a date expression means in a question about the past (sales of completed concerts): the last
    occurrence that has begun before today, never a range that lies wholly ahead ("next Saturday" -> the last
    Saturday, "this summer" in March -> last summer, "next 30 days" -> the last 30 days). The flag says whether
    the range was moved back from what the words say looking ahead. A date with a year stays as said."""
    resolved = resolve(mention, today, prefer="past")
    if resolved is None or mention.kind in ANCHORED_KINDS or mention.kind in YEAR_KINDS or mention.kind == "day_word":
        return None if resolved is None else (resolved, False)
    groups = mention.match.groupdict()
    if groups.get("year"):
        return resolved, False
    span = (resolved.start, resolved.end)
    moved = False
    for _ in range(3):
        if span[0] < today:
            break
        if mention.kind == "relative_span":
            length = span[1] - span[0]
            span = (today - length, today)
        elif mention.kind == "period":
            span = shift(span, -1, str(groups["unit"]).lower())
        else:
            n, unit = STEP_BACK.get(mention.kind, (1, "year"))
            span = shift(span, -n, unit)
        moved = True
    return DateRange(span[0], span[1], mention.text), moved


def parse_dates(text: str, today: dt.date, prefer: Prefer = "future",
                anchor: tuple[dt.date, dt.date] | None = None) -> list[DateRange]:
    """Every date expression of the message, resolved."""
    return [r for m in find_dates(text) if (r := resolve(m, today, prefer, anchor)) is not None]


def shift(span: tuple[dt.date, dt.date], n: int, unit: str) -> tuple[dt.date, dt.date]:
    """The range moved by `n` units (day, week, month, year), keeping its shape: a day stays a day, and a whole
    month (or year) becomes the whole month (or year) `n` units away."""
    start, end = span
    if unit in {"day", "week"}:
        delta = dt.timedelta(days=n * (7 if unit == "week" else 1))
        return start + delta, end + delta
    months = n * (12 if unit == "year" else 1)
    whole_months = start.day == 1 and end == _month_end(end.year, end.month)
    new_start = _add_months(start, months)
    if whole_months:
        last = _add_months(dt.date(end.year, end.month, 1), months)
        return new_start, _month_end(last.year, last.month)
    return new_start, _add_months(end, months)


def with_year(span: tuple[dt.date, dt.date], year: int) -> tuple[dt.date, dt.date]:
    """The same part of the calendar (a month, a season, a day) in another year."""
    return shift(span, year - span[0].year, "year")


def whole_year(span: tuple[dt.date, dt.date]) -> bool:
    """Whether the range is exactly one calendar year, or more."""
    start, end = span
    return (end - start).days >= 364


def _plausible_month(m: re.Match[str]) -> bool:
    """'may' and 'march' are also verbs, 'jan' and 'dec' also names: a bare short or ambiguous month needs a
    preposition or a year beside it, or a capital."""
    if m.group("dir") or m.group("year"):
        return True
    word = m.group("month").rstrip(".")
    if word.lower() == "may":
        return False
    if word.lower() in {"march", "mar"}:
        return word[:1].isupper()
    return len(word) > 3 or word[:1].isupper()


def _plausible_weekday(m: re.Match[str]) -> bool:
    """'sat', 'wed' and 'sun' are also words: an abbreviated weekday needs a capital or 'this'/'next'."""
    word = m.group("weekday")
    return bool(m.group("dir")) or len(word) > 4 or word[:1].isupper()


def _resolve(mention: DateMention, today: dt.date, prefer: Prefer) -> tuple[dt.date, dt.date] | None:
    m, kind = mention.match, mention.kind
    groups = m.groupdict()
    direction = (groups.get("dir") or "").lower()
    if kind in {"iso", "slash", "month_day", "day_month"}:
        month = MONTHS[m.group("month").lower().rstrip(".")] if not m.group("month").isdigit() \
            else int(m.group("month"))
        day = int(m.group("day"))
        year = _year(groups.get("year"))
        if year is None:
            return _single(_next_or_last(today, month, day, prefer))
        return _single(dt.date(year, month, day))
    if kind == "new_years_eve":
        return _single(_next_or_last(today, 12, 31, prefer))
    if kind == "day_word":
        word = " ".join(m.group("word").lower().split())
        days = {"tomorrow": 1, "the day after tomorrow": 2}.get(word, 0)
        return _single(today + dt.timedelta(days=days))
    if kind == "weekday":
        target = WEEKDAYS[m.group("weekday").lower()[:3]]
        if direction in {"last", "past"}:
            return _single(today - dt.timedelta(days=(today.weekday() - target - 1) % 7 + 1))
        ahead = (target - today.weekday()) % 7
        if direction == "next" and ahead == 0:
            ahead = 7
        return _single(today + dt.timedelta(days=ahead))
    if kind == "weekend":
        saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() == 6:
            saturday = today - dt.timedelta(days=1)
        if direction == "next":
            saturday += dt.timedelta(days=7)
        if direction in {"last", "past"}:
            saturday -= dt.timedelta(days=7)
        return (saturday if prefer == "past" else max(saturday, today)), saturday + dt.timedelta(days=1)
    if kind == "period":
        return _period(m.group("unit").lower(), direction, today)
    if kind == "relative_span":
        n_text = m.group("n").lower()
        n = int(n_text) if n_text.isdigit() else NUMBER_WORDS[n_text]
        days = n * UNITS[m.group("unit").lower()]
        if direction in {"last", "past"}:
            return today - dt.timedelta(days=days), today
        return today, today + dt.timedelta(days=days)
    if kind == "season":
        return _season(m.group("season").lower(), direction, _year(groups.get("year")), today, prefer)
    if kind == "month":
        month = MONTHS[m.group("month").lower().rstrip(".")]
        year = _year(groups.get("year"))
        if year is None:
            if direction == "next":
                year = today.year + (1 if month <= today.month else 0)
            elif direction == "last":
                year = today.year - (1 if month >= today.month else 0)
            elif direction == "this":
                year = today.year
            else:
                first = dt.date(today.year, month, 1)
                last = _month_end(today.year, month)
                if prefer == "past":
                    year = today.year if first <= today else today.year - 1
                else:
                    year = today.year if last >= today else today.year + 1
        return dt.date(year, month, 1), _month_end(year, month)
    if kind in YEAR_KINDS:
        year = int(m.group("year"))
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    return None


def _anchored(mention: DateMention, anchor: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date] | None:
    m, kind = mention.match, mention.kind
    direction = (m.groupdict().get("dir") or "").lower()
    backwards = direction in {"earlier", "before", "sooner", "prior", "previous", "preceding"}
    if kind == "shift":
        n_text = m.group("n").lower()
        n = int(n_text) if n_text.isdigit() else NUMBER_WORDS.get(n_text, 1)
        return shift(anchor, -n if backwards else n, m.group("unit").lower())
    if kind == "following_weekday":
        target = WEEKDAYS[m.group("weekday").lower()[:3]]
        after = anchor[1]
        return _single(after + dt.timedelta(days=(target - after.weekday() - 1) % 7 + 1))
    unit = m.group("unit").lower()
    if unit == "weekend":
        if backwards:
            saturday = anchor[0] - dt.timedelta(days=(anchor[0].weekday() - 5) % 7 or 7)
        else:
            saturday = anchor[1] + dt.timedelta(days=(5 - anchor[1].weekday() - 1) % 7 + 1)
        return saturday, saturday + dt.timedelta(days=1)
    return shift(anchor, -1 if backwards else 1, unit)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _single(day: dt.date) -> tuple[dt.date, dt.date]:
    return day, day


def _year(text: str | None) -> int | None:
    if not text:
        return None
    year = int(text)
    return year + 2000 if year < 100 else year


def _next_or_last(today: dt.date, month: int, day: int, prefer: Prefer) -> dt.date:
    candidate = dt.date(today.year, month, day)
    if prefer == "past":
        return candidate if candidate <= today else dt.date(today.year - 1, month, day)
    return candidate if candidate >= today else dt.date(today.year + 1, month, day)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _period(unit: str, direction: str, today: dt.date) -> tuple[dt.date, dt.date]:
    step = {"this": 0, "coming": 1, "next": 1, "last": -1}.get(direction, 0)
    if unit == "week":
        monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=step)
        return monday, monday + dt.timedelta(days=6)
    if unit == "month":
        index = today.year * 12 + today.month - 1 + step
        year, month = divmod(index, 12)
        return dt.date(year, month + 1, 1), _month_end(year, month + 1)
    year = today.year + step
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _season(name: str, direction: str, year: int | None, today: dt.date,
            prefer: Prefer) -> tuple[dt.date, dt.date]:
    first, last = SEASONS[name]

    def span(y: int) -> tuple[dt.date, dt.date]:
        if first > last:  # winter runs from December into the next year
            return dt.date(y, first, 1), _month_end(y + 1, last)
        return dt.date(y, first, 1), _month_end(y, last)

    if year is not None:
        return span(year)
    # The season that contains today, or the one this year, is "this"; "next" and "last" step a year.
    base = today.year - 1 if (first > last and today.month <= last) else today.year
    if direction in {"next", "coming"}:
        start, end = span(base)
        return span(base + 1) if start <= today else (start, end)
    if direction == "last":
        start, end = span(base)
        return span(base - 1) if end >= today else (start, end)
    if direction == "this" or not direction:
        start, end = span(base)
        if prefer == "future" and end < today:  # "this summer" in October: concerts next summer
            return span(base + 1)
        if not direction and prefer == "past" and start > today:
            return span(base - 1)
        return start, end
    return span(base)
