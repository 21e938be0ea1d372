"""Checks that every number a reply states comes from its `data`.

Strict on purpose: a number is grounded only by a *numeric* value of the data (at the precision shown, with
thousands separators and a `$` allowed; a percentage also by a 0-1 rate times 100), and a date only by a
*date-typed* string of the data (`YYYY-MM-DD`, optionally with a time). Digits inside other strings (ids such
as `artist_054`, free text) ground nothing, and neither does the length of a list. A list's position is
accepted only as a line marker at the start of a line ("1. ..."), up to the length of the data's longest list.
A string value of the data that contains digits (a name such as "Studio 54") may be quoted verbatim: the
digits of a whole quoted name are not a figure.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

_DAY = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                  r"(\d{4})\b")
_ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_DATE_VALUE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.+\-Z]*)?$")
_LINE_MARKER = re.compile(r"^([ \t]*)(\d{1,3})\.(?=\s)", re.MULTILINE)
_NUMBER = re.compile(r"(?<![\w.])\$?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(%?)")
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                                       "Dec"), start=1)}


def ungrounded_numbers(message: str, data: Any) -> list[str]:
    """The numbers (and dates) in `message` that no value of `data` accounts for (see the module's rules)."""
    numbers = list(_numbers(data))
    strings = list(_strings(data))
    dates = {m.group(1) for s in strings if (m := _DATE_VALUE.match(s))}
    longest = max(_list_lengths(data), default=0)
    missing: list[str] = []
    text = message
    for name in sorted({s for s in strings if _quotable(s)}, key=len, reverse=True):
        text = re.sub(rf"(?<![\w]){re.escape(name)}(?![\w])", " ", text)
    for m in _DAY.finditer(text):
        iso = dt.date(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1))).isoformat()
        if iso not in dates:
            missing.append(m.group(0))
    text = _DAY.sub(" ", text)
    for m in _ISO.finditer(text):
        if m.group(0) not in dates:
            missing.append(m.group(0))
    text = _ISO.sub(" ", text)
    for m in _LINE_MARKER.finditer(text):
        if not 1 <= int(m.group(2)) <= longest and not _matches(float(m.group(2)), 0, numbers):
            missing.append(m.group(2) + ".")
    text = _LINE_MARKER.sub(lambda m: m.group(1) + " ", text)
    for m in _NUMBER.finditer(text):
        whole, decimals, percent = m.group(1).replace(",", ""), m.group(2) or "", m.group(3)
        value = float(f"{whole}.{decimals}" if decimals else whole)
        candidates = numbers + ([100 * n for n in numbers if 0 <= n <= 1] if percent else [])
        if not _matches(value, len(decimals), candidates):
            missing.append(m.group(0))
    return missing


def _matches(value: float, places: int, candidates: list[float]) -> bool:
    return any(abs(round(n, places) - value) < 10 ** -places / 2 + 1e-9 for n in candidates)


def _quotable(s: str) -> bool:
    """A string with digits that is not itself a number or a date: a name that may be quoted whole."""
    return (len(s) >= 3 and any(c.isdigit() for c in s) and any(c.isalpha() for c in s)
            and _DATE_VALUE.match(s) is None and not re.fullmatch(r"[\w]+_\d+", s))


def _numbers(value: Any) -> Iterator[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _numbers(v)


def _list_lengths(value: Any) -> Iterator[int]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _list_lengths(v)
    elif isinstance(value, list | tuple):
        yield len(value)
        for v in value:
            yield from _list_lengths(v)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)
