"""The ticket-sales model's features: per-artist, per-venue and per-genre-in-city aggregates of the sales history
as of a date, written once and used by training, the local feature store and the SageMaker path alike.

Every aggregate reads only completed concerts strictly before `:as_of`. The statements return sums and counts
rather than averages: `concert_api.ml.transform` turns them into shrunk averages. Nothing is subtracted from
them: training and evaluation ask for the aggregates as of the start of each concert's 91-day period
(`ml.dataset.point_in_time_columns`), and serving as of the earlier of today and the event date, so no row's
features contain its own outcome or a later one (point in time; leave-one-out averages were tried and dropped).

Column names are shared: `AGGREGATE_COLUMNS` lists the aggregate columns every statement below returns for an
(artist, venue) pair, whatever the statement.
"""

# One row per completed concert of the history, with what the aggregates need.
_HISTORY = """
history AS (
    SELECT c.artist_id, c.venue_id, a.genre, v.city, v.state,
           CAST(s.tickets_sold AS DOUBLE PRECISION) AS tickets,
           LEAST(1.0, CAST(s.tickets_sold AS DOUBLE PRECISION) / v.capacity) AS sell_through,
           LN(LEAST(1.0, CAST(GREATEST(s.tickets_sold, 1) AS DOUBLE PRECISION) / v.capacity)) AS log_sell_through,
           CASE WHEN s.tickets_sold >= v.capacity THEN 1 ELSE 0 END AS sold_out,
           LN(c.ticket_price) AS log_price,
           LN(CAST(v.capacity AS DOUBLE PRECISION)) AS log_capacity,
           a.popularity
    FROM concerts c
    JOIN ticket_sales s ON s.concert_id = c.concert_id
    JOIN venues v ON v.venue_id = c.venue_id
    JOIN artists a ON a.artist_id = c.artist_id
    WHERE c.status = 'completed' AND c.event_date < CAST(:as_of AS DATE)
)"""

_ARTIST_SUMS = """
    COUNT(*) AS a_n, SUM(sell_through) AS a_sum_st, SUM(log_sell_through) AS a_sum_log_st,
    SUM(sold_out) AS a_sum_sold_out, SUM(log_price) AS a_sum_log_price, SUM(log_capacity) AS a_sum_log_capacity"""

_VENUE_SUMS = """
    COUNT(*) AS v_n, SUM(sell_through) AS v_sum_st, SUM(log_sell_through) AS v_sum_log_st,
    SUM(tickets) AS v_sum_tickets, SUM(log_price) AS v_sum_log_price, SUM(popularity) AS v_sum_popularity"""

_GENRE_CITY_SUMS = """
    COUNT(*) AS gc_n, SUM(sell_through) AS gc_sum_st, SUM(log_sell_through) AS gc_sum_log_st"""

_GENRE_SUMS = """
    COUNT(*) AS g_n, SUM(sell_through) AS g_sum_st, SUM(log_sell_through) AS g_sum_log_st"""

ARTIST_AGGREGATE_COLUMNS = ("a_n", "a_sum_st", "a_sum_log_st", "a_sum_sold_out", "a_sum_log_price",
                            "a_sum_log_capacity")  # fmt: skip
VENUE_AGGREGATE_COLUMNS = ("v_n", "v_sum_st", "v_sum_log_st", "v_sum_tickets", "v_sum_log_price",
                           "v_sum_popularity")  # fmt: skip
GENRE_CITY_AGGREGATE_COLUMNS = ("gc_n", "gc_sum_st", "gc_sum_log_st")
GENRE_AGGREGATE_COLUMNS = ("g_n", "g_sum_st", "g_sum_log_st")
AGGREGATE_COLUMNS = (ARTIST_AGGREGATE_COLUMNS + VENUE_AGGREGATE_COLUMNS + GENRE_CITY_AGGREGATE_COLUMNS
                     + GENRE_AGGREGATE_COLUMNS)  # fmt: skip
"""The aggregate columns of a feature row; absent history gives NULL sums and a zero count."""

# --- Bulk: the local feature store and training -------------------------------------------------------

ARTISTS_WITH_AGGREGATES = f"""
WITH {_HISTORY},
agg AS (SELECT artist_id, {_ARTIST_SUMS} FROM history GROUP BY artist_id)
SELECT a.artist_id, a.genre, a.popularity, COALESCE(agg.a_n, 0) AS a_n, agg.a_sum_st, agg.a_sum_log_st,
       agg.a_sum_sold_out, agg.a_sum_log_price, agg.a_sum_log_capacity
FROM artists a
LEFT JOIN agg ON agg.artist_id = a.artist_id
ORDER BY a.artist_id
"""

VENUES_WITH_AGGREGATES = f"""
WITH {_HISTORY},
agg AS (SELECT venue_id, {_VENUE_SUMS} FROM history GROUP BY venue_id)
SELECT v.venue_id, v.city, v.state, v.capacity, v.venue_type, COALESCE(ci.population, 0) AS city_population,
       COALESCE(agg.v_n, 0) AS v_n, agg.v_sum_st, agg.v_sum_log_st, agg.v_sum_tickets, agg.v_sum_log_price,
       agg.v_sum_popularity
FROM venues v
LEFT JOIN cities ci ON ci.city = v.city AND ci.state = v.state
LEFT JOIN agg ON agg.venue_id = v.venue_id
ORDER BY v.venue_id
"""

GENRE_CITY_AGGREGATES = f"""
WITH {_HISTORY}
SELECT genre, city, state, {_GENRE_CITY_SUMS}
FROM history
GROUP BY genre, city, state
ORDER BY genre, city, state
"""

GENRE_AGGREGATES = f"""
WITH {_HISTORY}
SELECT genre, {_GENRE_SUMS}
FROM history
GROUP BY genre
ORDER BY genre
"""

COMPLETED_CONCERTS = """
SELECT c.concert_id, c.artist_id, c.venue_id, c.event_date, c.ticket_price,
       CAST(s.tickets_sold AS DOUBLE PRECISION) AS tickets_sold
FROM concerts c
JOIN ticket_sales s ON s.concert_id = c.concert_id
WHERE c.status = 'completed' AND c.event_date < CAST(:as_of AS DATE)
ORDER BY c.event_date, c.concert_id
"""
"""The training rows: every completed concert before `:as_of`, oldest first, with its outcome."""

_FEATURE_COLUMNS = """a.artist_id, a.genre, a.popularity,
       v.venue_id, v.city, v.state, v.capacity, v.venue_type, COALESCE(ci.population, 0) AS city_population,
       COALESCE(aa.a_n, 0) AS a_n, aa.a_sum_st, aa.a_sum_log_st, aa.a_sum_sold_out, aa.a_sum_log_price,
       aa.a_sum_log_capacity,
       COALESCE(va.v_n, 0) AS v_n, va.v_sum_st, va.v_sum_log_st, va.v_sum_tickets, va.v_sum_log_price,
       va.v_sum_popularity,
       COALESCE(gca.gc_n, 0) AS gc_n, gca.gc_sum_st, gca.gc_sum_log_st,
       COALESCE(ga.g_n, 0) AS g_n, ga.g_sum_st, ga.g_sum_log_st"""
"""The feature columns every feature query returns (aliases `a` artist, `v` venue, `ci` city, `aa`/`va`/`gca`/`ga`
the artist, venue, genre-city and genre aggregates)."""

_GENRE_JOINS = f"""
LEFT JOIN (SELECT genre, city, state, {_GENRE_CITY_SUMS} FROM history GROUP BY genre, city, state) gca
       ON gca.genre = a.genre AND gca.city = v.city AND gca.state = v.state
LEFT JOIN (SELECT genre, {_GENRE_SUMS} FROM history GROUP BY genre) ga ON ga.genre = a.genre"""
"""The genre-city and genre aggregates, joined the same way by every feature query."""

SCHEDULED_CONCERT_FEATURES = f"""
WITH {_HISTORY},
upcoming AS (
    SELECT c.concert_id, c.artist_id, c.venue_id, c.event_date, c.ticket_price
    FROM concerts c
    WHERE c.status = 'scheduled'
      AND c.event_date >= CAST(:start AS DATE) AND c.event_date < CAST(:end AS DATE)
      AND (CAST(:venue_ids AS VARCHAR) = ''
           OR POSITION(',' || c.venue_id || ',' IN CAST(:venue_ids AS VARCHAR)) > 0)
)
SELECT u.concert_id, u.event_date, u.ticket_price,
       {_FEATURE_COLUMNS}
FROM upcoming u
JOIN artists a ON a.artist_id = u.artist_id
JOIN venues v ON v.venue_id = u.venue_id
LEFT JOIN cities ci ON ci.city = v.city AND ci.state = v.state
LEFT JOIN (SELECT artist_id, {_ARTIST_SUMS} FROM history
           WHERE artist_id IN (SELECT artist_id FROM upcoming) GROUP BY artist_id) aa ON aa.artist_id = a.artist_id
LEFT JOIN (SELECT venue_id, {_VENUE_SUMS} FROM history
           WHERE venue_id IN (SELECT venue_id FROM upcoming) GROUP BY venue_id) va ON va.venue_id = v.venue_id
{_GENRE_JOINS}
ORDER BY u.venue_id, u.event_date, u.concert_id
"""
"""Each scheduled concert in [`:start`, `:end`), optionally only at the venues of the comma-framed `:venue_ids`
(`,venue_001,venue_002,`), with the feature columns of `REQUEST_FEATURES` (aggregates as of `:as_of`): what the
venue forecast predicts and averages."""

LATEST_COMPLETED_DATE = """
SELECT MAX(c.event_date) AS latest
FROM concerts c
WHERE c.status = 'completed'
"""

# --- One request: the SageMaker path, where every prediction reads Redshift --------------------------

REQUEST_FEATURES = f"""
WITH {_HISTORY}
SELECT {_FEATURE_COLUMNS}
FROM (SELECT 1 AS one) k
LEFT JOIN artists a ON a.artist_id = CAST(:artist_id AS VARCHAR)
LEFT JOIN venues v ON v.venue_id = CAST(:venue_id AS VARCHAR)
LEFT JOIN cities ci ON ci.city = v.city AND ci.state = v.state
LEFT JOIN (SELECT artist_id, {_ARTIST_SUMS} FROM history
           WHERE artist_id = CAST(:artist_id AS VARCHAR) GROUP BY artist_id) aa ON aa.artist_id = a.artist_id
LEFT JOIN (SELECT venue_id, {_VENUE_SUMS} FROM history
           WHERE venue_id = CAST(:venue_id AS VARCHAR) GROUP BY venue_id) va ON va.venue_id = v.venue_id
{_GENRE_JOINS}
"""
"""Exactly one row for (`:artist_id`, `:venue_id`, `:as_of`): the artist's and the venue's attributes and the
aggregates of the history before `:as_of`. A NULL `artist_id` (or `venue_id`) in it means no such artist (venue)."""
