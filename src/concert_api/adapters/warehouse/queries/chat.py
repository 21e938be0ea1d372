"""The chat tools' SQL: the catalog of names, artist look-ups, concert search and sales figures.

Common subset of Redshift, PostgreSQL and DuckDB; every value is a bound `:name` parameter. Optional filters
pass `''` (the Redshift Data API cannot bind NULL) and are tested with `CAST(:x AS VARCHAR) = ''`; optional
numbers pass 0. Row limits are ROW_NUMBER ranks, because not every backend binds LIMIT.
"""

# --- The catalog the local assistant matches names against -------------------------------------------------

CATALOG_ARTISTS = """
SELECT artist_id, name, genre, popularity
FROM artists
ORDER BY popularity DESC, artist_id
"""

CATALOG_VENUES = """
SELECT venue_id, name, city, state, capacity, venue_type
FROM venues
ORDER BY venue_id
"""

CATALOG_CITIES = """
SELECT c.city, c.state, c.population, COUNT(v.venue_id) AS venues
FROM cities c
LEFT JOIN venues v ON v.city = c.city AND v.state = c.state
GROUP BY c.city, c.state, c.population
ORDER BY c.population DESC, c.city, c.state
"""

# --- Name resolution (tools called by an agent with names rather than ids) ----------------------------------

ARTISTS_BY_NAME = """
SELECT artist_id, name, genre, popularity
FROM artists
WHERE artist_id = CAST(:name AS VARCHAR)
   OR LOWER(name) = LOWER(CAST(:name AS VARCHAR))
   OR POSITION(LOWER(CAST(:name AS VARCHAR)) IN LOWER(name)) > 0
ORDER BY CASE WHEN artist_id = CAST(:name AS VARCHAR) OR LOWER(name) = LOWER(CAST(:name AS VARCHAR))
              THEN 0 ELSE 1 END,
         popularity DESC, artist_id
"""

VENUES_BY_NAME = """
SELECT venue_id, name, city, state, capacity, venue_type
FROM venues
WHERE venue_id = CAST(:name AS VARCHAR)
   OR LOWER(name) = LOWER(CAST(:name AS VARCHAR))
   OR POSITION(LOWER(CAST(:name AS VARCHAR)) IN LOWER(name)) > 0
ORDER BY CASE WHEN venue_id = CAST(:name AS VARCHAR) OR LOWER(name) = LOWER(CAST(:name AS VARCHAR))
              THEN 0 ELSE 1 END,
         capacity DESC, venue_id
"""

# --- Artists ---------------------------------------------------------------------------------------------

ARTIST_PROFILE = """
SELECT a.artist_id, a.name, a.genre, a.popularity, a.home_city, a.home_state,
       SUM(CASE WHEN c.status = 'completed' THEN 1 ELSE 0 END) AS completed_concerts,
       SUM(CASE WHEN c.status = 'scheduled' AND c.event_date >= CAST(:today AS DATE) THEN 1 ELSE 0 END)
           AS upcoming_concerts,
       COALESCE(SUM(s.tickets_sold), 0) AS tickets_sold,
       COALESCE(SUM(s.revenue), 0) AS revenue,
       AVG(CASE WHEN s.tickets_sold IS NOT NULL
                THEN CAST(s.tickets_sold AS DOUBLE PRECISION) / v.capacity END) AS avg_attendance_rate,
       MAX(CASE WHEN c.status = 'completed' THEN c.event_date END) AS last_concert_date
FROM artists a
LEFT JOIN concerts c ON c.artist_id = a.artist_id
LEFT JOIN venues v ON v.venue_id = c.venue_id
LEFT JOIN ticket_sales s ON s.concert_id = c.concert_id AND c.status = 'completed'
WHERE a.artist_id = CAST(:artist_id AS VARCHAR)
GROUP BY a.artist_id, a.name, a.genre, a.popularity, a.home_city, a.home_state
"""

TOP_ARTISTS = """
SELECT * FROM (
    SELECT a.artist_id, a.name, a.genre, a.popularity,
           SUM(CASE WHEN c.status = 'scheduled' AND c.event_date >= CAST(:today AS DATE) THEN 1 ELSE 0 END)
               AS upcoming_concerts,
           ROW_NUMBER() OVER (ORDER BY a.popularity DESC, a.artist_id) AS popularity_rank
    FROM artists a
    LEFT JOIN concerts c ON c.artist_id = a.artist_id
    WHERE (CAST(:genre AS VARCHAR) = '' OR a.genre = CAST(:genre AS VARCHAR))
    GROUP BY a.artist_id, a.name, a.genre, a.popularity
) ranked
WHERE popularity_rank <= CAST(:top_n AS INTEGER)
ORDER BY popularity_rank
"""

# --- Concerts --------------------------------------------------------------------------------------------

CONCERT_SEARCH = """
SELECT * FROM (
    SELECT c.concert_id, c.event_date, c.ticket_price, c.status,
           a.artist_id, a.name AS artist_name, a.genre,
           v.venue_id, v.name AS venue_name, v.city, v.state, v.capacity,
           s.tickets_sold, s.revenue,
           ROW_NUMBER() OVER (ORDER BY c.event_date, c.concert_id) AS position,
           COUNT(*) OVER () AS total_matches
    FROM concerts c
    JOIN artists a ON a.artist_id = c.artist_id
    JOIN venues v ON v.venue_id = c.venue_id
    LEFT JOIN ticket_sales s ON s.concert_id = c.concert_id
    WHERE c.event_date >= CAST(:date_from AS DATE)
      AND c.event_date <= CAST(:date_to AS DATE)
      AND (CAST(:status AS VARCHAR) = '' OR c.status = CAST(:status AS VARCHAR))
      AND (CAST(:artist_id AS VARCHAR) = '' OR c.artist_id = CAST(:artist_id AS VARCHAR))
      AND (CAST(:venue_id AS VARCHAR) = '' OR c.venue_id = CAST(:venue_id AS VARCHAR))
      AND (CAST(:city AS VARCHAR) = '' OR LOWER(v.city) = LOWER(CAST(:city AS VARCHAR)))
      AND (CAST(:state AS VARCHAR) = '' OR v.state = CAST(:state AS VARCHAR))
      AND (CAST(:genre AS VARCHAR) = '' OR a.genre = CAST(:genre AS VARCHAR))
      AND (CAST(:max_price AS DOUBLE PRECISION) <= 0
           OR c.ticket_price <= CAST(:max_price AS DOUBLE PRECISION))
) matches
WHERE position <= CAST(:limit AS INTEGER)
ORDER BY position
"""

# --- Sales -----------------------------------------------------------------------------------------------

_SALES_FILTERS = """
    WHERE c.status = 'completed'
      AND c.event_date >= CAST(:date_from AS DATE)
      AND c.event_date <= CAST(:date_to AS DATE)
      AND (CAST(:artist_id AS VARCHAR) = '' OR c.artist_id = CAST(:artist_id AS VARCHAR))
      AND (CAST(:venue_id AS VARCHAR) = '' OR c.venue_id = CAST(:venue_id AS VARCHAR))
      AND (CAST(:city AS VARCHAR) = '' OR LOWER(v.city) = LOWER(CAST(:city AS VARCHAR)))
      AND (CAST(:state AS VARCHAR) = '' OR v.state = CAST(:state AS VARCHAR))
      AND (CAST(:genre AS VARCHAR) = '' OR a.genre = CAST(:genre AS VARCHAR))
"""

SALES_TOTALS = f"""
SELECT COUNT(*) AS concerts,
       COALESCE(SUM(s.tickets_sold), 0) AS tickets_sold,
       COALESCE(SUM(s.revenue), 0) AS revenue,
       SUM(s.avg_price_paid * s.tickets_sold) / NULLIF(SUM(s.tickets_sold), 0) AS avg_price_paid,
       AVG(CAST(s.tickets_sold AS DOUBLE PRECISION) / v.capacity) AS avg_attendance_rate,
       MIN(c.event_date) AS first_date,
       MAX(c.event_date) AS last_date
FROM concerts c
JOIN ticket_sales s ON s.concert_id = c.concert_id
JOIN artists a ON a.artist_id = c.artist_id
JOIN venues v ON v.venue_id = c.venue_id
{_SALES_FILTERS}
"""

# The breakdown's dimension and its order (revenue or tickets sold) are chosen with CASE on bound values: a
# column name is never bound or formatted.
SALES_BREAKDOWN = f"""
SELECT * FROM (
    SELECT grouped.*,
           ROW_NUMBER() OVER (ORDER BY CASE WHEN CAST(:rank_by AS VARCHAR) = 'tickets'
                                            THEN grouped.tickets_sold ELSE grouped.revenue END DESC,
                                       grouped.revenue DESC, grouped.group_name) AS sales_rank
    FROM (
        SELECT CASE CAST(:group_by AS VARCHAR)
                    WHEN 'artist' THEN a.name
                    WHEN 'venue' THEN v.name
                    WHEN 'city' THEN v.city || ', ' || v.state
                    WHEN 'state' THEN v.state
                    ELSE a.genre END AS group_name,
               COUNT(*) AS concerts,
               COALESCE(SUM(s.tickets_sold), 0) AS tickets_sold,
               COALESCE(SUM(s.revenue), 0) AS revenue
        FROM concerts c
        JOIN ticket_sales s ON s.concert_id = c.concert_id
        JOIN artists a ON a.artist_id = c.artist_id
        JOIN venues v ON v.venue_id = c.venue_id
        {_SALES_FILTERS}
        GROUP BY CASE CAST(:group_by AS VARCHAR)
                    WHEN 'artist' THEN a.name
                    WHEN 'venue' THEN v.name
                    WHEN 'city' THEN v.city || ', ' || v.state
                    WHEN 'state' THEN v.state
                    ELSE a.genre END
        HAVING COUNT(*) >= CAST(:min_concerts AS INTEGER)
    ) grouped
) ranked
WHERE sales_rank <= CAST(:top_n AS INTEGER)
ORDER BY sales_rank
"""

# --- Venues ----------------------------------------------------------------------------------------------

# The rank is the popularity ranking's (queries.venues.VENUE_POPULARITY: same order, same `min_events` floor)
# over every venue, so "ranks 112th of 140" holds however long the ranking the user last saw was.
VENUE_PROFILE = """
SELECT v.venue_id, v.name, v.city, v.state, v.capacity, v.venue_type,
       m.total_concerts, m.avg_attendance_rate, m.revenue_per_event,
       r.popularity_rank, r.ranked_venues,
       COALESCE(u.upcoming_concerts, 0) AS upcoming_concerts
FROM venues v
LEFT JOIN venue_metrics m ON m.venue_id = v.venue_id
LEFT JOIN (
    SELECT mm.venue_id,
           ROW_NUMBER() OVER (ORDER BY mm.popularity_score DESC, mm.total_concerts DESC, mm.venue_id)
               AS popularity_rank,
           COUNT(*) OVER () AS ranked_venues
    FROM venue_metrics mm
    WHERE mm.total_concerts >= CAST(:min_events AS INTEGER)
) r ON r.venue_id = v.venue_id
LEFT JOIN (
    SELECT c.venue_id, COUNT(*) AS upcoming_concerts
    FROM concerts c
    WHERE c.venue_id = CAST(:venue_id AS VARCHAR)
      AND c.status = 'scheduled'
      AND c.event_date >= CAST(:today AS DATE)
    GROUP BY c.venue_id
) u ON u.venue_id = v.venue_id
WHERE v.venue_id = CAST(:venue_id AS VARCHAR)
"""
