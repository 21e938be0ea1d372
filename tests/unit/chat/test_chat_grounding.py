"""The grounding check: numbers only from numeric values, dates only from date-typed strings, list positions only
as line markers."""

from __future__ import annotations

import pytest

from concert_tools.chat_evaluation.grounding import ungrounded_numbers

DATA = {"tool": "x", "parameters": {"artist": "artist_054", "top_n": 3},
        "result": {"tickets_sold": 356361, "revenue": 35067162.4, "avg_price": 96.478, "rate": 0.8538,
                   "attendance_pct": 64.6, "event_date": "2025-06-06", "updated": "2025-05-01T10:00:00Z",
                   "reason": "sold out 12 times", "venue": "Studio 54",
                   "items": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}]}}


@pytest.mark.parametrize("message", [
    "356,361 tickets sold for $35,067,162.",  # thousands separators, currency rounded to the shown precision
    "$96.48 average price paid",
    "85.4% attendance",  # a 0-1 rate as a percentage
    "64.6% average attendance",  # a percentage value as it is
    "on Fri 6 Jun 2025 and 2025-05-01",  # date-typed strings
    "1. a\n2. b\n3. c\n4. d",  # line markers up to the longest list
    "the top 3",  # a numeric parameter
    "Studio 54 ranks first",  # a whole name quoted verbatim
    "The reason: sold out 12 times.",  # a whole string value quoted verbatim
])
def test_grounded(message):
    assert ungrounded_numbers(message, DATA) == []


@pytest.mark.parametrize(("message", "missing"), [
    ("54 concerts", ["54"]),  # only inside an id string and a name
    ("12 times", ["12"]),  # inside a free-text string, not quoted whole
    ("4 artists", ["4"]),  # a list's length is not a figure
    ("ranked 2 of them", ["2"]),  # a list position outside a line marker
    ("5. e", ["5."]),  # a line marker past the longest list
    ("on Sat 7 Jun 2025", ["Sat 7 Jun 2025"]),
    ("see 2025-06", ["2025", "06"]),  # a substring of a date string is not a number
    ("6400% more", ["6400%"]),  # a percentage from a value that is not a 0-1 rate
    ("$96.5", []),  # shown with less precision: still the value
])
def test_ungrounded(message, missing):
    assert ungrounded_numbers(message, DATA) == missing
