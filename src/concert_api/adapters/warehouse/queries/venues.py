"""Venue lookups and the venue popularity ranking behind `POST /venues/popularity`."""

from concert_api.adapters.warehouse.queries.refresh import RANK_MEASURES

FORECAST_HORIZON_DAYS = 180
"""The horizon of the forecasts the ranking reads (`venue_forecasts.horizon_days`)."""

_RANK_KEY = (
    "CASE CAST(:rank_by AS VARCHAR)"
    + "".join(f" WHEN '{rank_by}' THEN m.rank_{rank_by}" for rank_by in RANK_MEASURES)
    + " END"
)

# Rank among the venues that pass the filters; ROW_NUMBER rather than a bound LIMIT, which not every
# backend accepts as a parameter.
VENUE_POPULARITY = f"""
SELECT ranked.*,
       f.forecast_attendance_rate, f.model_version AS forecast_model_version, f.scored_at AS forecast_scored_at
FROM (
    SELECT m.venue_id, m.name, m.city, m.state, m.latitude, m.longitude, m.capacity, m.venue_type,
           m.total_concerts, m.avg_attendance_rate, m.revenue_per_event, m.tickets_per_event, m.booking_frequency,
           m.popularity_score,
           ROW_NUMBER() OVER (ORDER BY {_RANK_KEY}) AS popularity_rank
    FROM venue_metrics m
    WHERE m.total_concerts >= CAST(:min_events AS INTEGER)
      AND (CAST(:city AS VARCHAR) = '' OR LOWER(m.city) = LOWER(CAST(:city AS VARCHAR)))
      AND (CAST(:state AS VARCHAR) = '' OR m.state = CAST(:state AS VARCHAR))
      AND (CAST(:venue_type AS VARCHAR) = '' OR m.venue_type = CAST(:venue_type AS VARCHAR))
) ranked
LEFT JOIN venue_forecasts f ON f.venue_id = ranked.venue_id AND f.horizon_days = {FORECAST_HORIZON_DAYS}
WHERE ranked.popularity_rank <= CAST(:top_n AS INTEGER)
ORDER BY ranked.popularity_rank
"""
"""One statement over one summary table: `venue_metrics` carries the venues' columns and each venue's place in
every `rank_by` order (`queries.refresh.RANK_MEASURES`), so a ranking filters and sorts small integers, with no
join to `venues` and no sort of the measures (at the large scale, half the time of both). `:rank_by` is one of
`RANK_MEASURES` (validated by the request model). Each ranked venue carries its batch-scored forecast (NULL when it
has none), joined after the ranking so only the `top_n` rows are looked up: one statement, with or without
forecasts."""

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
