"""The concert warehouse's data model: one source of truth for the DDL of every backend and for the loader's checks.

Distribution and sort keys (Redshift only; DuckDB and PostgreSQL ignore them):

* `concerts`, `ticket_sales` and `attendance` are DISTKEY(concert_id) where they join on it, so the big joins
  (concerts x ticket_sales, attendance x concerts) are co-located on each slice.
* `concerts` SORTKEY(event_date, venue_id): the API reads upcoming concerts (a date range) and venue histories.
* The dimension tables (`artists`, `venues`, `cities`, `users`) are small: DISTSTYLE ALL copies them to every node.
* `venue_metrics` is the summary table refreshed on every load (see `queries.refresh`): the popularity
  endpoint reads a few thousand pre-aggregated rows instead of scanning every sale.
* `user_artists` (refreshed on load too) is each user's attendance per artist, DISTKEY(artist_id) for the "users
  like you" self-join on artist: recommendations read it instead of joining attendance to concerts per request.
* `artist_similarity` (refreshed on load) holds each artist's nearest artists by co-attendance (item-item
  cosine, see `queries.refresh`), DISTSTYLE ALL: a recommendation joins a user's few artists to it.
* `venue_forecasts` (written by batch scoring with the data, or by `concert-api model score`) holds each venue's
  forecast attendance rate, DISTSTYLE ALL: the ranking joins its few thousand rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from concert_api.models import RANK_BY, VENUE_TYPES
from concert_api.vocabulary import STATE_CODES

ColumnType = Literal["id", "text", "int", "float", "date", "bool"]
Dialect = Literal["redshift", "postgres", "duckdb"]

_SQL_TYPES: dict[ColumnType, str] = {
    "id": "VARCHAR(64)",
    "text": "VARCHAR(256)",
    "int": "BIGINT",
    "float": "DOUBLE PRECISION",
    "date": "DATE",
    "bool": "BOOLEAN",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    references: str | None = None  # "table.column"
    pattern: str | None = None  # a regular expression every value must match in full (checked on load)
    pattern_hint: str | None = None  # what a matching value is, for the loader's messages


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    diststyle: Literal["ALL", "KEY", "EVEN"] = "EVEN"
    distkey: str | None = None
    sortkey: tuple[str, ...] = field(default_factory=tuple)
    loaded: bool = True  # False for summary tables derived on load

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


CONCERT_STATUSES = ("scheduled", "completed", "cancelled")
STATE_PATTERN = "|".join(sorted(STATE_CODES))
STATE_HINT = "a two-letter upper-case US state code such as 'TX'"
"""Every `state` column holds a US postal code (the 50 states and DC): the API filters by it."""

CITIES = Table(
    "cities",
    (
        Column("city", "text"),
        Column("state", "text", pattern=STATE_PATTERN, pattern_hint=STATE_HINT),
        Column("latitude", "float", min=-90, max=90),
        Column("longitude", "float", min=-180, max=180),
        Column("population", "int", min=0),
    ),
    primary_key=("city", "state"),
    diststyle="ALL",
)

ARTISTS = Table(
    "artists",
    (
        Column("artist_id", "id"),
        Column("name", "text"),
        Column("genre", "text"),
        Column("popularity", "float", min=0, max=100),
        Column("home_city", "text", nullable=True),
        Column("home_state", "text", nullable=True, pattern=STATE_PATTERN, pattern_hint=STATE_HINT),
    ),
    primary_key=("artist_id",),
    diststyle="ALL",
)

VENUES = Table(
    "venues",
    (
        Column("venue_id", "id"),
        Column("name", "text"),
        Column("city", "text"),
        Column("state", "text", pattern=STATE_PATTERN, pattern_hint=STATE_HINT),
        Column("latitude", "float", min=-90, max=90),
        Column("longitude", "float", min=-180, max=180),
        Column("capacity", "int", min=1, max=200_000),
        Column("venue_type", "text", choices=VENUE_TYPES),
    ),
    primary_key=("venue_id",),
    diststyle="ALL",
)

CONCERTS = Table(
    "concerts",
    (
        Column("concert_id", "id"),
        Column("artist_id", "id", references="artists.artist_id"),
        Column("venue_id", "id", references="venues.venue_id"),
        Column("event_date", "date"),
        Column("ticket_price", "float", min=0, max=100_000),
        Column("status", "text", choices=CONCERT_STATUSES),
    ),
    primary_key=("concert_id",),
    diststyle="KEY",
    distkey="concert_id",
    sortkey=("event_date", "venue_id"),
)

TICKET_SALES = Table(
    "ticket_sales",
    (
        Column("concert_id", "id", references="concerts.concert_id"),
        Column("tickets_sold", "int", min=0),
        Column("revenue", "float", min=0),
        Column("avg_price_paid", "float", min=0),
    ),
    primary_key=("concert_id",),
    diststyle="KEY",
    distkey="concert_id",
    sortkey=("concert_id",),
)

USERS = Table(
    "users",
    (
        Column("user_id", "id"),
        Column("home_city", "text"),
        Column("home_state", "text", pattern=STATE_PATTERN, pattern_hint=STATE_HINT),
        Column("favorite_genres", "text"),  # comma-separated: Redshift has no array type worth joining on
    ),
    primary_key=("user_id",),
    diststyle="ALL",
)

ATTENDANCE = Table(
    "attendance",
    (
        Column("user_id", "id", references="users.user_id"),
        Column("concert_id", "id", references="concerts.concert_id"),
    ),
    primary_key=("user_id", "concert_id"),
    diststyle="KEY",
    distkey="concert_id",
    sortkey=("user_id",),
)

VENUE_METRICS = Table(
    "venue_metrics",
    (
        Column("venue_id", "id"),
        Column("total_concerts", "int"),
        Column("avg_attendance_rate", "float"),
        Column("revenue_per_event", "float"),
        Column("tickets_per_event", "float"),
        Column("booking_frequency", "float"),
        Column("attendance_score", "float"),
        Column("popularity_score", "float"),
        # The venue's own columns, copied from `venues`, and its place in each `rank_by` order among all venues
        # (1 = first): the ranking reads this one table and sorts small integers (see `queries.venues`).
        Column("name", "text"),
        Column("city", "text"),
        Column("state", "text"),
        Column("latitude", "float"),
        Column("longitude", "float"),
        Column("capacity", "int"),
        Column("venue_type", "text"),
        *(Column(f"rank_{rank_by}", "int") for rank_by in RANK_BY),
    ),
    primary_key=("venue_id",),
    diststyle="ALL",
    loaded=False,
)

USER_ARTISTS = Table(
    "user_artists",
    (
        Column("user_id", "id"),
        Column("artist_id", "id"),
        Column("genre", "text"),
        Column("times_attended", "int"),
    ),
    primary_key=("user_id", "artist_id"),
    diststyle="KEY",
    distkey="artist_id",
    sortkey=("user_id", "artist_id"),
    loaded=False,
)

ARTIST_SIMILARITY = Table(
    "artist_similarity",
    (
        Column("artist_id", "id"),
        Column("similar_artist_id", "id"),
        Column("co_users", "int"),
        Column("similarity", "float"),
    ),
    primary_key=("artist_id", "similar_artist_id"),
    diststyle="ALL",
    sortkey=("artist_id",),
    loaded=False,
)

VENUE_FORECASTS = Table(
    "venue_forecasts",
    (
        Column("venue_id", "id"),
        Column("horizon_days", "int"),
        Column("forecast_attendance_rate", "float"),
        Column("model_version", "id"),
        Column("scored_at", "text"),  # ISO 8601 UTC, seconds: the same text on every backend
    ),
    primary_key=("venue_id", "horizon_days"),
    diststyle="ALL",
    loaded=False,
)
"""Each venue's forecast attendance rate (mean predicted sell-through of its scheduled concerts within
`horizon_days` of `scored_at`), written by batch scoring (`concert_tools.model.scoring`) with the data it was
computed from: the venue ranking joins it instead of calling a model per request."""

TABLES: tuple[Table, ...] = (
    CITIES, ARTISTS, VENUES, CONCERTS, TICKET_SALES, USERS, ATTENDANCE, VENUE_METRICS, USER_ARTISTS,
    ARTIST_SIMILARITY, VENUE_FORECASTS,
)  # fmt: skip
"""In load order: every table comes after the tables it references."""

LOADED_TABLES: tuple[Table, ...] = tuple(t for t in TABLES if t.loaded)

SUMMARY_TABLES: tuple[Table, ...] = (VENUE_METRICS, USER_ARTISTS, ARTIST_SIMILARITY)
"""Rebuilt from the loaded tables by every load (`queries.refresh`)."""


def table(name: str) -> Table:
    """The table spec named `name`."""
    return next(t for t in TABLES if t.name == name)


def create_table_sql(spec: Table, dialect: Dialect) -> str:
    """`CREATE TABLE` for one table in one dialect; Redshift gets its distribution and sort keys.

    DuckDB gets no PRIMARY KEY: its key index makes bulk loads several times slower, and the loader has already
    checked every key before a row is written (the only writes are whole-warehouse loads). Redshift declares
    keys without enforcing them; PostgreSQL enforces them as a second line of defence."""
    cols = [f"  {c.name} {_SQL_TYPES[c.type]}{'' if c.nullable else ' NOT NULL'}" for c in spec.columns]
    if dialect != "duckdb":
        cols.append(f"  PRIMARY KEY ({', '.join(spec.primary_key)})")
    sql = f"CREATE TABLE IF NOT EXISTS {spec.name} (\n" + ",\n".join(cols) + "\n)"
    if dialect == "redshift":
        sql += f"\nDISTSTYLE {spec.diststyle}"
        if spec.distkey:
            sql += f"\nDISTKEY ({spec.distkey})"
        if spec.sortkey:
            sql += f"\nSORTKEY ({', '.join(spec.sortkey)})"
    return sql


def ddl(dialect: Dialect) -> list[str]:
    """Every table's `CREATE TABLE`, in load order."""
    return [create_table_sql(t, dialect) for t in TABLES]


def recreate_summaries_sql(dialect: Dialect) -> list[str]:
    """DROP and CREATE of every summary table, for a load to run before it refreshes them: their rows are derived,
    so a warehouse written by an older version takes on their current columns with its next load."""
    statements: list[str] = []
    for spec in SUMMARY_TABLES:
        statements += [f"DROP TABLE IF EXISTS {spec.name}", create_table_sql(spec, dialect)]
    return statements
