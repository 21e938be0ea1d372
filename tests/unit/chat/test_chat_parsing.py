"""Dates, prices and counts in messages, against an injected today (Sunday 1 June 2025)."""

from __future__ import annotations

import datetime as dt

import pytest

from concert_api.services.chat.local.dates import parse_dates
from concert_api.services.chat.local.quantities import find_quantities

TODAY = dt.date(2025, 6, 1)


@pytest.mark.parametrize(("text", "start", "end"), [
    ("shows next Friday", "2025-06-06", "2025-06-06"),
    ("on Dec 31", "2025-12-31", "2025-12-31"),
    ("December 31st 2026", "2026-12-31", "2026-12-31"),
    ("this summer", "2025-06-01", "2025-08-31"),
    ("last summer", "2024-06-01", "2024-08-31"),
    ("in July", "2025-07-01", "2025-07-31"),
    ("July 2024", "2024-07-01", "2024-07-31"),
    ("in 2024", "2024-01-01", "2024-12-31"),
    ("tomorrow", "2025-06-02", "2025-06-02"),
    ("the day after tomorrow", "2025-06-03", "2025-06-03"),
    ("next weekend", "2025-06-07", "2025-06-08"),
    ("next month", "2025-07-01", "2025-07-31"),
    ("2025-09-14", "2025-09-14", "2025-09-14"),
    ("12/31", "2025-12-31", "2025-12-31"),
    ("new year's eve", "2025-12-31", "2025-12-31"),
    ("the 4th of July", "2025-07-04", "2025-07-04"),
    ("next 30 days", "2025-06-01", "2025-07-01"),
])
def test_date_expressions_resolve_against_today(text, start, end):
    (found,) = parse_dates(text, TODAY)
    assert (found.start.isoformat(), found.end.isoformat()) == (start, end)


def test_sales_questions_look_back():
    (found,) = parse_dates("in July", TODAY, prefer="past")
    assert found.start == dt.date(2024, 7, 1)


@pytest.mark.parametrize("text", ["we may go", "sat down", "what about march madness"])
def test_words_that_only_look_like_dates_are_not_dates(text):
    assert parse_dates(text, TODAY) == []


def test_prices_counts_and_user_ids():
    found = {(q.kind, q.value) for q in find_quantities("top 5 shows under $60 for user_012, or 45 dollars")}
    assert found == {("count", 5), ("price", 60.0), ("price", 45.0), ("user", "user_012")}
    assert {(q.kind, q.value) for q in find_quantities("give me three venues")} == {("count", 3)}
