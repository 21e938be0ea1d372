"""The venue-metrics refresh and the ranking SQL, on a hand-made warehouse whose answers are known."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from concert_api.adapters.warehouse import schema
from concert_api.adapters.warehouse.base import to_driver_style
from concert_api.adapters.warehouse.queries import refresh, venues
from concert_api.models import RANK_BY


@pytest.fixture
def conn():
    connection = duckdb.connect(":memory:")
    for statement in schema.ddl("duckdb"):
        connection.execute(statement)
    yield connection
    connection.close()


def _venue(conn, venue_id, capacity, concerts, sold, start=dt.date(2024, 1, 1), days_apart=7, kind="club",
           price=50.0):
    conn.execute(
        "INSERT INTO venues VALUES (?, ?, 'Chicago', 'IL', 41.88, -87.63, ?, ?)",
        [venue_id, venue_id.title(), capacity, kind],
    )
    for i in range(concerts):
        concert_id = f"{venue_id}_c{i}"
        conn.execute(
            "INSERT INTO concerts VALUES (?, 'artist_001', ?, ?, 50.0, 'completed')",
            [concert_id, venue_id, start + dt.timedelta(days=days_apart * i)],
        )
        conn.execute("INSERT INTO ticket_sales VALUES (?, ?, ?, ?)", [concert_id, sold, sold * price, price])


def _rank(conn, **params):
    defaults = {"top_n": 10, "min_events": 0, "city": "", "state": "", "venue_type": "", "rank_by": "popularity"}
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


def _arena_and_clubs(conn):
    """A busy arena (20,000 seats, 85% full, weekly) and full little clubs (250 seats, 98% full, monthly)."""
    conn.execute("INSERT INTO artists VALUES ('artist_001', 'A', 'rock', 50, NULL, NULL)")
    _venue(conn, "venue_arena", 20_000, 60, 17_000, kind="arena", price=90.0)
    _venue(conn, "venue_arena_quiet", 15_000, 12, 9_000, kind="arena", days_apart=60, price=70.0)
    for i in range(3):
        _venue(conn, f"venue_club_{i}", 250, 40, 245 - i, days_apart=30, price=25.0)
    for statement in refresh.REFRESH_STATEMENTS:
        conn.execute(statement)


def test_a_full_arena_with_ten_times_the_revenue_outranks_a_full_club(conn):
    # Given a busy arena and small clubs that are nearly always full
    _arena_and_clubs(conn)
    # When venues are ranked by the default, popularity
    ranked = _rank(conn)
    # Then the arena comes first, though a club has the higher attendance rate
    assert ranked[0]["venue_id"] == "venue_arena"
    assert max(v["avg_attendance_rate"] for v in ranked) > ranked[0]["avg_attendance_rate"]
    # and the score is the documented composite of percentile ranks
    scores = [v["popularity_score"] for v in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= score <= 1.0 for score in scores)


def test_popularity_score_is_the_weighted_sum_of_its_percentile_components(conn):
    _arena_and_clubs(conn)
    arena = conn.execute("SELECT popularity_score FROM venue_metrics WHERE venue_id = 'venue_arena'").fetchone()[0]
    # the arena tops its type on demand (1 of 2 arenas), and all five venues on scale and on activity
    assert arena == pytest.approx(refresh.DEMAND_WEIGHT + refresh.SCALE_WEIGHT + refresh.ACTIVITY_WEIGHT)
    club = conn.execute("SELECT popularity_score FROM venue_metrics WHERE venue_id = 'venue_club_0'").fetchone()[0]
    # the fullest club tops the clubs on demand; on scale (245 tickets) it is third of five (percent rank 2/4);
    # monthly bookings tie the three clubs just above the quiet arena (percent rank 1/4)
    assert club == pytest.approx(refresh.DEMAND_WEIGHT * 1.0 + refresh.SCALE_WEIGHT * 0.5
                                 + refresh.ACTIVITY_WEIGHT * 0.25)  # fmt: skip


@pytest.mark.parametrize(
    ("rank_by", "column"),
    [("attendance_rate", "avg_attendance_rate"), ("revenue", "revenue_per_event"), ("bookings", "booking_frequency"),
     ("tickets", "tickets_per_event"), ("popularity", "popularity_score")],
)  # fmt: skip
def test_rank_by_orders_by_the_measure_it_names(conn, rank_by, column):
    _arena_and_clubs(conn)
    ranked = _rank(conn, rank_by=rank_by)
    values = [v[column] for v in ranked]
    assert values == sorted(values, reverse=True)
    assert [v["popularity_rank"] for v in ranked] == list(range(1, len(ranked) + 1))


def test_rank_by_attendance_rate_puts_the_fullest_club_first(conn):
    _arena_and_clubs(conn)
    assert _rank(conn, rank_by="attendance_rate")[0]["venue_id"] == "venue_club_0"
    assert _rank(conn, rank_by="revenue")[0]["venue_id"] == "venue_arena"


def test_every_rank_by_of_the_request_has_a_stored_order():
    # the request model's choices, the measures the refresh orders by and the summary table's columns agree
    assert tuple(refresh.RANK_MEASURES) == RANK_BY
    stored = {c.name for c in schema.VENUE_METRICS.columns}
    assert {f"rank_{rank_by}" for rank_by in RANK_BY} <= stored


@pytest.mark.parametrize("rank_by", RANK_BY)
def test_a_filtered_ranking_is_the_full_ranking_with_the_others_left_out(conn, rank_by):
    # Given the arenas and clubs spread over two cities
    _arena_and_clubs(conn)
    conn.execute("UPDATE venues SET city = 'Evanston' WHERE venue_id IN ('venue_club_1', 'venue_arena_quiet')")
    for statement in refresh.REFRESH_STATEMENTS:
        conn.execute(statement)
    # When one city's venues are ranked
    everywhere = _rank(conn, rank_by=rank_by, top_n=100)
    evanston = _rank(conn, rank_by=rank_by, top_n=100, city="evanston")
    # Then they come in the order of the full ranking, renumbered from 1
    assert [v["venue_id"] for v in evanston] == [v["venue_id"] for v in everywhere if v["city"] == "Evanston"]
    assert [v["popularity_rank"] for v in evanston] == [1, 2]
