"""Offline evaluation of `POST /recommendations`: would the users have gone to what we recommend?

The warehouse is rewound to a cutoff date: concerts on or after it become `scheduled` again, and the ticket
sales and attendance after it are hidden (the summary tables, `artist_similarity` included, are refreshed from
what is left, exactly as a load would). For a sample of users with a history before the cutoff and at least one
concert attended in the `horizon` days after it, one of those attended concerts (picked at random) is the
target. Each system recommends `k` concerts as of the cutoff, looking `horizon` days ahead; the target is found
when its artist is among them.

* hit rate@k: the share of targets whose artist is recommended;
* NDCG@k: 1 / log2(1 + rank) of the target's artist (one relevant item, so the ideal DCG is 1), averaged;
* coverage@k: distinct artists recommended to anyone / artists with a concert in the window.

Split by target: `known` (an artist the user attended before the cutoff) and `new` (discovery).

Systems: the service (`recommend` with `user_id` only, `today` = the cutoff) and three baselines over the
concerts within `HOME_RADIUS_KM` of the user's home in the window, one concert per artist: the most popular
artists (`popularity`), the most popular in the user's favourite genres first (`genre_popularity`), and random.

Offline tooling: it imports DuckDB and is never imported by a handler.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from concert_api.adapters.warehouse import schema
from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse, sql_literal
from concert_api.adapters.warehouse.queries.refresh import REFRESH_STATEMENTS
from concert_api.models import RecommendationsRequest
from concert_api.services.geo import haversine_km
from concert_api.services.recommendations import HOME_RADIUS_KM, recommend

SYSTEMS = ("service", "popularity", "genre_popularity", "random")
SEGMENTS = ("all", "known", "new")
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Settings:
    """What to evaluate: horizons in days, how many users, their minimum history, the list length, the seed."""

    horizons: tuple[int, ...] = (60, 180)
    users: int = 400
    min_history: int = 5
    k: int = 10
    seed: int = 42
    cutoff: dt.date | None = None  # default: the last completed concert's date + 1 day - the longest horizon


@dataclass
class Score:
    """Hits and NDCG summed over targets; `rate` and `ndcg` are the means."""

    targets: int = 0
    hits: int = 0
    dcg: float = 0.0

    def add(self, rank: int | None) -> None:
        self.targets += 1
        if rank is not None:
            self.hits += 1
            self.dcg += 1.0 / math.log2(1 + rank)

    @property
    def rate(self) -> float:
        return self.hits / self.targets if self.targets else 0.0

    @property
    def ndcg(self) -> float:
        return self.dcg / self.targets if self.targets else 0.0


@dataclass
class HorizonResult:
    """One horizon: scores per system and segment, coverage per system, and short lists of the service."""

    horizon: int
    users: int
    catalogue: int  # artists with a concert in the window
    scores: dict[str, dict[str, Score]] = field(default_factory=dict)
    coverage: dict[str, float] = field(default_factory=dict)
    short_lists: int = 0  # service answers with fewer than k concerts


@dataclass
class Evaluation:
    cutoff: dt.date
    settings: Settings
    results: list[HorizonResult]

    def as_dict(self) -> dict[str, Any]:
        """The figures as plain data (for `--json`)."""
        return {
            "cutoff": self.cutoff.isoformat(),
            "k": self.settings.k,
            "horizons": [
                {
                    "horizon_days": r.horizon,
                    "users": r.users,
                    "catalogue_artists": r.catalogue,
                    "service_short_lists": r.short_lists,
                    "systems": {
                        system: {
                            "coverage": round(r.coverage[system], 4),
                            **{
                                seg: {"targets": s.targets, "hit_rate": round(s.rate, 4), "ndcg": round(s.ndcg, 4)}
                                for seg, s in r.scores[system].items()
                            },
                        }
                        for system in SYSTEMS
                    },
                }
                for r in self.results
            ],
        }

    def markdown(self) -> str:
        """A table per horizon: hit rate / NDCG per segment, coverage, per system."""
        k = self.settings.k
        lines = [f"cutoff {self.cutoff.isoformat()}, top {k}"]
        for r in self.results:
            known, new = r.scores["service"]["known"].targets, r.scores["service"]["new"].targets
            lines += [
                "",
                f"{r.horizon} days ahead: {r.users} users ({known} known-artist, {new} new-artist targets), "
                f"{r.catalogue} artists with concerts; service lists shorter than {k}: {r.short_lists}",
                "",
                f"| system | hit@{k} | NDCG@{k} | known: hit / NDCG | new: hit / NDCG | coverage@{k} |",
                "| --- | ---: | ---: | ---: | ---: | ---: |",
            ]
            for system in SYSTEMS:
                s = r.scores[system]
                lines.append(
                    f"| {system} | {s['all'].rate:.3f} | {s['all'].ndcg:.3f} | {s['known'].rate:.3f} / "
                    f"{s['known'].ndcg:.3f} | {s['new'].rate:.3f} / {s['new'].ndcg:.3f} | {r.coverage[system]:.3f} |"
                )
        return "\n".join(lines) + "\n"


def evaluate(source: Path, settings: Settings = Settings(), progress: Progress | None = None) -> Evaluation:
    """Rewind the DuckDB warehouse at `source` to the cutoff and score the service and the baselines."""
    report = progress or (lambda _step, _done, _total: None)
    with duckdb.connect(str(source), read_only=True) as con:
        last = con.execute("SELECT MAX(event_date) FROM concerts WHERE status = 'completed'").fetchone()
    if not last or last[0] is None:
        raise ValueError("the warehouse has no completed concerts to evaluate on")
    cutoff = settings.cutoff or (last[0] + dt.timedelta(days=1 - max(settings.horizons)))
    with tempfile.TemporaryDirectory(prefix="concert-eval-") as tmp:
        rewound = Path(tmp) / "rewound.duckdb"
        report("rewinding the warehouse", 0, 1)
        rewind(source, rewound, cutoff)
        warehouse = DuckDBWarehouse(rewound)
        try:
            results = [
                _evaluate_horizon(source, warehouse, rewound, cutoff, horizon, settings, report)
                for horizon in settings.horizons
            ]
        finally:
            warehouse.close()
    return Evaluation(cutoff, settings, results)


def rewind(source: Path, target: Path, cutoff: dt.date) -> None:
    """Write at `target` the warehouse as it stood on `cutoff`: later concerts scheduled (a later cancellation
    was not known yet), later sales and attendance removed, summary tables refreshed."""
    con = duckdb.connect(str(target))
    try:
        con.execute(f"ATTACH {sql_literal(str(source))} AS src (READ_ONLY)")
        for statement in schema.ddl("duckdb"):
            con.execute(statement)
        day = f"DATE {sql_literal(cutoff.isoformat())}"
        for spec in schema.LOADED_TABLES:
            cols = ", ".join(spec.column_names)
            if spec.name == "concerts":
                select = (
                    "SELECT concert_id, artist_id, venue_id, event_date, ticket_price, "
                    f"CASE WHEN event_date >= {day} THEN 'scheduled' ELSE status END FROM src.concerts"
                )
            elif spec.name in ("ticket_sales", "attendance"):
                picked = ", ".join(f"t.{c}" for c in spec.column_names)
                select = (
                    f"SELECT {picked} FROM src.{spec.name} t JOIN src.concerts c ON c.concert_id = t.concert_id "
                    f"WHERE c.event_date < {day}"
                )
            else:
                select = f"SELECT {cols} FROM src.{spec.name}"
            con.execute(f"INSERT INTO {spec.name} ({cols}) {select}")
        for statement in REFRESH_STATEMENTS:
            con.execute(statement)
        con.execute("DETACH src")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _evaluate_horizon(
    source: Path,
    warehouse: DuckDBWarehouse,
    rewound: Path,
    cutoff: dt.date,
    horizon: int,
    settings: Settings,
    report: Progress,
) -> HorizonResult:
    until = cutoff + dt.timedelta(days=horizon)
    rng = random.Random(f"{settings.seed}-{horizon}")
    targets = _targets(source, cutoff, until, settings, rng)
    with duckdb.connect(str(rewound), read_only=True) as con:
        users = _user_facts(con, [t[0] for t in targets])
        window = _rows(
            con,
            """SELECT c.concert_id, c.artist_id, a.genre, a.popularity, v.latitude, v.longitude, c.event_date
               FROM concerts c JOIN artists a ON a.artist_id = c.artist_id JOIN venues v ON v.venue_id = c.venue_id
               WHERE c.status = 'scheduled' AND c.event_date >= ? AND c.event_date < ?
               ORDER BY a.popularity DESC, c.event_date, c.concert_id""",
            [cutoff, until],
        )
        scheduled = con.execute("SELECT concert_id, artist_id FROM concerts WHERE status = 'scheduled'")
        artist_of = dict(scheduled.fetchall())
    result = HorizonResult(horizon, len(targets), len({r["artist_id"] for r in window}))
    result.scores = {system: {seg: Score() for seg in SEGMENTS} for system in SYSTEMS}
    recommended: dict[str, set[str]] = {system: set() for system in SYSTEMS}
    for done, (user_id, target_artist) in enumerate(targets):
        if done % 20 == 0:
            report(f"{horizon} days ahead", done, len(targets))
        facts = users[user_id]
        segment = "known" if target_artist in facts["seen"] else "new"
        response = recommend(
            RecommendationsRequest(user_id=user_id, top_n=settings.k), warehouse, today=cutoff, window_days=horizon
        )
        if len(response.recommendations) < settings.k:
            result.short_lists += 1
        lists = {
            "service": [artist_of[r.concert_id] for r in response.recommendations],
            **_baselines(window, facts, settings.k, rng),
        }
        for system, artists in lists.items():
            recommended[system].update(artists)
            rank = next((i + 1 for i, a in enumerate(artists) if a == target_artist), None)
            result.scores[system]["all"].add(rank)
            result.scores[system][segment].add(rank)
    report(f"{horizon} days ahead", len(targets), len(targets))
    result.coverage = {s: len(recommended[s]) / result.catalogue if result.catalogue else 0.0 for s in SYSTEMS}
    return result


def _targets(
    source: Path, cutoff: dt.date, until: dt.date, settings: Settings, rng: random.Random
) -> list[tuple[str, str]]:
    """(user, artist of one concert they attended in [cutoff, until)) for a sample of users with a history."""
    with duckdb.connect(str(source), read_only=True) as con:
        rows = _rows(
            con,
            """WITH seen AS (
                   SELECT t.user_id,
                          SUM(CASE WHEN c.event_date < ? THEN 1 ELSE 0 END) AS history
                   FROM attendance t JOIN concerts c ON c.concert_id = t.concert_id
                   GROUP BY t.user_id
               )
               SELECT t.user_id, c.artist_id, c.concert_id
               FROM attendance t
               JOIN concerts c ON c.concert_id = t.concert_id
               JOIN seen s ON s.user_id = t.user_id
               WHERE c.event_date >= ? AND c.event_date < ? AND s.history >= ?
               ORDER BY t.user_id, c.concert_id""",
            [cutoff, cutoff, until, settings.min_history],
        )
    by_user: dict[str, list[str]] = {}
    for row in rows:
        by_user.setdefault(row["user_id"], []).append(row["artist_id"])
    users = sorted(by_user)
    sample = sorted(rng.sample(users, min(settings.users, len(users))))
    return [(user, rng.choice(by_user[user])) for user in sample]


def _user_facts(con: duckdb.DuckDBPyConnection, user_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Home coordinates, favourite genres and the artists seen before the cutoff, per user."""
    ids = sorted(set(user_ids))
    facts: dict[str, dict[str, Any]] = {}
    for row in _rows(
        con,
        """SELECT u.user_id, u.favorite_genres, c.latitude, c.longitude
           FROM users u LEFT JOIN cities c ON LOWER(c.city) = LOWER(u.home_city) AND c.state = u.home_state
           WHERE u.user_id IN (SELECT UNNEST(?))""",
        [ids],
    ):
        genres = {g.strip() for g in str(row["favorite_genres"] or "").split(",") if g.strip()}
        facts[row["user_id"]] = {"genres": genres, "home": (row["latitude"], row["longitude"]), "seen": set()}
    for row in _rows(con, "SELECT user_id, artist_id FROM user_artists WHERE user_id IN (SELECT UNNEST(?))", [ids]):
        facts[row["user_id"]]["seen"].add(row["artist_id"])
    return facts


def _baselines(window: list[dict[str, Any]], facts: dict[str, Any], k: int, rng: random.Random) -> dict[str, list[str]]:
    """The baselines' artist lists: `window` is sorted most popular first; only concerts near home count."""
    lat, lon = facts["home"]
    near = [
        r for r in window if lat is None or haversine_km(lat, lon, r["latitude"], r["longitude"]) <= HOME_RADIUS_KM
    ]
    favourite = [r for r in near if r["genre"] in facts["genres"]] + [
        r for r in near if r["genre"] not in facts["genres"]
    ]
    shuffled = list(near)
    rng.shuffle(shuffled)
    return {
        "popularity": _distinct_artists(near, k),
        "genre_popularity": _distinct_artists(favourite, k),
        "random": _distinct_artists(shuffled, k),
    }


def _distinct_artists(rows: list[dict[str, Any]], k: int) -> list[str]:
    out: list[str] = []
    for row in rows:
        if row["artist_id"] not in out:
            out.append(row["artist_id"])
            if len(out) == k:
                break
    return out


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
