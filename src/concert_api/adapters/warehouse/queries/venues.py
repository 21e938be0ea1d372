"""Venue lookups and the venue popularity ranking behind `POST /venues/popularity`."""

FORECAST_HORIZON_DAYS = 180
"""The horizon of the forecasts the ranking reads (`venue_forecasts.horizon_days`)."""

RANK_COLUMNS = {
    "popularity": "m.popularity_score",
    "attendance_rate": "m.avg_attendance_rate",
    "revenue": "m.revenue_per_event",
    "bookings": "m.booking_frequency",
    "tickets": "m.tickets_per_event",
}
"""The `rank_by` choices and the `venue_metrics` column each orders by (descending)."""

_RANK_KEY = (
    "CASE CAST(:rank_by AS VARCHAR)"
    + "".join(f" WHEN '{name}' THEN {column}" for name, column in RANK_COLUMNS.items())
    + " END"
)

# Rank among the venues that pass the filters; ROW_NUMBER rather than a bound LIMIT, which not every
# backend accepts as a parameter. Ties on the chosen measure fall back to the composite score.
VENUE_POPULARITY = f"""
SELECT ranked.*,
       f.forecast_attendance_rate, f.model_version AS forecast_model_version, f.scored_at AS forecast_scored_at
FROM (
    SELECT v.venue_id, v.name, v.city, v.state, v.latitude, v.longitude, v.capacity, v.venue_type,
           m.total_concerts, m.avg_attendance_rate, m.revenue_per_event, m.tickets_per_event, m.booking_frequency,
           m.popularity_score,
           ROW_NUMBER() OVER (ORDER BY {_RANK_KEY} DESC, m.popularity_score DESC, m.total_concerts DESC, v.venue_id)
               AS popularity_rank
    FROM venue_metrics m
    JOIN venues v ON v.venue_id = m.venue_id
    WHERE m.total_concerts >= CAST(:min_events AS INTEGER)
      AND (CAST(:city AS VARCHAR) = '' OR LOWER(v.city) = LOWER(CAST(:city AS VARCHAR)))
      AND (CAST(:state AS VARCHAR) = '' OR v.state = CAST(:state AS VARCHAR))
      AND (CAST(:venue_type AS VARCHAR) = '' OR v.venue_type = CAST(:venue_type AS VARCHAR))
) ranked
LEFT JOIN venue_forecasts f ON f.venue_id = ranked.venue_id AND f.horizon_days = {FORECAST_HORIZON_DAYS}
WHERE ranked.popularity_rank <= CAST(:top_n AS INTEGER)
ORDER BY ranked.popularity_rank
"""
"""`:rank_by` is one of `RANK_COLUMNS` (validated by the request model; any other value ranks by nothing but
the composite). Each ranked venue carries its batch-scored forecast (NULL when it has none), joined after the
ranking so only the `top_n` rows are looked up: one statement, with or without forecasts."""

VENUE_BY_ID = """
SELECT venue_id, name, city, state, latitude, longitude, capacity, venue_type
FROM venues
WHERE venue_id = CAST(:venue_id AS VARCHAR)
"""

FORECAST_FRESHNESS = """
SELECT COUNT(*) AS venues, MIN(scored_at) AS oldest_scored_at,
       MIN(model_version) AS oldest_model, MAX(model_version) AS newest_model
FROM venue_forecasts
"""
"""How many venue forecasts there are, the oldest scoring time and the models that scored them (deep health)."""
