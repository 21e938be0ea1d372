"""Summary tables rebuilt on every load, inside the load's transaction.

`venue_metrics` holds one row per venue with the ranking's inputs already aggregated, so that
`POST /venues/popularity` reads a few thousand rows whatever the number of concerts: its latency stays flat as
the data grows, while a query over `ticket_sales` would grow with it.

popularity_score is a composite of three components, each a percentile rank in 0-1 among comparable venues:

* demand (weight 0.4): the attendance rate shrunk for few events, a Bayesian (IMDb-style) average
      attendance_score = (n / (n + m)) * R + (m / (n + m)) * C
  with n the venue's completed concerts, R its average attendance rate, C the mean attendance rate over all
  completed concerts and m = 20; ranked among venues of the same `venue_type` (a full club and a full arena are
  equally in demand for their kind);
* scale (0.4): tickets sold per event, ranked among all venues with completed concerts (what sets an arena with
  20,000 tickets a night apart from a 250-seat club);
* activity (0.2): booking frequency (completed concerts per month over the venue's active span), ranked among
  all venues with completed concerts.

PERCENT_RANK gives 0 to the lowest and 1 to the highest value (ties share a rank); a venue without completed
concerts scores 0. The score ranks; the components stay in the table (`attendance_score`, `tickets_per_event`,
`booking_frequency`) for `rank_by` and for readers.
"""

POPULARITY_PRIOR_WEIGHT = 20
DEMAND_WEIGHT = 0.4
SCALE_WEIGHT = 0.4
ACTIVITY_WEIGHT = 0.2

RANK_MEASURES = {
    "popularity": "popularity_score",
    "attendance_rate": "avg_attendance_rate",
    "revenue": "revenue_per_event",
    "bookings": "booking_frequency",
    "tickets": "tickets_per_event",
}
"""Each `rank_by` choice and the measure it orders by, descending; ties fall back to the composite score, then
to more concerts, then to the venue id, so every order is total."""

RANK_COLUMNS = tuple(f"rank_{rank_by}" for rank_by in RANK_MEASURES)
"""`venue_metrics.rank_<rank_by>`: the venue's place in that order among all venues. A filtered ranking keeps
the relative order, so `POST /venues/popularity` sorts these integers instead of the measures."""

_RANKS = ",\n       ".join(
    f"ROW_NUMBER() OVER (ORDER BY {measure} DESC, popularity_score DESC, total_concerts DESC, venue_id)"
    for measure in RANK_MEASURES.values()
)

DELETE_VENUE_METRICS = "DELETE FROM venue_metrics"

INSERT_VENUE_METRICS = f"""
INSERT INTO venue_metrics
    (venue_id, total_concerts, avg_attendance_rate, revenue_per_event, tickets_per_event,
     booking_frequency, attendance_score, popularity_score,
     name, city, state, latitude, longitude, capacity, venue_type, {", ".join(RANK_COLUMNS)})
WITH per_concert AS (
    SELECT c.venue_id,
           c.event_date,
           CAST(s.tickets_sold AS DOUBLE PRECISION) / v.capacity AS attendance_rate,
           CAST(s.tickets_sold AS DOUBLE PRECISION) AS tickets_sold,
           s.revenue
    FROM concerts c
    JOIN ticket_sales s ON s.concert_id = c.concert_id
    JOIN venues v ON v.venue_id = c.venue_id
    WHERE c.status = 'completed'
),
prior AS (
    SELECT AVG(attendance_rate) AS mean_rate FROM per_concert
),
per_venue AS (
    SELECT venue_id,
           COUNT(*) AS n,
           AVG(attendance_rate) AS avg_rate,
           AVG(revenue) AS revenue_per_event,
           AVG(tickets_sold) AS tickets_per_event,
           CAST(COUNT(*) AS DOUBLE PRECISION)
               / GREATEST(1.0, CAST(MAX(event_date) - MIN(event_date) AS DOUBLE PRECISION) / 30.4375)
               AS booking_frequency
    FROM per_concert
    GROUP BY venue_id
),
shrunk AS (
    SELECT p.*, v.venue_type,
           (p.n * p.avg_rate + {POPULARITY_PRIOR_WEIGHT} * prior.mean_rate) / (p.n + {POPULARITY_PRIOR_WEIGHT})
               AS attendance_score
    FROM per_venue p
    JOIN venues v ON v.venue_id = p.venue_id
    CROSS JOIN prior
),
components AS (
    SELECT venue_id,
           PERCENT_RANK() OVER (PARTITION BY venue_type ORDER BY attendance_score) AS demand,
           PERCENT_RANK() OVER (ORDER BY tickets_per_event) AS scale,
           PERCENT_RANK() OVER (ORDER BY booking_frequency) AS activity
    FROM shrunk
),
metrics AS (
    SELECT v.venue_id,
           COALESCE(s.n, 0) AS total_concerts,
           COALESCE(s.avg_rate, 0.0) AS avg_attendance_rate,
           COALESCE(s.revenue_per_event, 0.0) AS revenue_per_event,
           COALESCE(s.tickets_per_event, 0.0) AS tickets_per_event,
           COALESCE(s.booking_frequency, 0.0) AS booking_frequency,
           COALESCE(s.attendance_score, 0.0) AS attendance_score,
           COALESCE({DEMAND_WEIGHT} * k.demand + {SCALE_WEIGHT} * k.scale + {ACTIVITY_WEIGHT} * k.activity, 0.0)
               AS popularity_score,
           v.name, v.city, v.state, v.latitude, v.longitude, v.capacity, v.venue_type
    FROM venues v
    LEFT JOIN shrunk s ON s.venue_id = v.venue_id
    LEFT JOIN components k ON k.venue_id = v.venue_id
)
SELECT venue_id, total_concerts, avg_attendance_rate, revenue_per_event, tickets_per_event, booking_frequency,
       attendance_score, popularity_score, name, city, state, latitude, longitude, capacity, venue_type,
       {_RANKS}
FROM metrics
"""

DELETE_USER_ARTISTS = "DELETE FROM user_artists"

INSERT_USER_ARTISTS = """
INSERT INTO user_artists (user_id, artist_id, genre, times_attended)
SELECT t.user_id, c.artist_id, a.genre, COUNT(*)
FROM attendance t
JOIN concerts c ON c.concert_id = t.concert_id
JOIN artists a ON a.artist_id = c.artist_id
GROUP BY t.user_id, c.artist_id, a.genre
"""
"""Each user's attendance per artist: what the personalised recommendations read, without joining attendance to
concerts on every request."""

SIMILAR_ARTISTS_KEPT = 50
"""Neighbours kept per artist: enough to reach past the global stars, small enough for a join per request."""

SIMILARITY_SHRINK = 5
"""Added to the cosine's denominator, so a pair seen together by two fans does not look like a certainty."""

DELETE_ARTIST_SIMILARITY = "DELETE FROM artist_similarity"

INSERT_ARTIST_SIMILARITY = f"""
INSERT INTO artist_similarity (artist_id, similar_artist_id, co_users, similarity)
WITH fans AS (
    SELECT artist_id, COUNT(*) AS n FROM user_artists GROUP BY artist_id
),
pairs AS (
    SELECT a.artist_id, b.artist_id AS similar_artist_id, COUNT(*) AS co_users
    FROM user_artists a
    JOIN user_artists b ON b.user_id = a.user_id AND b.artist_id <> a.artist_id
    GROUP BY a.artist_id, b.artist_id
),
scored AS (
    SELECT p.artist_id, p.similar_artist_id, p.co_users,
           CAST(p.co_users AS DOUBLE PRECISION)
               / (SQRT(CAST(fa.n AS DOUBLE PRECISION) * CAST(fb.n AS DOUBLE PRECISION)) + {SIMILARITY_SHRINK})
               AS similarity
    FROM pairs p
    JOIN fans fa ON fa.artist_id = p.artist_id
    JOIN fans fb ON fb.artist_id = p.similar_artist_id
),
ranked AS (
    SELECT artist_id, similar_artist_id, co_users, similarity,
           ROW_NUMBER() OVER (PARTITION BY artist_id ORDER BY similarity DESC, similar_artist_id) AS neighbour
    FROM scored
)
SELECT artist_id, similar_artist_id, co_users, similarity
FROM ranked
WHERE neighbour <= {SIMILAR_ARTISTS_KEPT}
"""
"""Item-item collaborative filtering: for each artist, the artists most often attended by the same users,
as a shrunk cosine  co_users / (sqrt(fans_a * fans_b) + shrink). It reads `user_artists`, so it runs after it."""

REFRESH_STATEMENTS: tuple[str, ...] = (DELETE_VENUE_METRICS, INSERT_VENUE_METRICS, DELETE_USER_ARTISTS,
                                       INSERT_USER_ARTISTS, DELETE_ARTIST_SIMILARITY,
                                       INSERT_ARTIST_SIMILARITY)  # fmt: skip
"""Run in order, inside the load's transaction, after every loaded table is in place."""
