"""The synthetic concert data set: deterministic, vectorised with numpy, written as Parquet.

`generate()` writes one Parquet file per warehouse table, plus `expected_demand.parquet` (the ground truth,
never loaded, never a feature: each concert's noise-free demand at its list price, the noise floor for a
ticket-sales model; its whole demand curve, `demand_ceiling x (1 - Phi((log price - log wtp_median) /
wtp_sigma))` at any price; and its true revenue-maximising list price) and `generation.json` (what was
generated). Loading is `concert_tools.data.loader.load_directory`'s job.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from concert_api.adapters.warehouse import schema
from concert_api.models import GENRES
from concert_tools.data import demand, names
from concert_tools.data.parquet_io import write_reference_cities, write_table
from concert_tools.data.reference import (
    CITIES,
    GENRE_SHARES,
    PEAK_DAY_OF_YEAR,
    VENUE_TYPE_SPECS,
    WEEKDAY_SCHEDULING,
    genre_city_affinity,
)
from concert_tools.data.scales import Scale, get_scale

GENERATOR_VERSION = "2.0"
EXPECTED_DEMAND_FILE = "expected_demand.parquet"
METADATA_FILE = "generation.json"

ProgressCallback = Callable[[str, int, int], None]
"""Called as `progress(step_description, steps_done, steps_total)` after each step."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

CANCELLED_PAST_SHARE = 0.03
CANCELLED_FUTURE_SHARE = 0.01
BOOKING_MEDIAN_HEADROOM = 0.32
"""Promoters book a room e^0.32 ~ 1.4x the artist's draw, on median (log scale)."""
BOOKING_SIGMA = 0.4
EXPERIMENT_SHARE = 0.15
"""Share of concerts priced as an experiment (a new tier, dynamic pricing): log-uniform in `EXPERIMENT_RANGE`
times the reference price instead of the promoter's usual spread around it."""
EXPERIMENT_RANGE = (0.6, 2.2)
HOME_CITY_VISIT_SHARE = 0.85
FAVOURITE_GENRE_VISIT_SHARE = 0.8

_STEPS = ("artists", "venues", "concerts", "ticket sales", "users", "attendance", "writing Parquet")


def generate(
    scale: str | Scale,
    seed: int,
    out_dir: Path,
    *,
    as_of: dt.date | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Path]:
    """Generate the data set and write it under `out_dir`; return the Parquet file of each loaded table.

    `as_of` splits the history (completed and cancelled concerts before it) from the future (scheduled
    concerts on or after it). The output is deterministic for (scale, seed, as_of) only: `as_of` defaults to
    today, so two runs on different days differ unless it is given. The files are written in a private
    directory inside `out_dir` and renamed into place once complete (see `_staging`)."""
    spec = get_scale(scale) if isinstance(scale, str) else scale
    as_of = as_of or dt.date.today()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda _step, _done, _total: None)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence([seed, _scale_key(spec)]).spawn(8)]

    cities = _active_cities(spec)
    report(_STEPS[0], 0, len(_STEPS))
    artists = _artists(spec, cities, streams[0])
    report(_STEPS[1], 1, len(_STEPS))
    venues = _venues(spec, cities, streams[1])
    report(_STEPS[2], 2, len(_STEPS))
    concerts = _concerts(spec, as_of, artists, venues, cities, streams[2])
    report(_STEPS[3], 3, len(_STEPS))
    _outcomes(concerts, streams[3])
    report(_STEPS[4], 4, len(_STEPS))
    users = _users(spec, cities, streams[4])
    report(_STEPS[5], 5, len(_STEPS))
    attendance = _attendance(spec, users, concerts, venues, artists, cities, streams[5])
    report(_STEPS[6], 6, len(_STEPS))

    with _staging(out_dir) as staging:
        files = _write(staging, cities, artists, venues, concerts, users, attendance)
        counts = {name: pq.read_metadata(path).num_rows for name, path in files.items()}
        metadata = {
            "generator_version": GENERATOR_VERSION,
            "scale": spec.name,
            "seed": seed,
            "as_of": as_of.isoformat(),
            "counts": counts,
            "scale_parameters": asdict(spec),
            "noise_sigma": demand.NOISE_SIGMA,
            "sold_out_share": float(np.mean(concerts["sold_out"][concerts["completed"]])),
        }
        (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
    report("done", len(_STEPS), len(_STEPS))
    return {name: out_dir / path.name for name, path in files.items()}


@contextlib.contextmanager
def _staging(out_dir: Path) -> Iterator[Path]:
    """A private directory inside `out_dir` to write into; on success each file is renamed over its namesake in
    `out_dir` (atomic per file, so no reader ever sees a half-written Parquet file), on failure it is removed
    and `out_dir` is left as it was."""
    staging = out_dir / f".staging-{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        yield staging
        for path in sorted(staging.iterdir(), key=lambda p: p.name == METADATA_FILE):  # generation.json last
            os.replace(path, out_dir / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _scale_key(spec: Scale) -> int:
    return spec.artists * 1_000_003 + spec.venues * 1_009 + spec.concerts + spec.users


# --- Dimensions -------------------------------------------------------------------------------------


def _active_cities(spec: Scale) -> dict[str, np.ndarray]:
    ordered = sorted(CITIES, key=lambda c: -c.population)[: spec.cities]
    city = np.array([c.city for c in ordered], dtype=object)
    state = np.array([c.state for c in ordered], dtype=object)
    affinity = np.array([[genre_city_affinity(g, c.city, c.state) for g in GENRES] for c in ordered])
    return {
        "city": city,
        "state": state,
        "latitude": np.array([c.latitude for c in ordered]),
        "longitude": np.array([c.longitude for c in ordered]),
        "population": np.array([c.population for c in ordered], dtype=np.float64),
        "affinity": affinity,  # [city, genre]
    }


def _artists(spec: Scale, cities: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = spec.artists
    rank = np.arange(1, n + 1)
    # Zipf: listeners ~ rank^-s, and popularity is linear in log listeners (like Spotify's 0-100 index).
    popularity = 15.0 + 83.0 * (1.0 - np.log(rank) / np.log(max(n, 2))) + rng.normal(0.0, 2.5, n)
    popularity = np.round(np.sort(np.clip(popularity, 0.0, 100.0))[::-1], 1)
    shares = np.array([GENRE_SHARES[g] for g in GENRES])
    genre = rng.choice(len(GENRES), size=n, p=shares)
    city_weight = cities["population"] / cities["population"].sum()
    home = rng.choice(len(cities["city"]), size=n, p=city_weight)
    return {
        "artist_id": np.array([f"artist_{i:03d}" for i in range(1, n + 1)], dtype=object),
        "name": np.array(names.artist_names(rng, [GENRES[g] for g in genre]), dtype=object),
        "genre": genre,
        "popularity": popularity,
        "home_city_idx": home,
        # touring intensity: how often an artist plays, independent of how many it draws
        "tour_weight": rng.lognormal(0.0, 0.6, n) * (0.5 + popularity / 100.0),
    }


def _venues(spec: Scale, cities: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    n_cities = len(cities["city"])
    weight = cities["population"] ** 0.8
    base = np.ones(n_cities, dtype=np.int64) if spec.venues >= n_cities else np.zeros(n_cities, dtype=np.int64)
    extra = rng.multinomial(spec.venues - int(base.sum()), weight / weight.sum())
    city_idx = np.repeat(np.arange(n_cities), base + extra)
    pop = cities["population"][city_idx]
    shares = np.array([t.share for t in VENUE_TYPE_SPECS])
    allowed = pop[:, None] >= np.array([t.min_city_population for t in VENUE_TYPE_SPECS])[None, :]
    p = shares[None, :] * allowed
    p /= p.sum(axis=1, keepdims=True)
    vtype = (rng.random(len(city_idx))[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    vtype = np.minimum(vtype, len(VENUE_TYPE_SPECS) - 1)
    med = np.array([t.capacity_median for t in VENUE_TYPE_SPECS])[vtype]
    sig = np.array([t.capacity_sigma for t in VENUE_TYPE_SPECS])[vtype]
    lo = np.array([t.capacity_min for t in VENUE_TYPE_SPECS])[vtype]
    hi = np.array([t.capacity_max for t in VENUE_TYPE_SPECS])[vtype]
    capacity = np.clip(np.round(med * np.exp(sig * rng.standard_normal(len(vtype))), -1), lo, hi).astype(np.int64)
    # Most populous city first, biggest room first: venue_001 is the largest venue in New York.
    order = np.lexsort((-capacity, city_idx))
    city_idx, vtype, capacity = city_idx[order], vtype[order], capacity[order]
    n = len(city_idx)
    type_names = [VENUE_TYPE_SPECS[t].name for t in vtype]
    return {
        "venue_id": np.array([f"venue_{i:03d}" for i in range(1, n + 1)], dtype=object),
        "name": np.array(names.venue_names(rng, type_names, list(cities["city"][city_idx])), dtype=object),
        "city_idx": city_idx,
        "latitude": np.round(cities["latitude"][city_idx] + rng.uniform(-0.06, 0.06, n), 4),
        "longitude": np.round(cities["longitude"][city_idx] + rng.uniform(-0.06, 0.06, n), 4),
        "capacity": capacity,
        "venue_type": vtype,
    }


# --- Facts ------------------------------------------------------------------------------------------


def _concerts(
    spec: Scale,
    as_of: dt.date,
    artists: dict[str, np.ndarray],
    venues: dict[str, np.ndarray],
    cities: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    n = spec.concerts
    artist = rng.choice(len(artists["popularity"]), size=n, p=artists["tour_weight"] / artists["tour_weight"].sum())
    popularity = artists["popularity"][artist]

    # Booking: a room around the artist's draw, picked among the venues of nearly that size in any city.
    target = np.log(demand.artist_draw(popularity)) + rng.normal(BOOKING_MEDIAN_HEADROOM, BOOKING_SIGMA, n)
    by_size = np.argsort(np.log(venues["capacity"]), kind="stable")
    log_sizes = np.log(venues["capacity"][by_size])
    window = max(1, min(round(0.04 * len(by_size)), (len(by_size) - 1) // 2))
    # Targets beyond the smallest or largest room spread over the `window` rooms at that end.
    pos = np.clip(np.searchsorted(log_sizes, target), window, len(by_size) - 1 - window)
    venue = by_size[np.clip(pos + rng.integers(-window, window + 1, n), 0, len(by_size) - 1)]

    # Dates: weekday-weighted; outdoor venues (amphitheaters, stadiums) play mostly May to September.
    first = np.datetime64(as_of) - np.timedelta64(spec.history_days, "D")
    days = first + np.arange(spec.history_days + spec.future_days).astype("timedelta64[D]")
    weekday = ((days.astype(np.int64) + 3) % 7).astype(np.int64)  # 1970-01-01 was a Thursday
    doy = _day_of_year(days)
    season = np.cos(2 * np.pi * (doy - PEAK_DAY_OF_YEAR) / 365.25)
    sched = np.asarray(WEEKDAY_SCHEDULING)[weekday]
    p_indoor = sched * (1.0 + 0.08 * season)
    p_outdoor = sched * np.clip(0.25 + 1.2 * season, 0.02, None)
    indoor_day = rng.choice(len(days), size=n, p=p_indoor / p_indoor.sum())
    outdoor_day = rng.choice(len(days), size=n, p=p_outdoor / p_outdoor.sum())
    outdoor = np.array([t.outdoor for t in VENUE_TYPE_SPECS])[venues["venue_type"][venue]]
    day = np.where(outdoor, outdoor_day, indoor_day)

    # Concert ids in chronological order.
    order = np.lexsort((artist, venue, day))
    artist, venue, day = artist[order], venue[order], day[order]
    event_date = days[day]
    future = event_date >= np.datetime64(as_of)
    cancelled = rng.random(n) < np.where(future, CANCELLED_FUTURE_SHARE, CANCELLED_PAST_SHARE)
    status = np.where(future, 0, 1)  # index into schema.CONCERT_STATUSES
    status[cancelled] = 2

    popularity = artists["popularity"][artist]
    vtype = venues["venue_type"][venue]
    city = venues["city_idx"][venue]
    city_pop = cities["population"][city]
    reference = demand.reference_price(popularity, vtype, city_pop)
    multiple = rng.lognormal(0.0, demand.PRICE_SIGMA, n)
    experiment = rng.random(n) < EXPERIMENT_SHARE
    lo, hi = np.log(EXPERIMENT_RANGE)
    multiple = np.where(experiment, np.exp(rng.uniform(lo, hi, n)), multiple)
    price = np.maximum(np.round(reference * multiple * 2.0) / 2.0, 5.0)
    capacity = venues["capacity"][venue].astype(np.float64)
    conditions = {
        "popularity": popularity,
        "capacity": capacity,
        "venue_type": vtype,
        "weekday": weekday[day],
        "day_of_year": doy[day],
        "city_population": city_pop,
        "affinity": cities["affinity"][city, artists["genre"][artist]],
    }
    expected = demand.expected_demand(ticket_price=price, **conditions)
    at_reference = demand.expected_demand(ticket_price=reference, **conditions)
    return {
        "concert_id": np.array([f"concert_{i:03d}" for i in range(1, n + 1)], dtype=object),
        "artist": artist,
        "venue": venue,
        "city": city,
        "genre": artists["genre"][artist],
        "event_date": event_date,
        "ticket_price": price,
        "status": status,
        "capacity": capacity,
        "expected": expected,
        "completed": status == 1,
        "reference_price": reference,
        "demand_ceiling": demand.demand_ceiling(at_reference, vtype),
        "wtp_median": reference * np.exp(demand.WTP_LOG_MEDIANS[vtype]),
        "wtp_sigma": demand.WTP_SIGMAS[vtype],
        "best_price": reference * demand.revenue_maximising_ratio(at_reference, capacity, vtype),
    }


def _day_of_year(days: np.ndarray) -> IntArray:
    years = days.astype("datetime64[Y]")
    return (days - years.astype("datetime64[D]")).astype(np.int64) + 1


def _outcomes(concerts: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    """Tickets sold, price actually paid and revenue of every concert (only completed ones are written)."""
    n = len(concerts["expected"])
    realised = concerts["expected"] * np.exp(demand.NOISE_SIGMA * rng.standard_normal(n))
    tickets = np.minimum(np.round(realised), concerts["capacity"]).astype(np.int64)
    fill = tickets / concerts["capacity"]
    paid = concerts["ticket_price"] * demand.paid_price_factor(fill) * rng.lognormal(0.0, 0.03, n)
    paid = np.round(paid, 2)
    concerts["tickets_sold"] = tickets
    concerts["avg_price_paid"] = paid
    concerts["revenue"] = np.round(tickets * paid, 2)
    concerts["sold_out"] = tickets >= concerts["capacity"]


def _users(spec: Scale, cities: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = spec.users
    city_weight = cities["population"] / cities["population"].sum()
    home = rng.choice(len(city_weight), size=n, p=city_weight)
    shares = np.array([GENRE_SHARES[g] for g in GENRES])
    # 1-3 favourite genres without replacement (Gumbel top-k), tilted toward the home city's scene.
    keys = np.log(shares[None, :] * cities["affinity"][home]) + rng.gumbel(size=(n, len(GENRES)))
    ranked = np.argsort(-keys, axis=1)[:, :3]
    k = rng.choice([1, 2, 3], size=n, p=[0.3, 0.45, 0.25])
    favourites = [",".join(GENRES[g] for g in row[:kk]) for row, kk in zip(ranked, k, strict=True)]
    return {
        "user_id": np.array([f"user_{i:03d}" for i in range(1, n + 1)], dtype=object),
        "home": home,
        "favorite_genres": np.array(favourites, dtype=object),
        "ranked_genres": ranked,
        "k": k,
    }


def _attendance(
    spec: Scale,
    users: dict[str, np.ndarray],
    concerts: dict[str, np.ndarray],
    venues: dict[str, np.ndarray],
    artists: dict[str, np.ndarray],
    cities: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Each user goes to a Poisson number of completed concerts, mostly in their home city and favourite
    genres, more likely to the bigger shows (a concert is picked in proportion to its tickets sold)."""
    n_users = len(users["home"])
    activity = rng.lognormal(-0.125, 0.5, n_users)
    visits = rng.poisson(spec.visits_per_user * activity)
    user = np.repeat(np.arange(n_users), visits)
    slots = len(user)
    n_cities, n_genres = len(cities["city"]), len(GENRES)

    city_weight = cities["population"] / cities["population"].sum()
    city = np.where(
        rng.random(slots) < HOME_CITY_VISIT_SHARE,
        users["home"][user],
        rng.choice(n_cities, slots, p=city_weight),
    )
    fav = users["ranked_genres"][user, (rng.random(slots) * users["k"][user]).astype(np.int64)]
    shares = np.array([GENRE_SHARES[g] for g in GENRES])
    genre = np.where(rng.random(slots) < FAVOURITE_GENRE_VISIT_SHARE, fav, rng.choice(n_genres, slots, p=shares))

    done = np.flatnonzero(concerts["completed"])
    weight = concerts["tickets_sold"][done].astype(np.float64)
    pick = _pick_in_groups(
        concerts["city"][done] * n_genres + concerts["genre"][done], weight, city * n_genres + genre, rng
    )
    # No such show in that city and genre: any show in the city, then anywhere.
    for groups, wanted in ((concerts["city"][done], city), (np.zeros(len(done), dtype=np.int64), city * 0)):
        retry = np.flatnonzero(pick < 0)
        pick[retry] = _pick_in_groups(groups, weight, wanted[retry], rng)
    keep = pick >= 0
    pairs = np.sort(user[keep] * np.int64(len(done)) + pick[keep])
    pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]  # distinct (user, concert)
    return {"user": pairs // len(done), "concert": done[pairs % len(done)]}


def _pick_in_groups(group: IntArray, weight: FloatArray, wanted: IntArray, rng: np.random.Generator) -> IntArray:
    """For each wanted group, one item of that group drawn in proportion to its weight (-1 if the group is
    empty or weightless): one sort, one cumulative sum and two binary searches for any number of draws."""
    order = np.argsort(group, kind="stable")
    keys, cum = group[order], np.cumsum(weight[order])
    start = np.searchsorted(keys, wanted, side="left")
    end = np.searchsorted(keys, wanted, side="right")
    before = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
    total = np.where(end > start, cum[np.maximum(end - 1, 0)] - before, 0.0)
    u = before + rng.random(len(wanted)) * total
    idx = np.minimum(np.searchsorted(cum, u, side="right"), np.maximum(end - 1, 0))
    return np.where(total > 0, order[np.minimum(idx, len(order) - 1)], -1)


# --- Output -----------------------------------------------------------------------------------------


def _take(values: np.ndarray, idx: np.ndarray) -> pa.Array:
    """`values[idx]` as an Arrow string array, without a Python object per row."""
    return pc.take(pa.array(values, type=pa.string()), pa.array(idx))


def _write(
    out_dir: Path,
    active: dict[str, np.ndarray],
    artists: dict[str, np.ndarray],
    venues: dict[str, np.ndarray],
    concerts: dict[str, np.ndarray],
    users: dict[str, np.ndarray],
    attendance: dict[str, np.ndarray],
) -> dict[str, Path]:
    files = {t.name: out_dir / f"{t.name}.parquet" for t in schema.LOADED_TABLES}
    write_reference_cities(files["cities"])
    write_table(
        schema.ARTISTS,
        {
            "artist_id": artists["artist_id"],
            "name": artists["name"],
            "genre": _take(np.array(GENRES, dtype=object), artists["genre"]),
            "popularity": artists["popularity"],
            "home_city": _take(active["city"], artists["home_city_idx"]),
            "home_state": _take(active["state"], artists["home_city_idx"]),
        },
        files["artists"],
    )
    write_table(
        schema.VENUES,
        {
            "venue_id": venues["venue_id"],
            "name": venues["name"],
            "city": _take(active["city"], venues["city_idx"]),
            "state": _take(active["state"], venues["city_idx"]),
            "latitude": venues["latitude"],
            "longitude": venues["longitude"],
            "capacity": venues["capacity"],
            "venue_type": _take(np.array([t.name for t in VENUE_TYPE_SPECS], dtype=object), venues["venue_type"]),
        },
        files["venues"],
    )
    concert_ids = pa.array(concerts["concert_id"], type=pa.string())
    write_table(
        schema.CONCERTS,
        {
            "concert_id": concert_ids,
            "artist_id": _take(artists["artist_id"], concerts["artist"]),
            "venue_id": _take(venues["venue_id"], concerts["venue"]),
            "event_date": concerts["event_date"],
            "ticket_price": concerts["ticket_price"],
            "status": _take(np.array(schema.CONCERT_STATUSES, dtype=object), concerts["status"]),
        },
        files["concerts"],
    )
    done = np.flatnonzero(concerts["completed"])
    write_table(
        schema.TICKET_SALES,
        {
            "concert_id": pc.take(concert_ids, pa.array(done)),
            "tickets_sold": concerts["tickets_sold"][done],
            "revenue": concerts["revenue"][done],
            "avg_price_paid": concerts["avg_price_paid"][done],
        },
        files["ticket_sales"],
    )
    write_table(
        schema.USERS,
        {
            "user_id": users["user_id"],
            "home_city": _take(active["city"], users["home"]),
            "home_state": _take(active["state"], users["home"]),
            "favorite_genres": users["favorite_genres"],
        },
        files["users"],
    )
    write_table(
        schema.ATTENDANCE,
        {
            "user_id": _take(users["user_id"], attendance["user"]),
            "concert_id": pc.take(concert_ids, pa.array(attendance["concert"])),
        },
        files["attendance"],
    )
    pq.write_table(
        pa.table(
            {
                "concert_id": concert_ids,
                "expected_demand": pa.array(np.round(concerts["expected"], 3)),
                "expected_demand_capped": pa.array(np.round(np.minimum(concerts["expected"], concerts["capacity"]), 3)),
                "capacity": pa.array(concerts["capacity"]),
                "reference_price": pa.array(np.round(concerts["reference_price"], 4)),
                "demand_ceiling": pa.array(np.round(concerts["demand_ceiling"], 4)),
                "wtp_median": pa.array(np.round(concerts["wtp_median"], 4)),
                "wtp_sigma": pa.array(concerts["wtp_sigma"]),
                "revenue_maximising_price": pa.array(np.round(concerts["best_price"], 2)),
            }
        ),
        out_dir / EXPECTED_DEMAND_FILE,
    )
    return files
