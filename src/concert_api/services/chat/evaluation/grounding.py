"""Checks that every number a reply states comes from its `data`."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

_DAY = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                  r"(\d{4})\b")
_ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_NUMBER = re.compile(r"(?<![\w.])\$?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(%?)")
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                                       "Dec"), start=1)}


def ungrounded_numbers(message: str, data: Any) -> list[str]:
    """The numbers (and dates) in `message` that no value of `data` accounts for.

    A number is grounded when a numeric value of the data rounds to it at the precision shown (x100 for a
    percentage), or when it appears inside a string value (a reason, a date); a date is grounded when its ISO
    form appears in the data. List markers ("1.", "2.") are grounded by a rank or position in the data."""
    numbers = list(_numbers(data))
    strings = list(_strings(data))
    missing = []
    text = message
    for m in _DAY.finditer(message):
        iso = dt.date(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1))).isoformat()
        if not any(iso in s for s in strings):
            missing.append(m.group(0))
    text = _DAY.sub(" ", text)
    for m in _ISO.finditer(text):
        if not any(m.group(0) in s for s in strings):
            missing.append(m.group(0))
    text = _ISO.sub(" ", text)
    for m in _NUMBER.finditer(text):
        whole, decimals, percent = m.group(1).replace(",", ""), m.group(2) or "", m.group(3)
        value = float(f"{whole}.{decimals}" if decimals else whole)
        places = len(decimals)
        candidates = numbers + ([n * 100 for n in numbers] if percent else [])
        if any(abs(round(n, places) - value) < 10 ** -places / 2 + 1e-9 for n in candidates):
            continue
        if any(m.group(0).lstrip("$") in s for s in strings):
            continue
        missing.append(m.group(0))
    return missing


def _numbers(value: Any) -> Iterator[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list | tuple):
        yield from _numbers_in_list(value)


def _numbers_in_list(values: list[Any] | tuple[Any, ...]) -> Iterator[float]:
    for i, v in enumerate(values):
        yield float(i + 1)  # a list's positions number its lines
        yield from _numbers(v)
    yield float(len(values))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)
