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
WIDENING_LIMIT = 300
"""Shows (one date per artist and venue) nearest the place, at any later date, fetched to fill a short list:
three times the largest `top_n`, so two shows per artist still leave enough."""

CANDIDATES = f"""
WITH affinity AS (
    SELECT artist_id, SUM(times_seen) AS times_seen, SUM(affinity) AS affinity
    FROM (
        SELECT artist_id, times_attended AS times_seen, CAST(0.0 AS DOUBLE PRECISION) AS affinity
        FROM user_artists WHERE user_id = CAST(:user_id AS VARCHAR)
        UNION ALL
        SELECT s.similar_artist_id, CAST(0 AS BIGINT), s.similarity
        FROM user_artists m
        JOIN artist_similarity s ON s.artist_id = m.artist_id
        WHERE m.user_id = CAST(:user_id AS VARCHAR)
    ) mine
    GROUP BY artist_id
),
upcoming AS (
    SELECT c.concert_id, a.artist_id, a.name AS artist_name, a.genre, a.popularity AS artist_popularity,
           v.venue_id, v.name AS venue_name, v.city, v.state, v.latitude, v.longitude, v.capacity,
           c.event_date, c.ticket_price,
           COALESCE(f.times_seen, 0) AS times_seen, COALESCE(f.affinity, 0.0) AS affinity
    FROM concerts c
    JOIN artists a ON a.artist_id = c.artist_id
    JOIN venues v ON v.venue_id = c.venue_id
    LEFT JOIN affinity f ON f.artist_id = c.artist_id
    WHERE c.status = 'scheduled'
      AND c.event_date >= CAST(:today AS DATE)
      AND (CAST(:genre_filter AS VARCHAR) = '' OR POSITION(',' || a.genre || ',' IN CAST(:genres AS VARCHAR)) > 0)
),
retrieved AS (
    SELECT concert_id
    FROM (
        SELECT concert_id, times_seen, affinity, genre_match,
               ROW_NUMBER() OVER (ORDER BY affinity DESC, artist_popularity DESC, event_date, concert_id)
                   AS by_affinity,
               ROW_NUMBER() OVER (PARTITION BY genre_match
                                  ORDER BY artist_popularity DESC, event_date, concert_id) AS by_genre,
               ROW_NUMBER() OVER (ORDER BY artist_popularity DESC, event_date, concert_id) AS by_popularity
        FROM (
            SELECT concert_id, times_seen, affinity, artist_popularity, event_date,
                   CASE WHEN POSITION(',' || genre || ',' IN CAST(:genres AS VARCHAR)) > 0 THEN 1 ELSE 0 END
                       AS genre_match
            FROM upcoming
            WHERE event_date < CAST(:until AS DATE)
              AND (CAST(:state AS VARCHAR) = '' OR state = CAST(:state AS VARCHAR))
              AND latitude BETWEEN CAST(:min_lat AS DOUBLE PRECISION) AND CAST(:max_lat AS DOUBLE PRECISION)
              AND longitude BETWEEN CAST(:min_lon AS DOUBLE PRECISION) AND CAST(:max_lon AS DOUBLE PRECISION)
        ) in_area
    ) ranked
    WHERE times_seen > 0
       OR (affinity > 0 AND by_affinity <= {SIMILAR_LIMIT})
       OR (genre_match = 1 AND by_genre <= {GENRE_LIMIT})
       OR by_popularity <= {POPULAR_LIMIT}
),
nearest AS (
    SELECT MIN(concert_id) AS concert_id
    FROM upcoming
    GROUP BY artist_id, venue_id
    ORDER BY MIN((latitude - CAST(:lat AS DOUBLE PRECISION)) * (latitude - CAST(:lat AS DOUBLE PRECISION))
                 + (longitude - CAST(:lon AS DOUBLE PRECISION)) * (longitude - CAST(:lon AS DOUBLE PRECISION))
                   * CAST(:lon_scale AS DOUBLE PRECISION) * CAST(:lon_scale AS DOUBLE PRECISION)),
             MIN(event_date), artist_id, venue_id
    LIMIT {WIDENING_LIMIT}
),
picked AS (
    SELECT r.concert_id FROM retrieved r
    UNION
    SELECT n.concert_id FROM nearest n
)
SELECT u.concert_id, u.artist_id, u.artist_name, u.genre, u.artist_popularity, u.venue_id, u.venue_name, u.city,
       u.state, u.latitude, u.longitude, u.capacity, u.event_date, u.ticket_price, u.times_seen, u.affinity
FROM picked p
JOIN upcoming u ON u.concert_id = p.concert_id
ORDER BY u.concert_id
"""
"""Statement 2: upcoming concerts (`status = 'scheduled'`, on or after `:today`), retrieved four ways inside the
requested place and date window (before `:until`, in `:state` if given, in the bounding box):

* every concert of an artist the user has seen (`times_seen` > 0);
* the concerts of the artists most similar to the user's (`affinity`: the summed `artist_similarity` of the
  candidate to every artist the user attended; collaborative filtering, not capped by global popularity);
* the most popular concerts in the requested or favourite genres (`:genres`);
* the most popular concerts of any genre;

plus the `WIDENING_LIMIT` shows nearest to (`:lat`, `:lon`) at any later date (one date per artist and venue),
so the service can widen the search when the place and window hold too few. With `:genre_filter` set, every
concert must be in `:genres`. The distance to order by is a squared equirectangular distance in degrees
(`:lon_scale` = cos(latitude), 0 without a place: then the soonest shows come first); the service
measures the real distance.

Concerts are joined to their artist, venue and the user's affinity once (`upcoming`), and every retrieval reads
that: fewer joins to plan, and planning costs more than running the statement on small data
(docs/recommendations.md)."""

CITY_LOOKUP = """
SELECT city, state, latitude, longitude, population
FROM cities
WHERE LOWER(city) = LOWER(CAST(:name AS VARCHAR)) OR state = UPPER(CAST(:name AS VARCHAR))
ORDER BY population DESC, state, city
"""
