"""Recommendation candidates and a user's history, behind `POST /recommendations`.

Lists travel as comma-framed strings (`,rock,pop,`) tested with POSITION, because the Redshift Data API binds
only scalar strings. The service scores the candidates; SQL only narrows them.
"""

CANDIDATE_LIMIT = 300
"""Upcoming concerts fetched per request, most popular artists first; the service scores these."""

UPCOMING_CONCERTS = f"""
SELECT c.concert_id, a.artist_id, a.name AS artist_name, a.genre, a.popularity AS artist_popularity,
       v.venue_id, v.name AS venue_name, v.city, v.state, v.latitude, v.longitude, v.capacity,
       c.event_date, c.ticket_price
FROM concerts c
JOIN artists a ON a.artist_id = c.artist_id
JOIN venues v ON v.venue_id = c.venue_id
WHERE c.status = 'scheduled'
  AND c.event_date >= CAST(:today AS DATE)
  AND (CAST(:genres AS VARCHAR) = '' OR POSITION(',' || a.genre || ',' IN CAST(:genres AS VARCHAR)) > 0)
  AND (CAST(:state AS VARCHAR) = '' OR v.state = CAST(:state AS VARCHAR))
  AND v.latitude BETWEEN CAST(:min_lat AS DOUBLE PRECISION) AND CAST(:max_lat AS DOUBLE PRECISION)
  AND v.longitude BETWEEN CAST(:min_lon AS DOUBLE PRECISION) AND CAST(:max_lon AS DOUBLE PRECISION)
  AND (CAST(:artist_ids AS VARCHAR) = ''
       OR POSITION(',' || a.artist_id || ',' IN CAST(:artist_ids AS VARCHAR)) > 0)
ORDER BY a.popularity DESC, c.event_date, c.concert_id
LIMIT {CANDIDATE_LIMIT}
"""

USER_PROFILE = """
SELECT user_id, home_city, home_state, favorite_genres
FROM users
WHERE user_id = CAST(:user_id AS VARCHAR)
"""

USER_HISTORY = """
SELECT artist_id, genre, times_attended
FROM user_artists
WHERE user_id = CAST(:user_id AS VARCHAR)
ORDER BY times_attended DESC, artist_id
"""

# Users who went to the same artists, and the other artists they went to, weighted by the overlap. Reads the
# `user_artists` summary (see `queries.refresh`), not attendance x concerts.
PEER_ARTISTS = """
WITH mine AS (
    SELECT artist_id FROM user_artists WHERE user_id = CAST(:user_id AS VARCHAR)
),
peers AS (
    SELECT u.user_id, COUNT(*) AS overlap
    FROM user_artists u
    JOIN mine m ON m.artist_id = u.artist_id
    WHERE u.user_id <> CAST(:user_id AS VARCHAR)
    GROUP BY u.user_id
    ORDER BY overlap DESC, u.user_id
    LIMIT 50
)
SELECT u.artist_id, SUM(p.overlap) AS weight
FROM peers p
JOIN user_artists u ON u.user_id = p.user_id
WHERE u.artist_id NOT IN (SELECT artist_id FROM mine)
GROUP BY u.artist_id
ORDER BY weight DESC, u.artist_id
LIMIT 50
"""

CITY_LOOKUP = """
SELECT city, state, latitude, longitude, population
FROM cities
WHERE LOWER(city) = LOWER(CAST(:name AS VARCHAR)) OR state = UPPER(CAST(:name AS VARCHAR))
ORDER BY population DESC, state, city
"""
