"""The recommendation service on the generated `tiny` data set: statements per request, a full list when enough
concerts exist, the collaborative signal, the as-of date; and the offline evaluation built on it."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
from concert_api.adapters.warehouse.queries import recommendations as q
from concert_api.models import LocationFilter, RecommendationsRequest
from concert_api.services import recommendations as service
from concert_api.services.recommendations import recommend


class CountingWarehouse:
    """A warehouse that counts the statements sent through it (each is one ExecuteStatement on the Data API)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.backend = inner.backend
        self.statements: list[str] = []

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        self.statements.append(sql)
        return self.inner.query(sql, params)


def _busiest_user(warehouse: Any) -> str:
    rows = warehouse.query("SELECT user_id FROM user_artists GROUP BY user_id ORDER BY SUM(times_attended) DESC, "
                           "user_id LIMIT 1")  # fmt: skip
    return rows[0]["user_id"]


@pytest.mark.parametrize(
    "request_body",
    [
        {"top_n": 10},
        {"user_id": "user_123", "top_n": 10},
        {"user_id": "user_123", "artist_preferences": ["rock", "pop"], "location": "New York", "top_n": 10},
        {"location": {"latitude": 40.7, "longitude": -74.0, "radius_km": 30}, "top_n": 40},
        {"location": "Texas", "artist_preferences": ["jazz"], "top_n": 5},
    ],
)
def test_a_request_costs_at_most_two_statements(tiny_warehouse: Any, request_body: dict[str, Any]) -> None:
    counting = CountingWarehouse(tiny_warehouse)
    recommend(RecommendationsRequest(**request_body), counting)  # type: ignore[arg-type]
    assert 1 <= len(counting.statements) <= 2


def test_top_n_is_always_filled_by_widening_the_radius_and_saying_so(tiny_warehouse: Any) -> None:
    # Given a small circle in a city, and more shows asked for than the circle holds
    request = RecommendationsRequest(
        location=LocationFilter(latitude=41.88, longitude=-87.63, radius_km=5), top_n=60
    )
    # When recommendations are asked for
    response = recommend(request, tiny_warehouse)
    # Then the list is full, and every concert beyond 5 km says the search was widened and why
    assert len(response.recommendations) == 60
    widened = [r for r in response.recommendations if r.distance_km is None or r.distance_km > 5]
    assert widened, "the circle held enough concerts: the test would not exercise the widening"
    assert all(r.reasoning.startswith("Widened the search to reach 60 concerts") for r in widened)
    assert all("beyond the 5 km asked for" in r.reasoning for r in widened)


def test_top_n_is_filled_with_later_dates_when_the_window_is_short(tiny_warehouse: Any) -> None:
    response = recommend(RecommendationsRequest(top_n=30), tiny_warehouse, window_days=3)
    assert len(response.recommendations) == 30
    today = dt.date.today()
    later = [r for r in response.recommendations if dt.date.fromisoformat(r.event_date) >= today + dt.timedelta(3)]
    assert later and all("after the next 3 days" in r.reasoning for r in later)


def test_fewer_than_top_n_only_when_the_warehouse_has_no_more_shows(tiny_warehouse: Any) -> None:
    # Given every show (artist and venue) of one genre, at most two venues per artist
    rows = tiny_warehouse.query(
        "SELECT DISTINCT c.artist_id, c.venue_id FROM concerts c JOIN artists a ON a.artist_id = c.artist_id "
        "WHERE c.status = 'scheduled' AND c.event_date >= :d AND a.genre = 'jazz'",
        {"d": dt.date.today()},
    )
    per_artist: dict[str, int] = {}
    for row in rows:
        per_artist[row["artist_id"]] = min(2, per_artist.get(row["artist_id"], 0) + 1)
    available = sum(per_artist.values())
    # When more are asked for than exist
    response = recommend(RecommendationsRequest(artist_preferences=["jazz"], location="Boston", top_n=100),
                         tiny_warehouse)  # fmt: skip
    # Then every available show is returned, and no more
    assert len(response.recommendations) == min(100, available)


def test_a_user_with_history_gets_new_artists_that_similar_fans_attended(tiny_warehouse: Any) -> None:
    user_id = _busiest_user(tiny_warehouse)
    seen = {r["artist_id"] for r in tiny_warehouse.query(
        "SELECT artist_id FROM user_artists WHERE user_id = :u", {"u": user_id})}  # fmt: skip
    similar = {r["similar_artist_id"] for r in tiny_warehouse.query(
        "SELECT s.similar_artist_id FROM user_artists m JOIN artist_similarity s ON s.artist_id = m.artist_id "
        "WHERE m.user_id = :u", {"u": user_id})} - seen  # fmt: skip
    response = recommend(RecommendationsRequest(user_id=user_id, top_n=20), tiny_warehouse)
    names = {r["name"]: r["artist_id"] for r in tiny_warehouse.query("SELECT artist_id, name FROM artists", {})}
    recommended = {names[r.artist_name] for r in response.recommendations}
    assert recommended & similar, "no new artist from the collaborative signal"
    assert any("fans of artists you have seen" in r.reasoning for r in response.recommendations)


def test_artist_similarity_is_symmetric_in_co_users_and_bounded(tiny_warehouse: Any) -> None:
    rows = tiny_warehouse.query("SELECT * FROM artist_similarity", {})
    assert rows
    pairs = {(r["artist_id"], r["similar_artist_id"]): r for r in rows}
    for (a, b), row in pairs.items():
        assert a != b and 0 < row["similarity"] < 1
        if (b, a) in pairs:
            assert pairs[(b, a)]["co_users"] == row["co_users"]
    per_artist: dict[str, int] = {}
    for a, _ in pairs:
        per_artist[a] = per_artist.get(a, 0) + 1
    from concert_api.adapters.warehouse.queries.refresh import SIMILAR_ARTISTS_KEPT

    assert max(per_artist.values()) <= SIMILAR_ARTISTS_KEPT


def test_the_as_of_date_decides_what_is_upcoming(tiny_warehouse: Any) -> None:
    later = dt.date.today() + dt.timedelta(days=60)
    response = recommend(RecommendationsRequest(top_n=10), tiny_warehouse, today=later)
    assert response.recommendations
    assert all(dt.date.fromisoformat(r.event_date) >= later for r in response.recommendations)


# --- the offline evaluation ------------------------------------------------------------------------------


def test_rewinding_hides_attendance_and_sales_after_the_cutoff(tiny_data_dir: Path, tmp_path: Path) -> None:
    import duckdb

    from concert_tools.recommendations.evaluation import rewind

    source = tiny_data_dir / "warehouse.duckdb"
    cutoff = dt.date.today() - dt.timedelta(days=120)
    target = tmp_path / "rewound.duckdb"
    rewind(source, target, cutoff)
    with duckdb.connect(str(target), read_only=True) as con:
        late_attendance = con.execute(
            "SELECT COUNT(*) FROM attendance t JOIN concerts c USING (concert_id) WHERE c.event_date >= ?", [cutoff]
        ).fetchone()
        late_sales = con.execute(
            "SELECT COUNT(*) FROM ticket_sales t JOIN concerts c USING (concert_id) WHERE c.event_date >= ?", [cutoff]
        ).fetchone()
        statuses = con.execute("SELECT DISTINCT status FROM concerts WHERE event_date >= ?", [cutoff]).fetchall()
        early = con.execute("SELECT COUNT(*) FROM attendance").fetchone()
        summary = con.execute("SELECT SUM(times_attended) FROM user_artists").fetchone()
    assert late_attendance == (0,) and late_sales == (0,)
    assert statuses == [("scheduled",)]
    assert early and summary and early[0] > 0 and summary[0] == early[0]  # the summary was refreshed


def test_the_evaluation_scores_the_service_and_every_baseline(tiny_data_dir: Path) -> None:
    from concert_tools.recommendations.evaluation import SEGMENTS, SYSTEMS, Settings, evaluate

    result = evaluate(tiny_data_dir / "warehouse.duckdb", Settings(users=40, horizons=(60,), min_history=3))
    (horizon,) = result.results
    assert horizon.users == 40
    for system in SYSTEMS:
        scores = horizon.scores[system]
        assert scores["all"].targets == 40
        assert scores["known"].targets + scores["new"].targets == 40
        for segment in SEGMENTS:
            assert 0.0 <= scores[segment].ndcg <= scores[segment].rate <= 1.0
        assert 0.0 < horizon.coverage[system] <= 1.0
    # the service, with the users' history, beats picking at random
    assert horizon.scores["service"]["all"].ndcg > horizon.scores["random"]["all"].ndcg
    assert "| service |" in result.markdown() and result.as_dict()["horizons"][0]["horizon_days"] == 60


def test_the_evaluate_command_prints_the_tables(tiny_data_dir: Path) -> None:
    from click.testing import CliRunner

    from concert_tools.cli.main import cli

    result = CliRunner().invoke(
        cli, ["recommendations", "evaluate", "--data-dir", str(tiny_data_dir), "--users", "20", "--horizon", "60",
              "--min-history", "3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "60 days ahead: 20 users" in result.output and "| genre_popularity |" in result.output


def test_the_evaluate_command_names_the_missing_warehouse(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from concert_tools.cli.main import cli

    result = CliRunner().invoke(cli, ["recommendations", "evaluate", "--data-dir", str(tmp_path)])
    assert result.exit_code != 0 and "concert-api data generate" in result.output


class SlowWarehouse(CountingWarehouse):
    """A warehouse whose statements are round trips (as on the Data API): each takes 50 ms, and the most statements
    in flight at once is recorded."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.backend = "redshift-data"
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        if "load_metadata" in sql:  # the result cache's check of the load marker, in its own thread
            return super().query(sql, params)
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(0.05)
            return super().query(sql, params)
        finally:
            with self._lock:
                self.in_flight -= 1


@pytest.mark.parametrize(("request_body", "side_by_side"), [
    ({"user_id": "user_123", "top_n": 10}, True),
    ({"user_id": "user_123", "artist_preferences": ["rock"], "top_n": 10}, True),
    ({"user_id": "user_123", "location": "New York", "top_n": 10}, False),
])  # fmt: skip
def test_a_request_around_the_users_home_is_one_round_trip(
    tiny_warehouse: Any, request_body: dict[str, Any], side_by_side: bool
) -> None:
    # Given statements that each take a while (as every Data API statement does)
    slow = SlowWarehouse(tiny_warehouse)
    # When a user asks without naming a place, the candidates need nothing from the user's context statement
    recommend(RecommendationsRequest(**request_body), slow, today=dt.date(2030, 1, 1))  # type: ignore[arg-type]
    # Then the two statements run at the same time; a named place still needs the context first (the result
    # cache's check of the load marker, which a Data API warehouse also runs, is not the request's)
    assert len([sql for sql in slow.statements if "load_metadata" not in sql]) == 2
    assert slow.most_in_flight == (2 if side_by_side else 1)


def test_the_statement_finds_the_home_and_genres_as_the_service_would(tiny_data_dir: Path, tmp_path: Path) -> None:
    # Given the tiny warehouse, with some users without favourite genres and some whose home city is unknown
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(tiny_data_dir / "warehouse.duckdb", copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("UPDATE users SET favorite_genres = '' WHERE user_id IN "
                    "(SELECT user_id FROM users ORDER BY user_id LIMIT 40)")  # fmt: skip
        con.execute("UPDATE users SET home_city = 'Nowhere' WHERE user_id IN "
                    "(SELECT user_id FROM users ORDER BY user_id DESC LIMIT 20)")  # fmt: skip
    warehouse = DuckDBWarehouse(copy)
    users = [r["user_id"] for r in warehouse.query("SELECT user_id FROM users ORDER BY user_id")]
    known = {r["genre"] for r in warehouse.query("SELECT DISTINCT genre FROM artists")}
    today = dt.date.today()
    anywhere = service.Window(None, today, today + dt.timedelta(days=180), 180)
    for i, user_id in enumerate(users):
        request = RecommendationsRequest(user_id=user_id, artist_preferences=["rock", "jazz"] if i % 4 == 0 else [])
        # When the candidates are fetched with the place and genres worked out from the context in Python ...
        context = warehouse.query(q.REQUEST_CONTEXT, {"user_id": user_id, "name": ""})
        taste = service._taste(request, context)
        window = service.Window(taste.home, anywhere.today, anywhere.until, anywhere.days)
        from_context = warehouse.query(q.CANDIDATES, service._candidate_params(request, taste, window))
        # ... and by the statement alone
        requested = service._with_requested_genres(service.Taste(), request)
        params = service._candidate_params(request, requested, anywhere, from_home=True)
        alone = warehouse.query(q.CANDIDATES_AROUND_HOME, params)
        # Then both retrieve the same concerts, from the same place and genres
        assert alone == from_context, user_id
        python = service._candidate_params(request, taste, window)
        place = warehouse.query(q.USER_PLACE, params)[0]
        assert place == pytest.approx({k: python[k] for k in place}, rel=1e-12, abs=1e-12), user_id
        if not request.artist_preferences:
            # (a favourite genre no artist has retrieves nothing: the statement leaves it out)
            genres = [r["genre"] for r in warehouse.query(q.USER_GENRES, params)]
            wanted = [g for g in python["genres"].strip(",").split(",") if g in known]
            assert genres == sorted(wanted), user_id
    warehouse.close()
