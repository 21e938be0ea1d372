"""The generator: deterministic, believable, and true to the contract the warehouse and the model rely on."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from tests.unit.data.tiny_data import AS_OF, SEED

from concert_api.adapters.warehouse import schema
from concert_api.models import GENRES
from concert_tools.data.generator import EXPECTED_DEMAND_FILE, METADATA_FILE, generate
from concert_tools.data.reference import GENRE_SHARES, VENUE_TYPE_SPECS


def test_same_scale_seed_and_date_give_identical_files(tiny_dir: Path, tmp_path: Path) -> None:
    # given the session's tiny data set
    # when it is generated again with the same scale, seed and as_of
    files = generate("tiny", SEED, tmp_path, as_of=AS_OF)
    # then every table is identical
    for name, path in files.items():
        assert pq.read_table(path).equals(pq.read_table(tiny_dir / f"{name}.parquet")), name


def test_another_seed_gives_other_data(tiny_dir: Path, tmp_path: Path) -> None:
    files = generate("tiny", SEED + 1, tmp_path, as_of=AS_OF)
    assert not pq.read_table(files["concerts"]).equals(pq.read_table(tiny_dir / "concerts.parquet"))


def test_returns_one_parquet_file_per_loaded_table_with_the_schema_columns(tiny_dir: Path) -> None:
    for spec in schema.LOADED_TABLES:
        path = tiny_dir / f"{spec.name}.parquet"
        assert pq.read_schema(path).names == spec.column_names


def test_tiny_has_the_documented_size(tiny: dict[str, list[dict]]) -> None:
    assert len(tiny["artists"]) == 40
    assert len(tiny["venues"]) == 25
    assert len(tiny["concerts"]) == 2500
    assert len(tiny["users"]) == 300
    assert 1000 <= len(tiny["attendance"]) <= 2500


def test_ids_look_like_the_guide(tiny: dict[str, list[dict]]) -> None:
    assert tiny["artists"][0]["artist_id"] == "artist_001"
    assert tiny["venues"][0]["venue_id"] == "venue_001"
    assert tiny["concerts"][0]["concert_id"] == "concert_001"
    assert any(u["user_id"] == "user_123" for u in tiny["users"])


def test_statuses_split_at_as_of(tiny: dict[str, list[dict]]) -> None:
    # then history is completed or cancelled, the future is scheduled (or cancelled), and all three exist
    for c in tiny["concerts"]:
        if c["event_date"] < AS_OF:
            assert c["status"] in ("completed", "cancelled")
        else:
            assert c["status"] in ("scheduled", "cancelled")
    statuses = Counter(c["status"] for c in tiny["concerts"])
    assert statuses["scheduled"] >= 100 and statuses["cancelled"] >= 20


def test_ticket_sales_exist_exactly_for_completed_concerts(tiny: dict[str, list[dict]]) -> None:
    completed = {c["concert_id"] for c in tiny["concerts"] if c["status"] == "completed"}
    assert {s["concert_id"] for s in tiny["ticket_sales"]} == completed


def test_sales_never_exceed_capacity_and_revenue_is_tickets_times_price_paid(tiny: dict[str, list[dict]]) -> None:
    capacity = {v["venue_id"]: v["capacity"] for v in tiny["venues"]}
    venue_of = {c["concert_id"]: c["venue_id"] for c in tiny["concerts"]}
    for s in tiny["ticket_sales"]:
        assert 0 <= s["tickets_sold"] <= capacity[venue_of[s["concert_id"]]]
        assert s["revenue"] == pytest.approx(s["tickets_sold"] * s["avg_price_paid"], abs=0.01)


def test_about_one_completed_concert_in_three_sells_out(tiny: dict[str, list[dict]]) -> None:
    capacity = {v["venue_id"]: v["capacity"] for v in tiny["venues"]}
    venue_of = {c["concert_id"]: c["venue_id"] for c in tiny["concerts"]}
    sold_out = np.mean([s["tickets_sold"] == capacity[venue_of[s["concert_id"]]] for s in tiny["ticket_sales"]])
    assert 0.25 <= sold_out <= 0.42


def test_capacities_stay_within_their_venue_type(tiny: dict[str, list[dict]]) -> None:
    bounds = {t.name: (t.capacity_min, t.capacity_max) for t in VENUE_TYPE_SPECS}
    for v in tiny["venues"]:
        low, high = bounds[v["venue_type"]]
        assert low <= v["capacity"] <= high, v


def test_popularity_is_heavy_tailed(tiny: dict[str, list[dict]]) -> None:
    popularity = np.array([a["popularity"] for a in tiny["artists"]])
    assert popularity.min() >= 0 and popularity.max() <= 100
    # a few stars, many modest acts: the median sits far below the top
    assert popularity.max() > 85 and np.median(popularity) < 45


def test_prices_rise_with_popularity_and_venue_size(tiny: dict[str, list[dict]]) -> None:
    popularity = {a["artist_id"]: a["popularity"] for a in tiny["artists"]}
    vtype = {v["venue_id"]: v["venue_type"] for v in tiny["venues"]}
    clubs = [c for c in tiny["concerts"] if vtype[c["venue_id"]] == "club"]
    corr = np.corrcoef([popularity[c["artist_id"]] for c in clubs], [c["ticket_price"] for c in clubs])[0, 1]
    assert corr > 0.3
    median = {t: np.median([c["ticket_price"] for c in tiny["concerts"] if vtype[c["venue_id"]] == t])
              for t in ("club", "stadium")}  # fmt: skip
    assert median["stadium"] > 3 * median["club"]


def test_venues_are_in_real_cities_near_their_coordinates(tiny: dict[str, list[dict]]) -> None:
    cities = {(c["city"], c["state"]): c for c in tiny["cities"]}
    for v in tiny["venues"]:
        city = cities[(v["city"], v["state"])]
        assert abs(v["latitude"] - city["latitude"]) < 0.1 and abs(v["longitude"] - city["longitude"]) < 0.1


def test_genres_are_known_and_users_list_known_favourites(tiny: dict[str, list[dict]]) -> None:
    assert {a["genre"] for a in tiny["artists"]} <= set(GENRES)
    for u in tiny["users"]:
        favourites = u["favorite_genres"].split(",")
        assert 1 <= len(favourites) <= 3 and set(favourites) <= set(GENRES)


def test_users_attend_mostly_at_home_and_in_their_genres(tiny: dict[str, list[dict]]) -> None:
    users = {u["user_id"]: u for u in tiny["users"]}
    concerts = {c["concert_id"]: c for c in tiny["concerts"]}
    venues = {v["venue_id"]: v for v in tiny["venues"]}
    genre = {a["artist_id"]: a["genre"] for a in tiny["artists"]}
    home = in_genre = 0
    for visit in tiny["attendance"]:
        user, concert = users[visit["user_id"]], concerts[visit["concert_id"]]
        assert concert["status"] == "completed"
        home += venues[concert["venue_id"]]["city"] == user["home_city"]
        in_genre += genre[concert["artist_id"]] in user["favorite_genres"].split(",")
    assert home / len(tiny["attendance"]) > 0.7
    assert in_genre / len(tiny["attendance"]) > 0.5


def test_expected_demand_is_written_separately_and_never_loaded(tiny_dir: Path) -> None:
    table = pq.read_table(tiny_dir / EXPECTED_DEMAND_FILE)
    assert table.column_names == ["concert_id", "expected_demand", "expected_demand_capped", "capacity",
                                  "reference_price", "demand_ceiling", "wtp_median", "wtp_sigma",
                                  "revenue_maximising_price"]  # fmt: skip
    assert table.num_rows == 2500
    assert EXPECTED_DEMAND_FILE.removesuffix(".parquet") not in {t.name for t in schema.TABLES}
    uncapped = np.array(table["expected_demand"])
    capped = np.array(table["expected_demand_capped"])
    assert np.all(capped <= uncapped + 1e-9)


def test_the_truth_file_holds_each_concerts_whole_demand_curve(tiny_dir: Path) -> None:
    # given the ground truth of every concert
    t = pq.read_table(tiny_dir / EXPECTED_DEMAND_FILE).to_pydict()
    ceiling, median, sigma = (np.array(t[k]) for k in ("demand_ceiling", "wtp_median", "wtp_sigma"))
    # when its demand curve (fans whose willingness to pay reaches the price) is read at the concert's reference price
    from scipy.special import ndtr

    def curve(price: np.ndarray) -> np.ndarray:
        return ceiling * ndtr(-(np.log(price) - np.log(median)) / sigma)

    # then it is the noise-free demand at that price, and demand at the list price is on the same curve
    price_ratio = np.array(t["expected_demand"]) / curve(np.array(t["reference_price"]))
    assert np.all(np.isfinite(price_ratio)) and np.all(price_ratio > 0)
    # and the recorded revenue-maximising price earns at least as much as 5% above or below it
    best = np.array(t["revenue_maximising_price"])
    capacity = np.array(t["capacity"])

    def revenue(price: np.ndarray) -> np.ndarray:
        return price * np.minimum(curve(price), capacity)

    assert np.all(revenue(best) >= revenue(best * 1.05) * (1 - 1e-3))
    assert np.all(revenue(best) >= revenue(best * 0.95) * (1 - 1e-3))


def test_most_concerts_earn_the_most_between_about_0_8_and_2_5_times_their_reference_price(tiny_dir: Path) -> None:
    t = pq.read_table(tiny_dir / EXPECTED_DEMAND_FILE).to_pydict()
    multiple = np.array(t["revenue_maximising_price"]) / np.array(t["reference_price"])
    assert np.mean((multiple >= 0.8) & (multiple <= 2.5)) > 0.75
    # and the capacity binds first for the biggest draws: a sell-out at the reference price pushes the optimum up
    full = np.array(t["expected_demand"]) > np.array(t["capacity"])
    assert np.median(multiple[full]) > np.median(multiple[~full])


def test_noise_is_multiplicative_centred_and_moderate(tiny_dir: Path, tiny: dict[str, list[dict]]) -> None:
    # given completed concerts whose expected demand is far below capacity (so no sell-out censors them)
    expected = {
        r["concert_id"]: r["expected_demand"] for r in pq.read_table(tiny_dir / EXPECTED_DEMAND_FILE).to_pylist()
    }
    capacity = {v["venue_id"]: v["capacity"] for v in tiny["venues"]}
    venue_of = {c["concert_id"]: c["venue_id"] for c in tiny["concerts"]}
    uncensored = [s for s in tiny["ticket_sales"]
                  if expected[s["concert_id"]] < 0.5 * capacity[venue_of[s["concert_id"]]]]  # fmt: skip
    # when comparing actual with expected sales
    log_ratio = np.log([s["tickets_sold"] / expected[s["concert_id"]] for s in uncensored])
    # then the noise is centred on the expected demand, with the documented lognormal sigma of about 0.2
    assert len(log_ratio) > 100
    assert abs(np.median(log_ratio)) < 0.05
    assert 0.15 < np.std(log_ratio) < 0.25


def test_metadata_records_what_was_generated(tiny_dir: Path) -> None:
    meta = json.loads((tiny_dir / METADATA_FILE).read_text())
    assert (meta["scale"], meta["seed"], meta["as_of"]) == ("tiny", SEED, AS_OF.isoformat())
    assert meta["counts"]["concerts"] == 2500
    assert re.fullmatch(r"\d+\.\d+", meta["generator_version"])


def test_artist_and_venue_names_are_unique_and_believable(tiny: dict[str, list[dict]]) -> None:
    names = [a["name"] for a in tiny["artists"]]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[A-Z][\w&.' ]+", n) for n in names)
    assert len({(v["name"], v["city"]) for v in tiny["venues"]}) == len(tiny["venues"])


def test_genre_mix_follows_the_documented_shares_at_scale(tmp_path: Path) -> None:
    # given the small scale (400 artists): shares are measurable
    files = generate("small", 1, tmp_path, as_of=dt.date(2025, 1, 1))
    genres = Counter(pq.read_table(files["artists"], columns=["genre"])["genre"].to_pylist())
    for genre, share in GENRE_SHARES.items():
        assert abs(genres[genre] / 400 - share) < 0.05, genre


def test_unknown_scale_names_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="tiny, small, medium, large"):
        generate("huge", 1, tmp_path)


def test_progress_is_reported_up_to_completion(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    generate("tiny", 1, tmp_path, as_of=AS_OF, progress=lambda step, done, total: calls.append((step, done, total)))
    assert calls[0][1] == 0 and calls[-1][1] == calls[-1][2]
    assert [c[1] for c in calls] == sorted(c[1] for c in calls)
