"""The venue-metrics refresh and the ranking SQL, on a hand-made warehouse whose answers are known."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from concert_api.adapters.warehouse import schema
from concert_api.adapters.warehouse.base import to_driver_style
from concert_api.adapters.warehouse.queries import refresh, venues


@pytest.fixture
def conn():
    connection = duckdb.connect(":memory:")
    for statement in schema.ddl("duckdb"):
        connection.execute(statement)
    yield connection
    connection.close()


def _venue(conn, venue_id, capacity, concerts, sold, start=dt.date(2024, 1, 1), days_apart=7):
    conn.execute(
        "INSERT INTO venues VALUES (?, ?, 'Chicago', 'IL', 41.88, -87.63, ?, 'club')",
        [venue_id, venue_id.title(), capacity],
    )
    for i in range(concerts):
        concert_id = f"{venue_id}_c{i}"
        conn.execute(
            "INSERT INTO concerts VALUES (?, 'artist_001', ?, ?, 50.0, 'completed')",
            [concert_id, venue_id, start + dt.timedelta(days=days_apart * i)],
        )
        conn.execute("INSERT INTO ticket_sales VALUES (?, ?, ?, 50.0)", [concert_id, sold, sold * 50.0])


def _rank(conn, **params):
    defaults = {"top_n": 10, "min_events": 0, "city": "", "state": "", "venue_type": ""}
    sql = to_driver_style(venues.VENUE_POPULARITY, "dollar")
    cursor = conn.execute(sql, {**defaults, **params})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_two_sold_out_shows_do_not_outrank_two_hundred_nearly_full_ones(conn):
    # Given a venue with 2 sold-out concerts and one with 200 concerts at 90%, among average venues at 60%
    conn.execute("INSERT INTO artists VALUES ('artist_001', 'A', 'rock', 50, NULL, NULL)")
    _venue(conn, "venue_two", 1000, 2, 1000)
    _venue(conn, "venue_many", 1000, 200, 900)
    _venue(conn, "venue_avg", 1000, 100, 600)
    for statement in refresh.REFRESH_STATEMENTS:
        conn.execute(statement)
    # When venues are ranked
    ranked = _rank(conn)
    # Then the venue with the long record ranks first, and the two-show venue is pulled toward the mean
    assert next(v["venue_id"] for v in ranked) == "venue_many"
    two = next(v for v in ranked if v["venue_id"] == "venue_two")
    assert two["avg_attendance_rate"] == pytest.approx(1.0)
    assert two["popularity_score"] < 0.9


def test_metrics_are_computed_as_documented(conn):
    conn.execute("INSERT INTO artists VALUES ('artist_001', 'A', 'rock', 50, NULL, NULL)")
    # 5 concerts, 30.4375 days apart: a span of 4 months -> 5 / 4 = 1.25 concerts per month
    _venue(conn, "venue_x", 2000, 5, 1500, days_apart=30)
    for statement in refresh.REFRESH_STATEMENTS:
        conn.execute(statement)
    row = _rank(conn)[0]
    assert row["total_concerts"] == 5
    assert row["avg_attendance_rate"] == pytest.approx(0.75)
    assert row["revenue_per_event"] == pytest.approx(1500 * 50.0)
    assert row["booking_frequency"] == pytest.approx(
        5 / (conn.execute("SELECT (MAX(event_date) - MIN(event_date)) / 30.4375 FROM concerts").fetchone()[0]), rel=1e-6
    )


def test_min_events_and_top_n_filter_the_ranking(conn):
    conn.execute("INSERT INTO artists VALUES ('artist_001', 'A', 'rock', 50, NULL, NULL)")
    _venue(conn, "venue_a", 1000, 3, 500)
    _venue(conn, "venue_b", 1000, 10, 500)
    _venue(conn, "venue_c", 1000, 12, 400)
    for statement in refresh.REFRESH_STATEMENTS:
        conn.execute(statement)
    assert {v["venue_id"] for v in _rank(conn, min_events=5)} == {"venue_b", "venue_c"}
    assert len(_rank(conn, top_n=1)) == 1
