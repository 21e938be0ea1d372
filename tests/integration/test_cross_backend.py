"""Every platform query gives the same rows on DuckDB and on PostgreSQL.

The data: the generator's `tiny` data set (what every demo and test stands on) and the hand-made mini data set
(ties, NULLs, a venue without concerts). Both are loaded through each backend's own `replace_all`, so the DDL,
the loaders and the summary-table refresh are compared too, not just the SELECTs. Rows must be equal in order,
with floats compared to 1e-9 relative, and of the same Python types (an int on one side and a float on the
other would show in the API's JSON).

What this cannot show: Redshift itself. The SQL is the common subset of the three dialects; Redshift-specific
traps (reserved words, TRUNCATE committing, no COPY FROM STDIN, integer AVG) are guarded elsewhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from tests.fixtures.warehouse_data import AS_OF, build_mini_dataset, rows_equal

from concert_api.adapters.warehouse import schema
from concert_api.adapters.warehouse.queries import recommendations, venues

pytestmark = pytest.mark.postgres

SEED = 42
NO_FILTER = {"min_events": 0, "city": "", "state": "", "venue_type": "", "top_n": 10_000, "rank_by": "popularity"}
WORLD = {"min_lat": -90.0, "max_lat": 90.0, "min_lon": -180.0, "max_lon": 180.0}


def _dataset(kind: str, out_dir: Path) -> dict[str, Path]:
    if kind == "mini":
        return build_mini_dataset(out_dir, as_of=AS_OF)
    from concert_tools.data.generator import generate

    return generate(kind, SEED, out_dir, as_of=AS_OF)


class PriceScorer:
    """A model-free `ForecastScorer` for comparing backends: the real feature statement and per-venue mean, with a
    sell-through made from the list price; keeps the model columns it built from each backend's fetch."""

    def __init__(self) -> None:
        self.columns: list[dict[str, Any]] = []

    def __call__(self, fetch: Any) -> list[tuple[Any, ...]]:
        from datetime import timedelta

        from concert_api.adapters.warehouse.queries.features import SCHEDULED_CONCERT_FEATURES
        from concert_tools.model.scoring import ScoringSummary, forecast_rows, model_columns

        cols = fetch(SCHEDULED_CONCERT_FEATURES,
                     {"as_of": AS_OF, "start": AS_OF, "end": AS_OF + timedelta(days=180), "venue_ids": ""})
        model_cols = model_columns(cols)
        self.columns.append({"venue_id": list(cols["venue_id"]), **model_cols})
        sell_through = 1.0 / (1.0 + model_cols["ticket_price"] / 100.0)
        return forecast_rows(cols["venue_id"], sell_through, "price-model",
                             ScoringSummary("price-model", "2026-01-01T00:00:00Z"))  # fmt: skip


class Backends:
    """One data set loaded into both backends."""

    def __init__(self, duck: Any, pg: Any, files: dict[str, Path], scorer: PriceScorer | None = None) -> None:
        self.duck = duck
        self.pg = pg
        self.files = files
        self.scorer = scorer or PriceScorer()

    def both(self, sql: str, params: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return self.duck.query(sql, params), self.pg.query(sql, params)

    def sample(self, sql: str) -> list[dict[str, Any]]:
        return list(self.duck.query(sql, {}))


@pytest.fixture(scope="module", params=["tiny", "mini"])
def backends(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, postgres_dsn: str
) -> Iterator[Backends]:
    import psycopg
    from psycopg.conninfo import make_conninfo

    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
    from concert_api.adapters.warehouse.postgres import PostgresWarehouse

    kind = request.param
    root = tmp_path_factory.mktemp(f"cross-{kind}")
    files = _dataset(kind, root / "parquet")

    duck_path = root / "warehouse.duckdb"
    loader = DuckDBWarehouse(duck_path, read_only=False)
    try:
        scorer = PriceScorer()
        duck_counts = loader.replace_all(files, forecasts=scorer)
    finally:
        loader.close()
    duck = DuckDBWarehouse(duck_path, read_only=True)

    schema_name = f"x_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema_name}")
        collation = conn.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()").fetchone()
    assert collation and collation[0] in ("C", "C.UTF-8", "C.utf8", "POSIX"), (
        f"the test database sorts strings by {collation}; Redshift and DuckDB compare bytes. Create it with "
        "--lc-collate=C (scripts/start-postgres.sh does)"
    )
    pg = PostgresWarehouse(make_conninfo(postgres_dsn, options=f"-c search_path={schema_name}"))
    try:
        pg_counts = pg.replace_all(files, forecasts=scorer)
        assert {k: v for k, v in pg_counts.items() if k in files} == {
            k: v for k, v in duck_counts.items() if k in files
        }
        yield Backends(duck, pg, files, scorer)
    finally:
        duck.close()
        pg.close()
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema_name} CASCADE")


def assert_same(backends: Backends, sql: str, params: dict[str, Any], *, nonempty: bool = False) -> None:
    duck_rows, pg_rows = backends.both(sql, params)
    if nonempty:
        assert duck_rows, "the comparison would be vacuous: no rows"
    rows_equal(duck_rows, pg_rows)
    for i, (a, b) in enumerate(zip(duck_rows, pg_rows, strict=True)):
        for key in a:
            if a[key] is not None and b[key] is not None:
                assert type(a[key]) is type(b[key]), f"row {i} {key}: {type(a[key])} vs {type(b[key])}"


# --- the summary table refresh ----------------------------------------------------------------------------


def test_every_loaded_table_has_the_same_rows(backends: Backends) -> None:
    for spec in schema.LOADED_TABLES:
        keys = ", ".join(spec.primary_key)
        assert_same(backends, f"SELECT * FROM {spec.name} ORDER BY {keys}", {}, nonempty=True)


def test_batch_scoring_reads_the_same_features_and_writes_the_same_forecasts(backends: Backends) -> None:
    import numpy as np

    duck_cols, pg_cols = backends.scorer.columns
    assert duck_cols["venue_id"], "the comparison would be vacuous: no scheduled concerts"
    assert duck_cols["venue_id"] == pg_cols["venue_id"]
    for name, values in duck_cols.items():
        if name != "venue_id":
            other = pg_cols[name]
            if values.dtype == object:
                assert list(values) == list(other), name
            else:
                assert np.array_equal(values, other, equal_nan=values.dtype.kind == "f"), name
    assert_same(backends, "SELECT * FROM venue_forecasts ORDER BY venue_id", {}, nonempty=True)


def test_venue_metrics_refresh_is_the_same(backends: Backends) -> None:
    assert_same(backends, "SELECT * FROM venue_metrics ORDER BY venue_id", {}, nonempty=True)


# --- venues ---------------------------------------------------------------------------------------------


def _some_venue(backends: Backends) -> dict[str, Any]:
    return backends.sample("SELECT venue_id, city, state, venue_type FROM venues ORDER BY venue_id LIMIT 1")[0]


def test_venue_popularity_without_filters(backends: Backends) -> None:
    assert_same(backends, venues.VENUE_POPULARITY, NO_FILTER, nonempty=True)
    ranked = backends.duck.query(venues.VENUE_POPULARITY, NO_FILTER)
    assert any(r["forecast_attendance_rate"] is not None for r in ranked)  # the join is not vacuous
    assert_same(backends, venues.VENUE_POPULARITY, {**NO_FILTER, "top_n": 10, "min_events": 5}, nonempty=True)
    assert_same(backends, venues.VENUE_POPULARITY, {**NO_FILTER, "top_n": 1}, nonempty=True)


@pytest.mark.parametrize("rank_by", sorted(venues.RANK_MEASURES))
def test_venue_popularity_by_every_rank_by(backends: Backends, rank_by: str) -> None:
    assert_same(backends, venues.VENUE_POPULARITY, {**NO_FILTER, "rank_by": rank_by}, nonempty=True)
    assert_same(backends, venues.VENUE_POPULARITY, {**NO_FILTER, "rank_by": rank_by, "top_n": 5, "min_events": 3})


def test_artist_similarity_refresh_is_the_same(backends: Backends) -> None:
    assert_same(backends, "SELECT * FROM artist_similarity ORDER BY artist_id, similar_artist_id", {}, nonempty=True)


def test_venue_popularity_with_filters(backends: Backends) -> None:
    venue = _some_venue(backends)
    assert_same(backends, venues.VENUE_POPULARITY, {**NO_FILTER, "city": venue["city"].upper()}, nonempty=True)
    assert_same(backends, venues.VENUE_POPULARITY, {**NO_FILTER, "state": venue["state"]}, nonempty=True)
    assert_same(backends, venues.VENUE_POPULARITY, {**NO_FILTER, "venue_type": venue["venue_type"]}, nonempty=True)
    assert_same(
        backends,
        venues.VENUE_POPULARITY,
        {
            **NO_FILTER,
            "city": venue["city"],
            "state": venue["state"],
            "venue_type": venue["venue_type"],
            "top_n": 3,
        },
        nonempty=True,
    )


def test_venue_popularity_empty_results(backends: Backends) -> None:
    assert_same(backends, venues.VENUE_POPULARITY, {**NO_FILTER, "min_events": 10_000_000})
    assert_same(backends, venues.VENUE_POPULARITY, {**NO_FILTER, "city": "Atlantis"})
    assert_same(backends, venues.VENUE_POPULARITY, {**NO_FILTER, "top_n": 0})


def test_venue_by_id(backends: Backends) -> None:
    venue = _some_venue(backends)
    assert_same(backends, venues.VENUE_BY_ID, {"venue_id": venue["venue_id"]}, nonempty=True)
    assert_same(backends, venues.VENUE_BY_ID, {"venue_id": "venue_none"})


# --- recommendations -----------------------------------------------------------------------------------


def _candidates(**overrides: Any) -> dict[str, Any]:
    from datetime import timedelta

    return {
        "user_id": "", "today": AS_OF, "until": AS_OF + timedelta(days=180), "genres": "", "genre_filter": "",
        "state": "", "lat": 0.0, "lon": 0.0, "lon_scale": 0.0, "home_dlat": 2.7, "genres_from_user": "",
        "genre_share": 0.5, **WORLD, **overrides,
    }  # fmt: skip


def _users(backends: Backends) -> list[str]:
    busiest = backends.sample("SELECT user_id FROM attendance GROUP BY user_id ORDER BY COUNT(*) DESC, user_id LIMIT 2")
    idle = backends.sample(
        "SELECT user_id FROM users WHERE user_id NOT IN (SELECT user_id FROM attendance) ORDER BY user_id LIMIT 1"
    )
    return [u["user_id"] for u in busiest + idle] + ["user_does_not_exist"]


def test_candidates_without_a_user(backends: Backends) -> None:
    assert_same(backends, recommendations.CANDIDATES, _candidates(), nonempty=True)
    genres = backends.sample("SELECT DISTINCT genre FROM artists ORDER BY genre LIMIT 2")
    framed = "," + ",".join(g["genre"] for g in genres) + ","
    assert_same(backends, recommendations.CANDIDATES, _candidates(genres=framed), nonempty=True)
    assert_same(backends, recommendations.CANDIDATES, _candidates(genres=framed, genre_filter="1"), nonempty=True)
    venue = _some_venue(backends)
    assert_same(backends, recommendations.CANDIDATES, _candidates(state=venue["state"]), nonempty=True)


def test_candidates_in_a_bounding_box_widen_to_the_nearest_shows(backends: Backends) -> None:
    venue = backends.sample("SELECT latitude, longitude FROM venues ORDER BY venue_id LIMIT 1")[0]
    box = {
        "min_lat": venue["latitude"] - 1,
        "max_lat": venue["latitude"] + 1,
        "min_lon": venue["longitude"] - 1,
        "max_lon": venue["longitude"] + 1,
        "lat": venue["latitude"],
        "lon": venue["longitude"],
        "lon_scale": 0.75,
    }
    assert_same(backends, recommendations.CANDIDATES, _candidates(**box), nonempty=True)
    assert_same(backends, recommendations.CANDIDATES, _candidates(today=date(2100, 1, 1)))


def test_request_context_and_candidates_for_users(backends: Backends) -> None:
    users = _users(backends)
    city = backends.sample("SELECT city FROM cities ORDER BY population DESC, city LIMIT 1")[0]["city"]
    for i, user_id in enumerate(users):
        for name in ("", city):
            assert_same(backends, recommendations.REQUEST_CONTEXT, {"user_id": user_id, "name": name},
                        nonempty=i < 3 or bool(name))  # fmt: skip
        assert_same(backends, recommendations.CANDIDATES, _candidates(user_id=user_id), nonempty=True)
        for genres_from_user in ("1", ""):
            home = _candidates(user_id=user_id, genres_from_user=genres_from_user)
            assert_same(backends, recommendations.CANDIDATES_AROUND_HOME, home, nonempty=True)
    busiest = users[0]
    rows = backends.duck.query(recommendations.CANDIDATES, _candidates(user_id=busiest))
    assert any(r["times_seen"] > 0 for r in rows) and any(r["affinity"] > 0 for r in rows)


def test_city_lookup(backends: Backends) -> None:
    city = backends.sample("SELECT city, state FROM cities ORDER BY population DESC, city LIMIT 1")[0]
    assert_same(backends, recommendations.CITY_LOOKUP, {"name": city["city"]}, nonempty=True)
    assert_same(backends, recommendations.CITY_LOOKUP, {"name": city["city"].lower()}, nonempty=True)
    assert_same(backends, recommendations.CITY_LOOKUP, {"name": city["state"].lower()}, nonempty=True)
    assert_same(backends, recommendations.CITY_LOOKUP, {"name": "Atlantis"})


# --- Every statement in warehouse/queries, on both backends ---------------------------------------------------


def _catalogue() -> list[tuple[str, str]]:
    """(name, sql) of every read statement in `adapters.warehouse.queries`, so a new query is covered too (the
    modules' private names are pieces and templates of statements, not statements)."""
    import importlib
    import pkgutil

    import concert_api.adapters.warehouse.queries as package

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, value in sorted(vars(module).items()):
            statement = name.isupper() and not name.startswith("_") and isinstance(value, str)
            if statement and value.lstrip().upper().startswith(("SELECT", "WITH")):
                found.append((f"{info.name}.{name}", value))
    return found


def _parameter_sets(backends: Backends) -> list[dict[str, Any]]:
    """Values from the loaded data for every parameter name the queries use: one set with every filter set, one
    with every optional filter empty."""
    from datetime import timedelta

    artist = backends.sample("SELECT artist_id, name, genre FROM artists ORDER BY artist_id LIMIT 1")[0]
    venue = backends.sample("SELECT venue_id, name, city, state FROM venues ORDER BY venue_id LIMIT 1")[0]
    user = backends.sample("SELECT user_id FROM attendance GROUP BY user_id ORDER BY COUNT(*) DESC, user_id LIMIT 1")
    common = {
        "as_of": AS_OF.isoformat(),
        "today": AS_OF.isoformat(),
        "date_from": (AS_OF - timedelta(days=730)).isoformat(),
        "date_to": (AS_OF + timedelta(days=365)).isoformat(),
        "start": AS_OF.isoformat(),
        "end": (AS_OF + timedelta(days=180)).isoformat(),
        "top_n": 25,
        "limit": 25,
        "min_events": 0,
        "group_by": "artist",
        "rank_by": "revenue",
        "min_concerts": 2,
        "until": (AS_OF + timedelta(days=180)).isoformat(),
        "genre_filter": "",
        "lat": 40.0,
        "lon": -90.0,
        "lon_scale": 0.77,
        "user_id": user[0]["user_id"] if user else "user_001",
        "name": artist["name"][:4],
        "home_dlat": 2.7,
        "genre_share": 0.5,
        **WORLD,
    }
    filtered = {
        **common,
        "artist_id": artist["artist_id"],
        "venue_id": venue["venue_id"],
        "city": venue["city"],
        "state": venue["state"],
        "genre": artist["genre"],
        "genres": f",{artist['genre']},",
        "status": "completed",
        "venue_type": "",
        "max_price": 500.0,
        "artist_ids": f",{artist['artist_id']},",
        "venue_ids": f",{venue['venue_id']},",
        "genres_from_user": "1",
    }
    unfiltered = {
        **common,
        "artist_id": "",
        "venue_id": "",
        "city": "",
        "state": "",
        "genre": "",
        "genres": "",
        "status": "",
        "venue_type": "",
        "max_price": 0.0,
        "artist_ids": "",
        "venue_ids": "",
        "group_by": "genre",
        "rank_by": "revenue",
        "min_concerts": 1,
        "genres_from_user": "",
    }
    return [filtered, unfiltered]


@pytest.mark.parametrize(("name", "sql"), _catalogue(), ids=[name for name, _ in _catalogue()])
def test_every_catalogued_query_gives_the_same_rows(backends: Backends, name: str, sql: str) -> None:
    from concert_api.adapters.warehouse.base import param_names

    for params in _parameter_sets(backends):
        needed = {key: params[key] for key in param_names(sql)}
        duck, pg = backends.both(sql, needed)
        rows_equal(duck, pg)
