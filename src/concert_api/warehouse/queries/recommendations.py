"""The two statements behind one `POST /recommendations`: who is asking (and where), then the candidates.

Lists travel as comma-framed strings (`,rock,pop,`) tested with POSITION, because the Redshift Data API binds
only scalar strings. The SQL retrieves and annotates candidates; the service scores them.
"""

REQUEST_CONTEXT = """
SELECT 'profile' AS kind, u.home_city AS city, u.home_state AS state, u.favorite_genres AS detail,
       CAST(NULL AS DOUBLE PRECISION) AS latitude, CAST(NULL AS DOUBLE PRECISION) AS longitude,
       CAST(0 AS BIGINT) AS n
FROM users u
WHERE u.user_id = CAST(:user_id AS VARCHAR)
UNION ALL
SELECT 'history', h.artist_id, '', h.genre, CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS DOUBLE PRECISION),
       CAST(h.times_attended AS BIGINT)
FROM user_artists h
WHERE h.user_id = CAST(:user_id AS VARCHAR)
UNION ALL
SELECT 'home', c.city, c.state, '', c.latitude, c.longitude, CAST(c.population AS BIGINT)
FROM users u
JOIN cities c ON LOWER(c.city) = LOWER(u.home_city) AND c.state = u.home_state
WHERE u.user_id = CAST(:user_id AS VARCHAR)
UNION ALL
SELECT 'place', c.city, c.state, '', c.latitude, c.longitude, CAST(c.population AS BIGINT)
FROM cities c
WHERE CAST(:name AS VARCHAR) <> ''
  AND (LOWER(c.city) = LOWER(CAST(:name AS VARCHAR)) OR c.state = UPPER(CAST(:name AS VARCHAR)))
ORDER BY kind, n DESC, city, state
"""
"""Statement 1 of a request, one row per fact, told apart by `kind`:

* `profile`: the user's home city and state and `favorite_genres` (in `detail`); no row for an unknown user;
* `history`: one row per artist the user has attended (`city` = artist_id, `detail` = genre, `n` = times);
* `home`: the coordinates of the user's home city;
* `place`: the cities matching the requested location's `:name` (a city name or a state code), as
  `CITY_LOOKUP` would return them.

`:user_id` and `:name` are '' when the request has no user or no named place."""

SIMILAR_LIMIT = 200
"""Upcoming concerts retrieved per request by the user's similar artists (collaborative filtering)."""
GENRE_LIMIT = 200
"""... by the requested or favourite genres, most popular first."""
POPULAR_LIMIT = 100
"""... by popularity alone, whatever the genre."""

CANDIDATES = f"""
WITH mine AS (
    SELECT artist_id, times_attended FROM user_artists WHERE user_id = CAST(:user_id AS VARCHAR)
),
neighbours AS (
    SELECT s.similar_artist_id AS artist_id, SUM(s.similarity) AS affinity
    FROM mine m
    JOIN artist_similarity s ON s.artist_id = m.artist_id
    GROUP BY s.similar_artist_id
),
upcoming AS (
    SELECT c.concert_id, a.artist_id, a.name AS artist_name, a.genre, a.popularity AS artist_popularity,
           v.venue_id, v.name AS venue_name, v.city, v.state, v.latitude, v.longitude, v.capacity,
           c.event_date, c.ticket_price,
           COALESCE(m.times_attended, 0) AS times_seen,
           COALESCE(s.affinity, 0.0) AS affinity,
           CASE WHEN POSITION(',' || a.genre || ',' IN CAST(:genres AS VARCHAR)) > 0 THEN 1 ELSE 0 END
               AS genre_match,
           CASE WHEN c.event_date < CAST(:until AS DATE)
                     AND (CAST(:state AS VARCHAR) = '' OR v.state = CAST(:state AS VARCHAR))
                     AND v.latitude BETWEEN CAST(:min_lat AS DOUBLE PRECISION) AND CAST(:max_lat AS DOUBLE PRECISION)
                     AND v.longitude BETWEEN CAST(:min_lon AS DOUBLE PRECISION)
                                         AND CAST(:max_lon AS DOUBLE PRECISION)
                THEN 1 ELSE 0 END AS in_area,
           (v.latitude - CAST(:lat AS DOUBLE PRECISION)) * (v.latitude - CAST(:lat AS DOUBLE PRECISION))
               + (v.longitude - CAST(:lon AS DOUBLE PRECISION)) * CAST(:lon_scale AS DOUBLE PRECISION)
                 * (v.longitude - CAST(:lon AS DOUBLE PRECISION)) * CAST(:lon_scale AS DOUBLE PRECISION)
               AS rough_distance
    FROM concerts c
    JOIN artists a ON a.artist_id = c.artist_id
    JOIN venues v ON v.venue_id = c.venue_id
    LEFT JOIN mine m ON m.artist_id = c.artist_id
    LEFT JOIN neighbours s ON s.artist_id = c.artist_id
    WHERE c.status = 'scheduled'
      AND c.event_date >= CAST(:today AS DATE)
      AND (CAST(:genre_filter AS VARCHAR) = ''
           OR POSITION(',' || a.genre || ',' IN CAST(:genres AS VARCHAR)) > 0)
),
ranked AS (
    SELECT u.*,
           ROW_NUMBER() OVER (PARTITION BY in_area
                              ORDER BY affinity DESC, artist_popularity DESC, event_date, concert_id) AS by_affinity,
           ROW_NUMBER() OVER (PARTITION BY in_area, genre_match
                              ORDER BY artist_popularity DESC, event_date, concert_id) AS by_genre,
           ROW_NUMBER() OVER (PARTITION BY in_area
                              ORDER BY artist_popularity DESC, event_date, concert_id) AS by_popularity,
           ROW_NUMBER() OVER (PARTITION BY artist_id, venue_id
                              ORDER BY event_date, concert_id) AS show_date
    FROM upcoming u
),
per_artist AS (
    SELECT concert_id, rough_distance, event_date,
           ROW_NUMBER() OVER (PARTITION BY artist_id ORDER BY rough_distance, event_date, concert_id) AS artist_show
    FROM ranked
    WHERE show_date = 1
),
nearest AS (
    SELECT concert_id, ROW_NUMBER() OVER (ORDER BY rough_distance, event_date, concert_id) AS by_distance
    FROM per_artist
    WHERE artist_show <= 2
)
SELECT r.concert_id, r.artist_id, r.artist_name, r.genre, r.artist_popularity, r.venue_id, r.venue_name,
       r.city, r.state, r.latitude, r.longitude, r.capacity, r.event_date, r.ticket_price,
       r.times_seen, r.affinity, r.in_area
FROM ranked r
LEFT JOIN nearest n ON n.concert_id = r.concert_id
WHERE (r.in_area = 1
       AND (r.times_seen > 0
            OR (r.affinity > 0 AND r.by_affinity <= {SIMILAR_LIMIT})
            OR (r.genre_match = 1 AND r.by_genre <= {GENRE_LIMIT})
            OR r.by_popularity <= {POPULAR_LIMIT}))
   OR n.by_distance <= CAST(:fallback_limit AS INTEGER)
ORDER BY r.concert_id
"""
"""Statement 2: upcoming concerts (`status = 'scheduled'`, on or after `:today`), retrieved four ways inside the
requested area and date window (`in_area` = 1: before `:until`, in `:state` if given, in the bounding box):

* every concert of an artist the user has seen (`times_seen` > 0);
* the concerts of the artists most similar to the user's (`affinity`: the summed `artist_similarity` of the
  candidate to every artist the user attended; collaborative filtering, not capped by global popularity);
* the most popular concerts in the requested or favourite genres (`:genres`);
* the most popular concerts of any genre;

plus, outside the area or window, the `:fallback_limit` shows nearest to (`:lat`, `:lon`) (one date per artist and
venue, two venues per artist), so the service can widen the search when the area has too few. With
`:genre_filter` set, every concert must be in `:genres`. `rough_distance` is a squared equirectangular distance
in degrees (`:lon_scale` = cos(latitude)), enough to order by; the service measures the real distance."""

CITY_LOOKUP = """
SELECT city, state, latitude, longitude, population
FROM cities
WHERE LOWER(city) = LOWER(CAST(:name AS VARCHAR)) OR state = UPPER(CAST(:name AS VARCHAR))
ORDER BY population DESC, state, city
"""
