"""Summary tables rebuilt on every load, inside the load's transaction.

`venue_metrics` holds one row per venue with the ranking's inputs already aggregated, so that
`POST /venues/popularity` reads a few thousand rows whatever the number of concerts: its latency stays flat as
the data grows, while a query over `ticket_sales` would grow with it.

popularity_score is a Bayesian (IMDb-style weighted) average of the attendance rate:
    score = (n / (n + m)) * R + (m / (n + m)) * C
with n the venue's completed concerts, R its average attendance rate, C the mean attendance rate over all
completed concerts and m = 20 the prior weight. A venue with two sold-out shows sits close to C; one with two
hundred full houses keeps its own rate.
"""

POPULARITY_PRIOR_WEIGHT = 20

DELETE_VENUE_METRICS = "DELETE FROM venue_metrics"

INSERT_VENUE_METRICS = f"""
INSERT INTO venue_metrics
    (venue_id, total_concerts, avg_attendance_rate, revenue_per_event,
     booking_frequency, popularity_score)
WITH per_concert AS (
    SELECT c.venue_id,
           c.event_date,
           CAST(s.tickets_sold AS DOUBLE PRECISION) / v.capacity AS attendance_rate,
           s.revenue
    FROM concerts c
    JOIN ticket_sales s ON s.concert_id = c.concert_id
    JOIN venues v ON v.venue_id = c.venue_id
    WHERE c.status = 'completed'
),
per_venue AS (
    SELECT venue_id,
           COUNT(*) AS n,
           AVG(attendance_rate) AS avg_rate,
           AVG(revenue) AS revenue_per_event,
           CAST(COUNT(*) AS DOUBLE PRECISION)
               / GREATEST(1.0, CAST(MAX(event_date) - MIN(event_date) AS DOUBLE PRECISION) / 30.4375)
               AS booking_frequency
    FROM per_concert
    GROUP BY venue_id
),
prior AS (
    SELECT AVG(attendance_rate) AS mean_rate FROM per_concert
)
SELECT v.venue_id,
       COALESCE(p.n, 0),
       COALESCE(p.avg_rate, 0.0),
       COALESCE(p.revenue_per_event, 0.0),
       COALESCE(p.booking_frequency, 0.0),
       (COALESCE(p.n, 0) * COALESCE(p.avg_rate, 0.0) + {POPULARITY_PRIOR_WEIGHT} * COALESCE(prior.mean_rate, 0.0))
           / (COALESCE(p.n, 0) + {POPULARITY_PRIOR_WEIGHT})
FROM venues v
LEFT JOIN per_venue p ON p.venue_id = v.venue_id
CROSS JOIN prior
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

REFRESH_STATEMENTS: tuple[str, ...] = (DELETE_VENUE_METRICS, INSERT_VENUE_METRICS, DELETE_USER_ARTISTS,
                                       INSERT_USER_ARTISTS)  # fmt: skip
"""Run in order, inside the load's transaction, after every loaded table is in place."""
