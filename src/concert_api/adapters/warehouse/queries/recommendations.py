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

_USER_PLACE_AND_GENRES = """
home AS (
    SELECT c.latitude AS lat, c.longitude AS lon
    FROM users u
    JOIN cities c ON LOWER(c.city) = LOWER(u.home_city) AND c.state = u.home_state
    WHERE u.user_id = CAST(:user_id AS VARCHAR)
),
place AS (
    SELECT CASE WHEN h.lat IS NULL THEN CAST(:min_lat AS DOUBLE PRECISION)
                ELSE h.lat - CAST(:home_dlat AS DOUBLE PRECISION) END AS min_lat,
           CASE WHEN h.lat IS NULL THEN CAST(:max_lat AS DOUBLE PRECISION)
                ELSE h.lat + CAST(:home_dlat AS DOUBLE PRECISION) END AS max_lat,
           CASE WHEN h.lat IS NULL THEN CAST(:min_lon AS DOUBLE PRECISION)
                ELSE h.lon - LEAST(180.0, CAST(:home_dlat AS DOUBLE PRECISION) / GREATEST(0.01, COS(RADIANS(h.lat))))
           END AS min_lon,
           CASE WHEN h.lat IS NULL THEN CAST(:max_lon AS DOUBLE PRECISION)
                ELSE h.lon + LEAST(180.0, CAST(:home_dlat AS DOUBLE PRECISION) / GREATEST(0.01, COS(RADIANS(h.lat))))
           END AS max_lon,
           COALESCE(h.lat, CAST(:lat AS DOUBLE PRECISION)) AS lat,
           COALESCE(h.lon, CAST(:lon AS DOUBLE PRECISION)) AS lon,
           CASE WHEN h.lat IS NULL THEN CAST(:lon_scale AS DOUBLE PRECISION) ELSE COS(RADIANS(h.lat)) END AS lon_scale
    FROM (SELECT 1 AS one) o
    LEFT JOIN home h ON 1 = 1
),
favourites AS (
    SELECT ',' || REPLACE(COALESCE(u.favorite_genres, ''), ' ', '') || ',' AS framed
    FROM users u
    WHERE CAST(:genres_from_user AS VARCHAR) = '1' AND u.user_id = CAST(:user_id AS VARCHAR)
),
history_genres AS (
    SELECT genre, SUM(times_attended) AS n
    FROM user_artists
    WHERE CAST(:genres_from_user AS VARCHAR) = '1' AND user_id = CAST(:user_id AS VARCHAR)
    GROUP BY genre
),
user_genres AS (
    SELECT DISTINCT a.genre
    FROM artists a
    JOIN favourites f ON POSITION(',' || a.genre || ',' IN f.framed) > 0
    UNION
    SELECT h.genre
    FROM history_genres h
    WHERE NOT EXISTS (SELECT 1 FROM favourites f WHERE REPLACE(f.framed, ',', '') <> '')
      AND h.n >= CAST(:genre_share AS DOUBLE PRECISION) * (SELECT MAX(n) FROM history_genres)
)
"""
"""The user's place and genres as `CANDIDATES_AROUND_HOME` works them out: `place` (one row: the bounding box and
the point), `user_genres`."""

USER_PLACE = "WITH " + _USER_PLACE_AND_GENRES + "SELECT * FROM place"
USER_GENRES = "WITH " + _USER_PLACE_AND_GENRES + "SELECT genre FROM user_genres ORDER BY genre"
"""What `CANDIDATES_AROUND_HOME` takes for the user's place and genres, alone: the tests check them against the
service's."""

_CANDIDATES = """
WITH {user_ctes}affinity AS (
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
            SELECT u.concert_id, u.times_seen, u.affinity, u.artist_popularity, u.event_date,
                   CASE WHEN POSITION(',' || u.genre || ',' IN CAST(:genres AS VARCHAR)) > 0{user_genre_match}
                        THEN 1 ELSE 0 END AS genre_match
            FROM upcoming u{place_join}{user_genres_join}
            WHERE u.event_date < CAST(:until AS DATE)
              AND (CAST(:state AS VARCHAR) = '' OR u.state = CAST(:state AS VARCHAR))
              AND u.latitude BETWEEN {min_lat} AND {max_lat}
              AND u.longitude BETWEEN {min_lon} AND {max_lon}
        ) in_area
    ) ranked
    WHERE times_seen > 0
       OR (affinity > 0 AND by_affinity <= {similar_limit})
       OR (genre_match = 1 AND by_genre <= {genre_limit})
       OR by_popularity <= {popular_limit}
),
nearest AS (
    SELECT MIN(u.concert_id) AS concert_id
    FROM upcoming u{place_join}
    GROUP BY u.artist_id, u.venue_id
    ORDER BY MIN((u.latitude - {lat}) * (u.latitude - {lat})
                 + (u.longitude - {lon}) * (u.longitude - {lon}) * {lon_scale} * {lon_scale}),
             MIN(u.event_date), u.artist_id, u.venue_id
    LIMIT {widening_limit}
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


def _candidates(around_home: bool) -> str:
    """The candidate statement, for a place given as parameters or for the user's home (`_USER_PLACE_AND_GENRES`)."""
    given = {name: f"CAST(:{name} AS DOUBLE PRECISION)" for name in ("min_lat", "max_lat", "min_lon", "max_lon",
                                                                      "lat", "lon", "lon_scale")}  # fmt: skip
    home = {name: f"p.{name}" for name in given}
    return _CANDIDATES.format(
        user_ctes=_USER_PLACE_AND_GENRES.strip() + ",\n" if around_home else "",
        user_genre_match=" OR g.genre IS NOT NULL" if around_home else "",
        place_join="\n    CROSS JOIN place p" if around_home else "",
        user_genres_join="\n            LEFT JOIN user_genres g ON g.genre = u.genre" if around_home else "",
        similar_limit=SIMILAR_LIMIT, genre_limit=GENRE_LIMIT, popular_limit=POPULAR_LIMIT,
        widening_limit=WIDENING_LIMIT, **(home if around_home else given),
    )


CANDIDATES = _candidates(around_home=False)
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

CANDIDATES_AROUND_HOME = _candidates(around_home=True)
"""`CANDIDATES` for a request with a user and no place, needing nothing from statement 1: the place is the user's
home city (`home`, `place`: the bounding box of `:home_dlat` degrees of latitude around it, as
`geo.Area.bounding_box` draws it; the given box and point when the home city is unknown), and with
`:genres_from_user` = '1' the genres that retrieve are the user's favourites, else the genres of their history
holding at least `:genre_share` of its top genre (`user_genres`), as the service weighs them. On the Data API the
two statements then run side by side: one round trip instead of two. (Its extra CTEs cost DuckDB a few
milliseconds of planning, more than the round trip it saves there, so the embedded warehouse keeps
`CANDIDATES`.)"""

CITY_LOOKUP = """
SELECT city, state, latitude, longitude, population
FROM cities
WHERE LOWER(city) = LOWER(CAST(:name AS VARCHAR)) OR state = UPPER(CAST(:name AS VARCHAR))
ORDER BY population DESC, state, city
"""
