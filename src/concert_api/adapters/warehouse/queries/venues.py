"""Venue lookups and the venue popularity ranking behind `POST /venues/popularity`."""

# Rank among the venues that pass the filters; ROW_NUMBER rather than a bound LIMIT, which not every
# backend accepts as a parameter.
VENUE_POPULARITY = """
SELECT * FROM (
    SELECT v.venue_id, v.name, v.city, v.state, v.capacity, v.venue_type,
           m.total_concerts, m.avg_attendance_rate, m.revenue_per_event, m.booking_frequency,
           m.popularity_score,
           ROW_NUMBER() OVER (ORDER BY m.popularity_score DESC, m.total_concerts DESC, v.venue_id)
               AS popularity_rank
    FROM venue_metrics m
    JOIN venues v ON v.venue_id = m.venue_id
    WHERE m.total_concerts >= CAST(:min_events AS INTEGER)
      AND (CAST(:city AS VARCHAR) = '' OR LOWER(v.city) = LOWER(CAST(:city AS VARCHAR)))
      AND (CAST(:state AS VARCHAR) = '' OR v.state = CAST(:state AS VARCHAR))
      AND (CAST(:venue_type AS VARCHAR) = '' OR v.venue_type = CAST(:venue_type AS VARCHAR))
) ranked
WHERE popularity_rank <= CAST(:top_n AS INTEGER)
ORDER BY popularity_rank
"""

VENUE_BY_ID = """
SELECT venue_id, name, city, state, latitude, longitude, capacity, venue_type
FROM venues
WHERE venue_id = CAST(:venue_id AS VARCHAR)
"""
